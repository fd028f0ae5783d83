# Helpers shared by the rules: config validation, the run grid, and input/param functions.
# (The only .smk file with Python definitions.)

import os
import sys

import passk.config.fit as cfit
import passk.config.grid as pc
import passk.config.validate as cv
import passk.pipeline.versions as pv
from passk.benchmarks.registry import family as benchmark_family
from passk.config.unfilled import skip_unfilled
from passk.config.comparison import resolve_paper_numbers
from passk.config.figures import figure_spec as _figure_spec
from passk.errors import PasskError
from passk.models.manifest import model_dir_from_manifest
from passk.prompts import run_prompt
from snakemake.logging import logger
from snakemake.utils import validate


def _local_weights(model):
    """A model's weights directory once get_model has written its manifest (else None)."""
    manifest = f"resources/models/{pc.weights_id(config, model)}/manifest.json"
    return model_dir_from_manifest(manifest, check=False) if os.path.exists(manifest) else None


try:
    for _path in workflow.configfiles:
        cv.load_yaml_strict(_path)  # duplicate keys, which YAML would silently merge
    cv.validate_schema(config)
    validate(config, "../../config/schema.yaml")  # fills the schema's defaults
    # Figures that need a checkpoint or training log of the user's not named yet (Sec. 4, Fig 4
    # right): left out of the config, each with a message saying what to set.
    SKIPPED_FIGURES = skip_unfilled(config)
    cv.check_config(config)
    READY_FIGURES = list(config["figures"])
    RUNS = pc.all_runs(config, READY_FIGURES)
    DATA_DIR = pc.resolve_data_dir(config)
    if workflow.is_main_process:  # once, as the run is planned (not again in every cluster job)
        # Every run must fit its model's context (passk.config.fit): a plan that cannot run fails here.
        for _message in cfit.check_fit(config, RUNS, problems_path=lambda b: f"results/problems/{b}.jsonl",
                                       model_dir=_local_weights, data_dir=DATA_DIR).warnings:
            logger.warning(f"WARNING: {_message}")
except PasskError as _exc:
    raise WorkflowError(str(_exc)) from None

for _message in SKIPPED_FIGURES.values():
    print(f"NOTE: {_message}", file=sys.stderr)

SCRIPTS = os.path.join(workflow.basedir, "workflow", "scripts")

# vLLM lives in its own environment: its pins conflict with the SLURM plugin's (notes/snakemake_anchors.md §5).
SAMPLING_ENV = "../../envs/vllm.yaml" if config["sampling"]["backend"] == "vllm" else "../../envs/sampling.yaml"
RUN_INDEX = {(r.model, r.benchmark, r.setting): r for r in RUNS}
BENCHMARKS_USED = sorted({r.benchmark for r in RUNS})
# Runs whose sampling jobs draw several shards each (shards_per_job > 1; rule sample_shards).
MULTI_SHARD_RUNS = [r for r in RUNS if pc.shards_per_job(config, r.benchmark, r.setting) > 1]


def _alternation(names):
    """A regex matching exactly the given names (or nothing)."""
    import re

    return "|".join(re.escape(n) for n in names) if names else "(?!x)x"


def _runs_regex(runs):
    """A regex for the {model} wildcard of a results/.../{model}/{bench}/{setting}/... path that
    matches only the given runs: each model name is followed by a lookahead for its benchmark and
    setting (wildcards are matched one regex per path, so the lookahead sees the rest of it)."""
    import re

    alternatives = [f"{re.escape(r.model)}(?=/{re.escape(r.benchmark)}/{re.escape(r.setting)}/)" for r in runs]
    return "|".join(alternatives) if alternatives else "(?!x)x"


