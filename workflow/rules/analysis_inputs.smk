# Input and param functions of the analyses beyond the paper (issue 15; their rules are in
# analyses.smk). Included after common.smk, before figures.smk (figure_outputs calls
# analysis_figure_outputs).

ANALYSIS_KINDS = ("test_strength", "cover", "diversity", "noise", "plan", "cot_review")
FIGURES_OF_KIND = {kind: [f for f, spec in config["figures"].items() if spec["kind"] == kind] for kind in ANALYSIS_KINDS}
FIGURES_JUDGED = [f for f in FIGURES_OF_KIND["cot_review"] if (config["figures"][f].get("review") or {}).get("judge")]


def analysis_figure_outputs(figure):
    """The files an analysis figure's target builds."""
    kind = config["figures"][figure]["kind"]
    if kind == "plan":
        return [f"results/plans/{figure}.md", f"results/plans/{figure}.csv", f"results/plans/{figure}.yaml"]
    outs = [f"results/figures/{figure}.{ext}" for ext in ("png", "pdf", "csv")] + [f"results/tables/{figure}.{ext}" for ext in ("md", "csv")]
    if kind == "cot_review":
        outs.append(f"results/review/{figure}/index.html")
    return outs


def figure_problem_files(wildcards):
    """{benchmark: problem file} of a figure's benchmarks."""
    return {b: f"results/problems/{b}.jsonl" for b in config["figures"][wildcards.figure]["benchmarks"]}


def figure_run_shards(wildcards, kind, first=None):
    """Per run of a figure (its `runs` order), the paths of its verdict or sample shards (the first
    `first` of them when given)."""
    out = []
    for r in pc.figure_runs(config, wildcards.figure):
        shards = r.shards if first is None else r.shards[:first(r)]
        out.append([f"results/{kind}/{r.model}/{r.benchmark}/{r.setting}/shard-{s}.parquet" for s in shards])
    return out


def noise_fit_shards(wildcards):
    """Per run, the verdict shards a noise figure's forecast is fitted on (none: all of the run)."""
    fit_n = (config["figures"][wildcards.figure].get("noise") or {}).get("fit_n")
    if fit_n is None:
        return [[] for _ in pc.figure_runs(config, wildcards.figure)]
    return [s if fit_n < r.n else [] for s, r in zip(figure_run_shards(wildcards, "verdicts", lambda r: fit_n // r.shard_size), pc.figure_runs(config, wildcards.figure))]


def plan_steps(wildcards):
    """Per run, the samples one sampling job adds (the plan's n is a whole number of jobs)."""
    return [r.shard_size * pc.shards_per_job(config, r.benchmark, r.setting) for r in pc.figure_runs(config, wildcards.figure)]


def review_judge_spec(figure):
    """The judge of a review figure: its model and setting."""
    judge = config["figures"][figure]["review"]["judge"]
    return judge["model"], judge.get("setting", "default")


def review_marks(wildcards):
    """The marks file a review figure reads back (none until review.marks names one)."""
    marks = (config["figures"][wildcards.figure].get("review") or {}).get("marks")
    return [marks] if marks else []


def review_judge_samples(wildcards):
    return [f"results/review/{wildcards.figure}/judge/samples.parquet"] if wildcards.figure in FIGURES_JUDGED else []


def review_select_spec(wildcards):
    """A review figure's spec without its marks and judge: the selection depends on neither, so reading
    marks back or changing the judge never selects (and judges) the chains again."""
    spec = figure_spec(wildcards)
    review = {k: v for k, v in (spec.get("review") or {}).items() if k not in ("marks", "judge")}
    return {**spec, "review": review}


def _flat(nested):
    return [path for group in nested for path in group]
