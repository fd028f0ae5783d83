"""Loading, validating and expanding the workflow config.

The config (``config/config.yaml``) names models, benchmarks, sampling settings and figures.
This module checks it beyond what the JSON schema can say (templates exist, figures name
configured models, n is a multiple of the shard size …), expands the model × benchmark ×
setting grid that the figures need, and hands each rule the narrow slice of config it depends
on, so that editing one key reruns only the jobs that use it.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from passk.errors import ConfigError
from passk.prompts import CHAT_FORMATS, MATH_TEMPLATES, MESSAGE_PROMPTS

DATA_DIR_ENV = "PASSK_DATA_DIR"

# Library modules whose source decides each stage's output: their hash is passed to the rule
# as a param, so a real edit of the logic reruns the stage (Snakemake does not track imports).
STAGE_MODULES: dict[str, tuple[str, ...]] = {
    "model": ("passk.models", "passk.download", "passk.tinymodel"),
    "prepare": ("passk.benchmarks.math", "passk.benchmarks.evalplus", "passk.benchmarks.livecodebench", "passk.benchmarks.safe_pickle"),
    "sample": ("passk.prompts", "passk.sampling.base", "passk.sampling.seeds", "passk.sampling.shard", "passk.sampling.transformers_backend", "passk.sampling.vllm_backend"),
    "groundtruth": ("passk.benchmarks.evalplus", "passk.verify.code", "passk.sandbox.harness_evalplus"),
    # the harnesses decide verdicts; the sandbox backends and the fork server must not (see tests/unit/test_forkserver.py)
    "verify": ("passk.verify.math", "passk.verify.math_answers", "passk.verify.code", "passk.verify.lcb",
               "passk.sandbox.harness_evalplus", "passk.sandbox.harness_lcb"),
    "aggregate": ("passk.metrics", "passk.aggregate"),
    "plot": ("passk.plots", "passk.metrics", "passk.figures", "passk.guess_filter"),
    "perplexity": ("passk.perplexity", "passk.prompts"),
}


class _UniqueKeyLoader(yaml.SafeLoader):
    """A YAML loader that rejects duplicate keys (PyYAML silently keeps the last one)."""


def _construct_mapping(loader: _UniqueKeyLoader, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
    seen: dict[Any, int] = {}
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise ConfigError(
                f"{node.start_mark.name}:{key_node.start_mark.line + 1}: duplicate key {key!r} "
                f"(first defined on line {seen[key] + 1})"
            )
        seen[key] = key_node.start_mark.line
    return loader.construct_mapping(node, deep=deep)


_UniqueKeyLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def load_yaml_strict(path: str | os.PathLike[str]) -> Any:
    """Parse a YAML file, rejecting duplicate keys with the file and line."""
    p = Path(path)
    if not p.exists():
        raise ConfigError(f"{p}: config file not found")
    try:
        with open(p, encoding="utf-8") as fh:
            return yaml.load(fh, Loader=_UniqueKeyLoader)  # noqa: S506 - SafeLoader subclass
    except yaml.YAMLError as exc:
        raise ConfigError(f"{p}: invalid YAML ({exc})") from None


def _key_path(parts: Iterable[Any]) -> str:
    out = ""
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "<top level>"


def schema_errors(config: dict[str, Any], schema: dict[str, Any]) -> list[str]:
    """Every schema violation as 'config key a.b.c: what was expected (got …)'."""
    import jsonschema

    validator_cls = jsonschema.validators.validator_for(schema)
    validator = validator_cls(schema)
    messages = []
    for error in sorted(validator.iter_errors(config), key=lambda e: list(map(str, e.absolute_path))):
        where = _key_path(error.absolute_path)
        if error.validator == "additionalProperties":
            extra = sorted(set(error.instance) - set(error.schema.get("properties", {})))
            allowed = sorted(error.schema.get("properties", {}))
            messages.append(f"config key {where}: unknown key(s) {extra}; allowed: {allowed}")
        elif error.validator == "required":
            messages.append(f"config key {where}: {error.message}")
        else:
            expected = error.schema.get("description") or ""
            messages.append(f"config key {where}: {error.message}" + (f" ({expected})" if expected else ""))
    return messages


def validate_schema(config: dict[str, Any], schema_path: str | os.PathLike[str]) -> None:
    """Raise ConfigError listing every schema violation with its key path."""
    schema = load_yaml_strict(schema_path)
    errors = schema_errors(config, schema)
    if errors:
        raise ConfigError("invalid config:\n  " + "\n  ".join(errors))


@dataclass(frozen=True)
class Run:
    """One (model, benchmark, sampling setting) whose samples some figure needs."""

    model: str
    benchmark: str
    setting: str
    n: int
    shard_size: int

    @property
    def shards(self) -> list[int]:
        """Indices of the shards that make up the run's n samples."""
        return list(range(self.n // self.shard_size))


def run_n(config: dict[str, Any], model: str, benchmark: str) -> int:
    """Samples per problem for (model, benchmark): the benchmark's n, or its per-model override."""
    bench = config["benchmarks"][benchmark]
    return int((bench.get("n_per_model") or {}).get(model, bench["n"]))


def shard_size(config: dict[str, Any], benchmark: str) -> int:
    """Samples per problem in one shard of the benchmark."""
    bench = config["benchmarks"][benchmark]
    return int(bench.get("shard_size") or config["sampling"]["shard_size"])


def shards_per_job(config: dict[str, Any], benchmark: str, setting: str = "default") -> int:
    """Shards one sampling job of a run draws with one loaded model: the setting's
    ``shards_per_job``, else the benchmark's, else ``sampling.shards_per_job`` (1). Only which job
    writes a shard changes, never its file, seeds or samples."""
    if setting != "default":
        value = ((config.get("settings") or {}).get(setting) or {}).get("shards_per_job")
        if value is not None:
            return int(value)
    value = config["benchmarks"][benchmark].get("shards_per_job")
    return int(value if value is not None else config["sampling"].get("shards_per_job") or 1)


def figure_runs(config: dict[str, Any], figure: str) -> list[Run]:
    """The runs one figure is drawn from."""
    fig = config["figures"][figure]
    runs = []
    for curve in figure_curves(config, figure):
        for bench in fig["benchmarks"]:
            model = curve["model"]
            runs.append(Run(model, bench, curve_setting(curve, bench), run_n(config, model, bench), shard_size(config, bench)))
    if fig.get("filter"):
        filt = fig["filter"]
        for bench in fig["benchmarks"]:
            runs.append(Run(filt["model"], bench, filt.get("setting", "default"), run_n(config, filt["model"], bench), shard_size(config, bench)))
    return runs


def figure_curves(config: dict[str, Any], figure: str) -> list[dict[str, Any]]:
    """The curves of a figure, one per (model, setting), in the order they are drawn."""
    fig = config["figures"][figure]
    curves = []
    for group in fig["models"]:
        for entry in group:
            if isinstance(entry, str):
                curves.append({"model": entry, "setting": "default"})
            else:
                curves.append({"model": entry["model"], "setting": entry.get("setting", "default"), **({"label": entry["label"]} if "label" in entry else {})})
    return curves


def curve_setting(curve: dict[str, Any], benchmark: str) -> str:
    """The sampling setting of a curve on one benchmark: one name for all benchmarks, or a map
    from benchmark to setting (Fig 17's entropy-matched temperatures differ per benchmark)."""
    setting = curve.get("setting", "default")
    if isinstance(setting, dict):
        return str(setting.get(benchmark, "default"))
    return str(setting)


def all_runs(config: dict[str, Any], figures: Iterable[str] | None = None) -> list[Run]:
    """Every distinct run that the (given or all) figures need, in a stable order."""
    seen: dict[tuple[str, str, str], Run] = {}
    for figure in figures if figures is not None else config["figures"]:
        for run in figure_runs(config, figure):
            seen.setdefault((run.model, run.benchmark, run.setting), run)
    return list(seen.values())


def check_config(config: dict[str, Any]) -> None:
    """Semantic checks the schema cannot express; raises ConfigError naming the key."""
    models = config["models"]
    benchmarks = config["benchmarks"]
    settings = config.get("settings") or {}
    for name, model in models.items():
        template = model.get("template")
        if template is not None and template not in MATH_TEMPLATES:
            raise ConfigError(f"config key models.{name}.template: unknown template {template!r}; known: {sorted(MATH_TEMPLATES)}")
        if model.get("chat", "chatml") not in CHAT_FORMATS:
            raise ConfigError(f"config key models.{name}.chat: unknown chat format {model.get('chat')!r}; known: {list(CHAT_FORMATS)}")
        sources = [key for key in ("hf_id", "path", "tiny") if model.get(key) is not None]
        if len(sources) != 1:
            raise ConfigError(f"config key models.{name}: give exactly one of hf_id, path, tiny (got {sources or 'none'})")
        if model.get("hf_id") and not model.get("revision"):
            raise ConfigError(f"config key models.{name}.revision: a Hugging Face model needs a pinned revision")
    for name, bench in benchmarks.items():
        prompt = bench.get("prompt", "model")
        if prompt != "model" and prompt not in MESSAGE_PROMPTS:
            raise ConfigError(f"config key benchmarks.{name}.prompt: unknown prompt {prompt!r}; known: {['model', *sorted(MESSAGE_PROMPTS)]}")
        size = shard_size(config, name)
        for model, n in [(None, bench["n"]), *(bench.get("n_per_model") or {}).items()]:
            where = f"benchmarks.{name}.n" if model is None else f"benchmarks.{name}.n_per_model.{model}"
            if model is not None and model not in models:
                raise ConfigError(f"config key {where}: model {model!r} is not configured under models")
            if int(n) % size:
                raise ConfigError(f"config key {where}: n={n} is not a multiple of the shard size {size} (grow n by whole shards)")
    for fig_name, fig in config.get("figures", {}).items():
        if fig["kind"] in ("coverage_table", "perplexity") and (len(fig["benchmarks"]) != 1 or [len(g) for g in fig["models"]] != [2]):
            raise ConfigError(f"config key figures.{fig_name}: a {fig['kind']} figure needs one benchmark and one group of two models (base, then RL)")
        if fig["kind"] == "perplexity" and not fig.get("problems"):
            raise ConfigError(f"config key figures.{fig_name}.problems: a perplexity figure needs the problem ids to score")
        if fig.get("filter"):
            filt = fig["filter"]
            if fig["kind"] != "passk_curves":
                raise ConfigError(f"config key figures.{fig_name}.filter: only passk_curves figures can be filtered")
            if filt["model"] not in models:
                raise ConfigError(f"config key figures.{fig_name}.filter.model: model {filt['model']!r} is not configured under models")
            if filt.get("setting", "default") != "default" and filt["setting"] not in settings:
                raise ConfigError(f"config key figures.{fig_name}.filter.setting: setting {filt['setting']!r} is not configured under settings")
        for bench in fig["benchmarks"]:
            if bench not in benchmarks:
                raise ConfigError(f"config key figures.{fig_name}.benchmarks: benchmark {bench!r} is not configured under benchmarks")
        for curve in figure_curves(config, fig_name):
            if curve["model"] not in models:
                raise ConfigError(f"config key figures.{fig_name}.models: model {curve['model']!r} is not configured under models")
            for bench in fig["benchmarks"]:
                setting = curve_setting(curve, bench)
                if setting != "default" and setting not in settings:
                    raise ConfigError(f"config key figures.{fig_name}.models: setting {setting!r} is not configured under settings")
            if isinstance(curve["setting"], dict):
                extra = sorted(set(curve["setting"]) - set(fig["benchmarks"]))
                if extra:
                    raise ConfigError(f"config key figures.{fig_name}.models: setting names benchmarks {extra} that the figure does not show")
        for run in figure_runs(config, fig_name):
            per_job = shards_per_job(config, run.benchmark, run.setting)
            if len(run.shards) % per_job:
                raise ConfigError(
                    f"config key figures.{fig_name}: run {run.model}/{run.benchmark}/{run.setting} has {len(run.shards)} shards, "
                    f"not a multiple of its shards_per_job {per_job} (make n a multiple of shard_size x shards_per_job)"
                )
        for bench in fig["benchmarks"]:
            if benchmarks[bench].get("prompt", "model") == "model":
                for curve in figure_curves(config, fig_name):
                    if models[curve["model"]].get("template") is None:
                        raise ConfigError(
                            f"config key models.{curve['model']}.template: figure {fig_name} samples it on {bench}, "
                            "which uses the model's template, but none is set"
                        )


def sampling_slice(config: dict[str, Any], setting: str) -> dict[str, Any]:
    """Decoding settings of a setting: the global sampling section overlaid with the setting's keys."""
    base = {key: config["sampling"][key] for key in ("temperature", "top_p", "max_tokens", "seed")}
    if setting != "default":
        base.update({k: v for k, v in config["settings"][setting].items() if k != "shards_per_job"})
    return base


def backend_slice(config: dict[str, Any], model: str) -> dict[str, Any]:
    """Backend name and options for a model (global backend options overlaid with the model's)."""
    name = config["sampling"]["backend"]
    options = dict((config.get("backends") or {}).get(name) or {})
    options.update((config["models"][model].get("backend_options") or {}))
    return {"name": name, **options}


def gpus_for(config: dict[str, Any], model: str) -> int:
    """GPUs one sampling job of this model holds (its tensor-parallel size; 0 on the CPU backend)."""
    if config["sampling"]["backend"] != "vllm":
        return 0
    return int(backend_slice(config, model).get("tensor_parallel_size", 1))


def weights_id(config: dict[str, Any], model: str) -> str:
    """The folder name of a model's weights: models with the same hub id and revision share it
    (e.g. Qwen2.5-32B under two templates), so the weights are fetched once."""
    spec = config["models"][model]
    if spec.get("hf_id"):
        return f"{spec['hf_id'].replace('/', '--')}@{spec['revision'][:12]}"
    if spec.get("path"):
        return f"local-{model}"
    return f"tiny-{model}"


def resolve_data_dir(config: dict[str, Any]) -> str | None:
    """The local benchmark data directory: config ``data_dir``, else $PASSK_DATA_DIR, else None (download)."""
    value = config.get("data_dir") or os.environ.get(DATA_DIR_ENV) or None
    if value is None:
        return None
    path = Path(value).expanduser()
    if not path.is_dir():
        source = "config key data_dir" if config.get("data_dir") else f"environment variable {DATA_DIR_ENV}"
        raise ConfigError(f"{source}: {value!r} is not a directory")
    return str(path.resolve())


def code_version(stage: str) -> str:
    """A short hash of the source of the library modules a stage runs (missing modules are skipped)."""
    h = hashlib.sha256()
    for module in STAGE_MODULES[stage]:
        spec = importlib.util.find_spec(module)
        if spec is None or spec.origin is None:
            continue
        h.update(module.encode())
        h.update(Path(spec.origin).read_bytes())
    return h.hexdigest()[:16]