FIGURES_PLOTTED = [f for f, spec in config["figures"].items() if spec["kind"] in ("passk_curves", "accuracy_histogram", "perplexity", "checkpoint_curves")]
FIGURES_TABLED = [f for f, spec in config["figures"].items() if spec["kind"] == "coverage_table"]
FIGURES_FILTERED = [f for f, spec in config["figures"].items() if spec.get("filter")]
FIGURES_PERPLEXITY = [f for f, spec in config["figures"].items() if spec["kind"] == "perplexity"]


wildcard_constraints:
    model="[^/]+",
    bench="[^/]+",
    setting="[^/]+",
    shard=r"\d+",
    weights="[^/]+",


def code_version(script, bench=None, stage=None):
    """The version of the library code a rule's script runs (passk.pipeline.versions): a param, so
    editing that code reruns the rule. ``bench`` narrows per-family stages to that family's code."""
    family = config["benchmarks"][bench]["family"] if bench is not None else None
    return pv.code_version(os.path.join(SCRIPTS, script), family, stage)


def bench_family(bench):
    """The benchmark family (passk.verify.family.Family) of a configured benchmark."""
    return benchmark_family(config["benchmarks"][bench]["family"])


def weights_id(model):
    """The folder a model's weights live in (shared by models with the same weights)."""
    return pc.weights_id(config, model)


WEIGHTS = {}
for _model in config["models"]:
    WEIGHTS.setdefault(weights_id(_model), _model)


def model_manifest(wildcards):
    """The manifest marking a model's weights as present (the sampling rule's model input)."""
    return f"resources/models/{weights_id(wildcards.model)}/manifest.json"


def weights_spec(wildcards):
    """What the model rule needs to fetch or build the weights (a narrow config slice)."""
    spec = dict(config["models"][WEIGHTS[wildcards.weights]])
    keep = ("hf_id", "revision", "path", "tiny") + (("template",) if spec.get("tiny") else ())
    return {k: spec[k] for k in keep if k in spec}


def weights_training_problems(wildcards):
    """Problem files a tiny model is trained on (none for real models)."""
    tiny = config["models"][WEIGHTS[wildcards.weights]].get("tiny") or {}
    return [f"results/problems/{b}.jsonl" for b in tiny.get("train_on", [])]


def bench_slice(bench):
    """The benchmark's config minus n (so raising n never reruns existing shards) and the plan's bound."""
    drop = ("n", "n_per_model", "shards_per_job", "longest_problem_bytes")
    spec = {k: v for k, v in config["benchmarks"][bench].items() if k not in drop}
    return {"name": bench, **spec}


def run_bench_slice(model, bench):
    """What a verifier reads of a benchmark: its slice, with ``prompt`` the code prompt the model
    was given (deepcoder-livecodebench for the reasoning models: no prefill, answer after </think>)."""
    spec = bench_slice(bench)
    if spec.get("prompt", "model") != "model":
        spec["prompt"] = run_prompt(config["models"][model], config["benchmarks"][bench]).name
    return spec


def prepare_slice(wildcards):
    """What decides a problem file: the benchmark's source keys and the data directory."""
    spec = bench_slice(wildcards.bench)
    return {k: v for k, v in spec.items() if k not in ("shard_size", "label", "prompt", "max_tokens", "min_pixels", "max_pixels")}


def model_slice(model):
    """What of a model's config decides its samples."""
    spec = config["models"][model]
    keep = ("hf_id", "revision", "path", "template", "chat", "role", "context_length")
    out = {"name": model, **{k: spec[k] for k in keep if k in spec}}
    out.setdefault("revision", "tiny" if spec.get("tiny") is not None else "local")
    return out


def sampling_slice(wildcards):
    """Decoding settings of a run (max_tokens: the setting's, else the model's, else the benchmark's)."""
    return pc.run_sampling(config, wildcards.model, wildcards.bench, wildcards.setting)


def run_shards(wildcards):
    """The run (model, bench, setting) that a job belongs to."""
    key = (wildcards.model, wildcards.bench, wildcards.setting)
    if key not in RUN_INDEX:
        raise WorkflowError(f"no figure in the config samples {key}; add it to a figure's models and benchmarks")
    return RUN_INDEX[key]


