"""The run grid of a config: which (model, benchmark, setting) runs its figures need, in shards,
and the narrow config slices each stage depends on (so editing one key reruns only what uses it)."""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from passk.errors import ConfigError
from passk.sampling.gpus import engine_gpus

DATA_DIR_ENV = "PASSK_DATA_DIR"


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
        for bench in fig.get("benchmarks") or []:
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
    for group in fig.get("models") or []:
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
    """Every distinct run that the given figures need (default: every figure of the config, from
    which ``passk.config.unfilled.skip_unfilled`` has removed those still to fill in), in a stable order."""
    seen: dict[tuple[str, str, str], Run] = {}
    for figure in figures if figures is not None else config["figures"]:
        for run in figure_runs(config, figure):
            seen.setdefault((run.model, run.benchmark, run.setting), run)
    return list(seen.values())


def sampling_slice(config: dict[str, Any], setting: str) -> dict[str, Any]:
    """Decoding settings of a setting: the global sampling section overlaid with the setting's keys."""
    base = {key: config["sampling"].get(key, SAMPLING_DEFAULTS[key]) for key in ("temperature", "top_p", "max_tokens", "seed")}
    if setting != "default":
        spec = config["settings"][setting]
        base.update({k: v for k, v in spec.items() if k not in ("shards_per_job", "match_entropy")})
        if spec.get("match_entropy"):
            base["temperature"] = "matched"  # decided by the match_temperature job (passk.analysis.entropy)
    return base


SAMPLING_DEFAULTS = {"temperature": 0.6, "top_p": 0.95, "max_tokens": 16384, "seed": 0}


def run_max_tokens(config: dict[str, Any], model: str, benchmark: str, setting: str = "default") -> int | str:
    """New tokens per completion of a run, an integer or ``"fit"`` (the context minus the longest
    prompt, resolved by the sampling stage): a setting's ``max_tokens`` wins, then the model's,
    then the benchmark's, then ``sampling.max_tokens``."""
    if setting != "default":
        value = ((config.get("settings") or {}).get(setting) or {}).get("max_tokens")
        if value is not None:
            return value
    for section in (config["models"][model], config["benchmarks"][benchmark]):
        if section.get("max_tokens") is not None:
            return section["max_tokens"]
    return config["sampling"].get("max_tokens", SAMPLING_DEFAULTS["max_tokens"])


def run_sampling(config: dict[str, Any], model: str, benchmark: str, setting: str = "default") -> dict[str, Any]:
    """Decoding settings of one run: its setting's, with the run's ``max_tokens`` (``run_max_tokens``)."""
    return {**sampling_slice(config, setting), "max_tokens": run_max_tokens(config, model, benchmark, setting)}


def figure_models(config: dict[str, Any], figure: str) -> list[str]:
    """Every model a figure samples (its curves' and its filter's), in order, once each."""
    names = [curve["model"] for curve in figure_curves(config, figure)]
    if config["figures"][figure].get("filter"):
        names.append(config["figures"][figure]["filter"]["model"])
    return list(dict.fromkeys(names))


def backend_slice(config: dict[str, Any], model: str) -> dict[str, Any]:
    """Backend name and options for a model (global backend options overlaid with the model's)."""
    name = config["sampling"]["backend"]
    options = dict((config.get("backends") or {}).get(name) or {})
    options.update((config["models"][model].get("backend_options") or {}))
    return {"name": name, **options}


def gpus_for(config: dict[str, Any], model: str) -> int:
    """GPUs one sampling job of this model holds (its tensor-parallel size; 0 on the CPU backend)."""
    return engine_gpus(backend_slice(config, model))


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
