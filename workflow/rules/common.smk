# Helpers shared by the rules: config validation, the run grid, and input/param functions.
# (The only .smk file with Python definitions.)

import os

import passk.config.grid as pc
import passk.config.validate as cv
import passk.pipeline.versions as pv
from passk.benchmarks.registry import family as benchmark_family
from passk.config.figures import figure_spec as _figure_spec
from passk.errors import PasskError
from snakemake.utils import validate

try:
    for _path in workflow.configfiles:
        cv.load_yaml_strict(_path)  # duplicate keys, which YAML would silently merge
    cv.validate_schema(config)
    validate(config, "../../config/schema.yaml")  # fills the schema's defaults
    cv.check_config(config)
    RUNS = pc.all_runs(config)
    DATA_DIR = pc.resolve_data_dir(config)
except PasskError as _exc:
    raise WorkflowError(str(_exc)) from None

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


FIGURES_PLOTTED = [f for f, spec in config["figures"].items() if spec["kind"] in ("passk_curves", "accuracy_histogram", "perplexity")]
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
    """The benchmark's config minus n (so raising n never reruns existing shards)."""
    spec = {k: v for k, v in config["benchmarks"][bench].items() if k not in ("n", "n_per_model", "shards_per_job")}
    return {"name": bench, **spec}


def prepare_slice(wildcards):
    """What decides a problem file: the benchmark's source keys and the data directory."""
    spec = bench_slice(wildcards.bench)
    return {k: v for k, v in spec.items() if k not in ("shard_size", "label", "prompt", "max_tokens")}


def model_slice(model):
    """What of a model's config decides its samples."""
    spec = config["models"][model]
    keep = ("hf_id", "revision", "path", "template", "chat", "role")
    out = {"name": model, **{k: spec[k] for k in keep if k in spec}}
    out.setdefault("revision", "tiny" if spec.get("tiny") is not None else "local")
    return out


def sampling_slice(wildcards):
    """Decoding settings of a (benchmark, setting)."""
    settings = pc.sampling_slice(config, wildcards.setting)
    bench_max = config["benchmarks"][wildcards.bench].get("max_tokens")
    if bench_max is not None and wildcards.setting == "default":
        settings["max_tokens"] = bench_max
    return settings


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
        inputs["groundtruth"] = f"results/groundtruth/{wildcards.bench}.json.gz"
    return inputs


def run_provenance_slice(wildcards):
    """What the provenance record of a run states about its config (all of it already decides the
    samples or verdicts, so recording it reruns nothing that would not rerun anyway)."""
    return {
        "model": model_slice(wildcards.model),
        "benchmark": bench_slice(wildcards.bench),
        "sampling": sampling_slice(wildcards),
        "backend": pc.backend_slice(config, wildcards.model),
        "shard_size": pc.shard_size(config, wildcards.bench),
        "verify": config.get("verify", {}),
        "sandbox": config.get("sandbox", {}),
        "code_versions": {
            "model": code_version("get_model.py"),
            "prepare": code_version("prepare_benchmark.py", wildcards.bench, "prepare"),
            "sample": code_version("sample.py"),
            "verify": code_version("verify.py", wildcards.bench, "verify"),
            "aggregate": code_version("aggregate.py"),
        },
    }


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
    if config["figures"][figure]["kind"] in ANALYSIS_KINDS:  # workflow/rules/analyses.smk
        return analysis_figure_outputs(figure)
    if config["figures"][figure]["kind"] == "coverage_table":
        return [f"results/tables/{figure}.md", f"results/tables/{figure}.csv"]
    return [f"results/figures/{figure}.png", f"results/figures/{figure}.pdf", f"results/figures/{figure}.csv"]


def all_figure_outputs():
    """The files of every figure in the config."""
    return [path for figure in config["figures"] for path in figure_outputs(figure)]


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