def shard_block(wildcards):
    """The folder of the multi-shard sampling job that draws a shard (runs with shards_per_job > 1)."""
    run = run_shards(wildcards)
    per_job = pc.shards_per_job(config, run.benchmark, run.setting)
    first = int(wildcards.shard) // per_job * per_job
    return f"results/samples/{run.model}/{run.benchmark}/{run.setting}/shards-{first}-{first + per_job - 1}"


def verdict_shards(wildcards):
    """Every verdict shard of a run."""
    run = run_shards(wildcards)
    return [
        f"results/verdicts/{run.model}/{run.benchmark}/{run.setting}/shard-{s}.parquet"
        for s in run.shards
    ]


def sample_shards(wildcards):
    """Every sample shard of a run."""
    run = run_shards(wildcards)
    return [
        f"results/samples/{run.model}/{run.benchmark}/{run.setting}/shard-{s}.parquet"
        for s in run.shards
    ]


def verify_inputs(wildcards):
    """A shard's samples, the problems, and for EvalPlus the cached expected outputs."""
    inputs = {
        "samples": f"results/samples/{wildcards.model}/{wildcards.bench}/{wildcards.setting}/shard-{wildcards.shard}.parquet",
        "problems": f"results/problems/{wildcards.bench}.jsonl",
    }
    if bench_family(wildcards.bench).groundtruth is not None:
        inputs["groundtruth"] = f"results/groundtruth/{wildcards.bench}.jsonl.zst"
    return inputs


def run_provenance_slice(wildcards):
    """What the provenance record of a run states about its config (all of it already decides the
    samples or verdicts, so recording it reruns nothing that would not rerun anyway)."""
    return {
        "model": model_slice(wildcards.model),
        "benchmark": bench_slice(wildcards.bench),
        "prompt": prompt_slice(wildcards.model, wildcards.bench),
        "sampling": sampling_slice(wildcards),
        "backend": pc.backend_slice(config, wildcards.model),
        "shard_size": pc.shard_size(config, wildcards.bench),
        "verify": verify_settings(),
        "sandbox": config.get("sandbox", {}),
        "code_versions": {
            "model": code_version("get_model.py"),
            "prepare": code_version("prepare_benchmark.py", wildcards.bench, "prepare"),
            "sample": code_version("sample.py"),
            "verify": code_version("verify.py", wildcards.bench, "verify"),
            "aggregate": code_version("aggregate.py"),
        },
    }


def prompt_slice(model, bench):
    """How the model was prompted on the benchmark (passk.prompts), for the provenance record."""
    prompt = run_prompt(config["models"][model], config["benchmarks"][bench])
    out = {"name": prompt.name, "render": prompt.render, "source": prompt.source, "stops": list(prompt.stops)}
    if config["models"][model].get("prompt_unverified"):
        out["unverified"] = config["models"][model]["prompt_unverified"]
    return out


def figure_run_files(wildcards, name):
    """One aggregated file (curve.csv or problems.csv) per run of a figure."""
    return [
        f"results/passk/{r.model}/{r.benchmark}/{r.setting}/{name}"
        for r in pc.figure_runs(config, wildcards.figure)
    ]


def figure_spec(wildcards):
    """A figure's config resolved (passk.config.figures.figure_spec), which is what the plot depends on."""
    return _figure_spec(config, wildcards.figure)


def filter_inputs(wildcards):
    """Fig 12: the guessability filter a figure's curves are computed under (none for most)."""
    return [f"results/filters/{wildcards.figure}.json"] if config["figures"][wildcards.figure].get("filter") else []


def filter_run_problems(wildcards):
    """The per-problem tables of a figure's no-CoT filter run, one per benchmark."""
    fig = config["figures"][wildcards.figure]
    filt = fig["filter"]
    return [
        f"results/passk/{filt['model']}/{b}/{filt.get('setting', 'default')}/problems.csv"
        for b in fig["benchmarks"]
    ]


