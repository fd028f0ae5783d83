"""A figure's config resolved into the spec its rule hands to ``passk.figures.kinds``."""

from __future__ import annotations

from typing import Any

from passk.config.grid import backend_slice, curve_setting, figure_runs, run_max_tokens
from passk.errors import ConfigError
from passk.models.tiny import TINY_CONTEXT
from passk.prompts import run_prompt
from passk.sampling.budget import model_context


def _context(config: dict[str, Any], model: str) -> int | None:
    """The model's context as the config states it (None when only its weights will tell)."""
    spec = config["models"][model]
    try:
        return model_context(model_name=model, max_model_len=backend_slice(config, model).get("max_model_len"),
                             context_length=spec.get("context_length"), default=TINY_CONTEXT if spec.get("tiny") is not None else None).tokens
    except ConfigError:
        return None


def model_facts(config: dict[str, Any], model: str, benchmarks: list[str], settings: dict[str, str]) -> dict[str, Any]:
    """What a caption says about one curve's runs: the prompt and its source, whether a source
    confirms it, the new-token policy and the context, per benchmark."""
    spec = config["models"][model]
    prompts = {}
    for bench in benchmarks:
        prompt = run_prompt(spec, config["benchmarks"][bench])
        prompts[bench] = {"name": prompt.name, "source": prompt.source}
    return {
        "prompts": prompts,
        "prompt_unverified": spec.get("prompt_unverified"),
        "max_tokens": {b: run_max_tokens(config, model, b, settings[b]) for b in benchmarks},
        "context": _context(config, model),
    }


def figure_spec(config: dict[str, Any], figure: str) -> dict[str, Any]:
    """The figure's config with labels, roles and each curve's setting per benchmark resolved, what
    its caption states about each curve (``facts``), and ``runs``: the figure's runs in the order
    the rule lists their tables (``figure_runs``)."""
    fig = config["figures"][figure]
    groups = []
    for group in fig["models"]:
        row = []
        for entry in group:
            entry = {"model": entry} if isinstance(entry, str) else dict(entry)
            model = config["models"][entry["model"]]
            entry.setdefault("setting", "default")
            suffix = "" if entry["setting"] == "default" or isinstance(entry["setting"], dict) else f" ({entry['setting']})"
            entry.setdefault("label", model.get("label", entry["model"]) + suffix)
            entry["role"] = model["role"]
            entry["settings"] = {b: curve_setting(entry, b) for b in fig["benchmarks"]}
            entry["facts"] = model_facts(config, entry["model"], fig["benchmarks"], entry["settings"])
            row.append(entry)
        groups.append(row)
    benches = [{"name": b, "label": config["benchmarks"][b].get("label", b)} for b in fig["benchmarks"]]
    filt = fig.get("filter")
    if filt:
        filt = dict(filt)
        model = config["models"][filt["model"]]
        filt["label"] = model.get("label", filt["model"])
        setting = filt.get("setting", "default")
        filt["facts"] = model_facts(config, filt["model"], fig["benchmarks"], {b: setting for b in fig["benchmarks"]})
    return {
        "name": figure,
        "kind": fig["kind"],
        "title": fig.get("title", figure),
        "groups": groups,
        "benchmarks": benches,
        "runs": [[r.model, r.benchmark, r.setting] for r in figure_runs(config, figure)],
        "index_range": fig.get("index_range"),
        "filter": filt,
        "problems": fig.get("problems"),
        "per_problem": fig.get("per_problem", 16),
        "transpose": bool(fig.get("transpose", False)),
    }
