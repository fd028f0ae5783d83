"""Semantic checks of the analysis figure kinds (issue 15), which the schema cannot express."""

from __future__ import annotations

from typing import Any

from passk.config.grid import figure_runs, shard_size
from passk.errors import ConfigError

# Each kind's option object (``figures.<name>.<key>``) and the benchmark families it works on.
OPTION_OF_KIND = {"cover": "cover", "noise": "noise", "plan": "plan", "cot_review": "review"}
FAMILIES_OF_KIND = {"test_strength": ("evalplus",), "cot_review": ("math",)}


def check_analysis_figure(config: dict[str, Any], name: str, fig: dict[str, Any]) -> None:
    """Raise ConfigError, naming the key, for an analysis figure that cannot be drawn."""
    kind = fig["kind"]
    where = f"config key figures.{name}"
    for option in ("cover", "noise", "plan", "review"):
        if option in fig and OPTION_OF_KIND.get(kind) != option:
            raise ConfigError(f"{where}.{option}: only a figure of kind {[k for k, o in OPTION_OF_KIND.items() if o == option][0]!r} takes it")
    families = FAMILIES_OF_KIND.get(kind)
    if families:
        for bench in fig["benchmarks"]:
            family = config["benchmarks"][bench]["family"]
            if family not in families:
                raise ConfigError(f"{where}.benchmarks: a {kind} figure needs benchmarks of family {' or '.join(families)}; "
                                  f"{bench!r} is {family}")
    if kind == "diversity" and any(len(group) < 2 for group in fig["models"]):
        raise ConfigError(f"{where}.models: a diversity figure compares the first two models of each group (base, then RL)")
    if kind == "noise":
        fit_n = (fig.get("noise") or {}).get("fit_n")
        if fit_n is not None:
            for run in figure_runs(config, name):
                size = shard_size(config, run.benchmark)
                if fit_n % size or fit_n > run.n:
                    raise ConfigError(f"{where}.noise.fit_n: {fit_n} must be whole shards of {size} samples and at most the "
                                      f"run's n ({run.model}/{run.benchmark}: n={run.n})")
    judge = (fig.get("review") or {}).get("judge")
    if kind == "cot_review" and judge:
        model = config["models"].get(judge["model"])
        if model is None:
            raise ConfigError(f"{where}.review.judge.model: model {judge['model']!r} is not configured under models")
        if model.get("template") is None:
            raise ConfigError(f"config key models.{judge['model']}.template: the review's judge is prompted with its template, but none is set")
        setting = judge.get("setting", "default")
        if setting != "default" and setting not in (config.get("settings") or {}):
            raise ConfigError(f"{where}.review.judge.setting: setting {setting!r} is not configured under settings")