def perplexity_table(wildcards):
    """Fig 6: the perplexity table a figure draws (none for other kinds)."""
    return [f"results/perplexity/{wildcards.figure}.csv"] if config["figures"][wildcards.figure]["kind"] == "perplexity" else []


def perplexity_inputs(wildcards):
    """Sample shards and model manifests of a perplexity figure's base and RL models."""
    fig = config["figures"][wildcards.figure]
    bench = fig["benchmarks"][0]
    (base, rl) = fig["models"][0]
    inputs = {"problems": f"results/problems/{bench}.jsonl"}
    for role, entry in (("base", base), ("rl", rl)):
        entry = {"model": entry} if isinstance(entry, str) else entry
        run = RUN_INDEX[(entry["model"], bench, pc.curve_setting(entry, bench))]
        inputs[f"{role}_samples"] = [
            f"results/samples/{run.model}/{bench}/{run.setting}/shard-{s}.parquet" for s in run.shards
        ]
        inputs[f"{role}_model"] = f"resources/models/{weights_id(run.model)}/manifest.json"
    return inputs


def perplexity_models(wildcards):
    """Names and templates of a perplexity figure's two models (what its scores depend on)."""
    fig = config["figures"][wildcards.figure]
    out = {}
    for role, entry in zip(("base", "rl"), fig["models"][0]):
        name = entry if isinstance(entry, str) else entry["model"]
        out[role] = model_slice(name)
    return out


def plot_settings(wildcards):
    """Global plot settings overlaid with the figure's own."""
    settings = dict(config.get("plot") or {})
    settings.update(config["figures"][wildcards.figure].get("plot") or {})
    return settings


def figure_outputs(figure):
    """The files a figure target builds."""
    kind = config["figures"][figure]["kind"]
    if kind in ANALYSIS_KINDS:  # workflow/rules/analyses.smk
        return analysis_figure_outputs(figure)
    if kind in ("coverage_table", "checkpoint_table"):
        return [f"results/tables/{figure}.md", f"results/tables/{figure}.csv"]
    pairs = [f"results/tables/pairs/{figure}.md", f"results/tables/pairs/{figure}.csv"] if figure in FIGURES_PAIRED else []
    if kind == "verifier_panel":
        pairs = [f"results/tables/{figure}.md", f"results/tables/{figure}.csv"]
    return [f"results/figures/{figure}.png", f"results/figures/{figure}.pdf", f"results/figures/{figure}.csv", *pairs]


def all_figure_outputs():
    """The files of every figure in the config (skipped ones are no longer in it)."""
    return [path for figure in config["figures"] for path in figure_outputs(figure)]


def figure_target_inputs(figure):
    """The inputs of a figure's named target: its files, or, for a skipped figure, a function that
    stops the run with the message saying what to set (evaluated only when the target is asked for)."""
    if figure not in SKIPPED_FIGURES:
        return figure_outputs(figure)

    def _skipped(wildcards):
        raise WorkflowError(SKIPPED_FIGURES[figure])

    return _skipped


def bench_image_inputs(wildcards):
    """Local files a benchmark's problems are made from besides its pinned sources (visual math:
    the images, Family.inputs), so that changing one reruns that benchmark; none for the others."""
    spec = config["benchmarks"][wildcards.bench]
    inputs = bench_family(wildcards.bench).inputs
    return inputs(wildcards.bench, {"name": wildcards.bench, **spec}, DATA_DIR) if inputs is not None else []


def sampling_report_runs():
    """Every run as [model, benchmark, setting, number of shards], in the order of all_sample_shards()."""
    return [[r.model, r.benchmark, r.setting, len(r.shards)] for r in RUNS]


def all_sample_shards():
    """Every sample shard of every run, run after run (the sampling report's inputs)."""
    return [
        f"results/samples/{r.model}/{r.benchmark}/{r.setting}/shard-{s}.parquet"
        for r in RUNS
        for s in r.shards
    ]


# --- The paper's Sec. 4 from your own training runs (workflow/rules/training_runs.smk) ---
FIGURES_CHECKPOINT_TABLES = [f for f, spec in config["figures"].items() if spec["kind"] == "checkpoint_table"]
FIGURES_TRAINING = [f for f, spec in config["figures"].items() if spec["kind"] == "training_curves"]
# Every figure of pass@k curves gets a table of ΔSE and crossover k for each pair of its curves.
FIGURES_PAIRED = [
    f for f, spec in config["figures"].items()
    if spec["kind"] in ("passk_curves", "checkpoint_curves") and not spec.get("filter")
    and sum(len(g) for g in spec["models"]) > 1
]
MATCHED_SETTINGS = [name for name, spec in (config.get("settings") or {}).items() if spec.get("match_entropy")]


def training_log_path(path):
    """A training log's path: absolute, or relative to the working directory, else (if it is not
    there) to the workflow's own directory, where the smoke run's logs live (tests/data/)."""
    if os.path.isabs(path) or os.path.exists(path):
        return path
    beside = os.path.join(workflow.basedir, path)
    return beside if os.path.exists(beside) else path


def training_log_files(wildcards):
    """The training-log exports a Fig 18 figure draws."""
    return [training_log_path(log["path"]) for log in config["figures"][wildcards.figure]["logs"]]


def match_spec(wildcards):
    """The match_entropy block of a setting, with the schema's defaults filled in."""
    return dict(config["settings"][wildcards.setting]["match_entropy"])


def matched_temperature_input(wildcards):
    """A run of a match_entropy setting samples at the temperature its search found (that file is
    then an input, so a new search redraws the samples); other runs get none."""
    if wildcards.setting in MATCHED_SETTINGS:
        return [f"results/entropy/{wildcards.model}/{wildcards.bench}/{wildcards.setting}.json"]
    return []


# --- The HTML report (workflow/rules/report.smk) ---
def _run_keys_paths(needs):
    """Run keys (model, benchmark, setting) of a comparison entry -> the files the rule hands over."""
    paths = {}
    for key, value in needs.items():
        if key == "curve":
            paths[key] = "results/passk/{}/{}/{}/curve.csv".format(*value)
        elif key == "curves":
            paths[key] = ["results/passk/{}/{}/{}/curve.csv".format(*v) for v in value]
        elif key == "problems":
            paths[key] = ["results/passk/{}/{}/{}/problems.csv".format(*v) for v in value]
        elif key == "entropy":
            paths[key] = "results/entropy/{}/{}/{}.json".format(*value)
    return paths


def comparison_entries():
    """The paper's stated numbers, each with the files of ours it is computed from (or none)."""
    out = []
    for entry in resolve_paper_numbers(config):
        files = _run_keys_paths(entry.pop("needs", {}) or {})
        if entry.get("index_range"):
            files["index_range"] = entry.pop("index_range")
        out.append({**entry, "files": files})
    return out


def comparison_inputs():
    """Every file the comparison reads."""
    found = []
    for entry in comparison_entries():
        for key, value in entry["files"].items():
            if key == "index_range":
                continue
            for path in [value] if isinstance(value, str) else value:
                if path not in found:
                    found.append(path)
    return found


def report_item_inputs(figure):
    """A figure's item (image or table), its runs' provenance and problems, and what its caption reports."""
    spec = config["figures"][figure]
    kind = spec["kind"]
    outputs = figure_outputs(figure)
    item = outputs[0] if kind in ("coverage_table", "checkpoint_table") else f"results/figures/{figure}.png"
    runs = pc.figure_runs(config, figure)
    return {
        "item": item,
        "pairs": [f"results/tables/pairs/{figure}.md"] if figure in FIGURES_PAIRED else [],
        "provenance": [f"results/passk/{r.model}/{r.benchmark}/{r.setting}/provenance.json" for r in runs],
        "problems": [f"results/problems/{b}.jsonl" for b in spec.get("benchmarks") or []],
        "matched": [f"results/entropy/{r.model}/{r.benchmark}/{r.setting}.json" for r in runs if r.setting in MATCHED_SETTINGS],
        "logs": [training_log_path(log["path"]) for log in spec.get("logs") or []],
    }


# Figures that are report items: every one but the sample-size plans (a config fragment, no figure).
REPORTED_FIGURES = [f for f, spec in config["figures"].items() if spec["kind"] != "plan"]


def report_outputs():
    """Every report item (so `all` builds them and `snakemake --report` finds them)."""
    out = ["results/report/comparison.html"]
    for figure in REPORTED_FIGURES:
        kind = config["figures"][figure]["kind"]
        ext = "html" if kind in ("coverage_table", "checkpoint_table") else "png"
        out.append(f"results/report/{figure}/{figure}.{ext}")
        if figure in FIGURES_PAIRED:
            out.append(f"results/report/{figure}/pairs.html")
    return out


# --- The math verifier panel (issue 15): verify.math_checkers beyond math_verify --------------
# The workflow's verdicts are Math-Verify's (rule verify); each other checker listed gets its own
# verdict shards and pass@k tables under results/checkers/{checker}/, for the runs a verifier_panel
# figure shows (no other run pays for the panel).

MATH_CHECKERS = list(config["verify"]["math_checkers"])
PANEL_CHECKERS = [c for c in MATH_CHECKERS if c != "math_verify"]
FIGURES_PANEL = [f for f, spec in config["figures"].items() if spec["kind"] == "verifier_panel"]
PANEL_RUNS = list({(r.model, r.benchmark, r.setting): r for f in FIGURES_PANEL for r in pc.figure_runs(config, f)}.values())


def verify_settings():
    """The verify section as the verify jobs see it: without the panel's checker list, so that
    listing checkers reruns no verification of the workflow's own."""
    return {k: v for k, v in config.get("verify", {}).items() if k != "math_checkers"}


def checker_run_file(checker, run, name):
    """A run's curve.csv or problems.csv under one checker (math_verify: the workflow's own)."""
    if checker == "math_verify":
        return f"results/passk/{run.model}/{run.benchmark}/{run.setting}/{name}"
    return f"results/checkers/{checker}/passk/{run.model}/{run.benchmark}/{run.setting}/{name}"


def checker_verdict_shards(checker, run):
    """A run's verdict shards under one checker (math_verify: the workflow's own)."""
    root = "results/verdicts" if checker == "math_verify" else f"results/checkers/{checker}/verdicts"
    return [f"{root}/{run.model}/{run.benchmark}/{run.setting}/shard-{s}.parquet" for s in run.shards]


def checker_run_verdicts(wildcards):
    """Every verdict shard of a run under the checker of the job (rule pass_at_k_checker)."""
    return checker_verdict_shards(wildcards.checker, run_shards(wildcards))


def panel_outputs():
    """The pass@k tables of every run of a verifier panel under every extra checker (rule all)."""
    return [checker_run_file(c, r, "curve.csv") for c in PANEL_CHECKERS for r in PANEL_RUNS]


def verifier_panel_inputs(wildcards):
    """A verifier panel's curve tables (checker by checker, runs in figure order), the verdict
    shards of each (checker, run) as verdicts_{checker}_{i}, and its benchmarks' problem files."""
    runs = pc.figure_runs(config, wildcards.figure)
    inputs = {
        "curves": [checker_run_file(c, r, "curve.csv") for c in MATH_CHECKERS for r in runs],
        "problem_files": [f"results/problems/{b}.jsonl" for b in config["figures"][wildcards.figure]["benchmarks"]],
    }
    for c in MATH_CHECKERS:
        for i, r in enumerate(runs):
            inputs[f"verdicts_{c}_{i}"] = checker_verdict_shards(c, r)
    return inputs
