"""A figure's config resolved into the spec its rule hands to ``passk.figures.kinds``."""

from __future__ import annotations

from typing import Any

from passk.benchmarks.math.checkers.names import DEFAULT_CHECKERS, LABELS
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
    for group in fig.get("models") or []:
        row = []
        for entry in group:
            entry = {"model": entry} if isinstance(entry, str) else dict(entry)
            model = config["models"][entry["model"]]
            entry.setdefault("setting", "default")
            suffix = "" if entry["setting"] == "default" or isinstance(entry["setting"], dict) else f" ({entry['setting']})"
            tags = model.get("checkpoint")
            entry.setdefault("label", checkpoint_label(model, fig.get("label_by")) if tags else model.get("label", entry["model"]) + suffix)
            entry["role"] = model["role"]
            if tags:
                entry["checkpoint"] = dict(tags)
            entry["settings"] = {b: curve_setting(entry, b) for b in fig["benchmarks"]}
            entry["facts"] = model_facts(config, entry["model"], fig["benchmarks"], entry["settings"])
            row.append(entry)
        groups.append(row)
    benches = [{"name": b, "label": config["benchmarks"][b].get("label", b)} for b in fig.get("benchmarks") or []]
    spec_extra: dict[str, Any] = {}
    filt = fig.get("filter")
    if filt:
        filt = dict(filt)
        model = config["models"][filt["model"]]
        filt["label"] = model.get("label", filt["model"])
        setting = filt.get("setting", "default")
        filt["facts"] = model_facts(config, filt["model"], fig["benchmarks"], {b: setting for b in fig["benchmarks"]})
    if fig["kind"] == "verifier_panel":  # the math checkers whose curves it compares (issue 15)
        checkers = list((config.get("verify") or {}).get("math_checkers") or DEFAULT_CHECKERS)
        spec_extra = {"checkers": checkers, "checker_labels": {c: LABELS.get(c, c) for c in checkers}}
    return {**spec_extra,
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
        "label_by": fig.get("label_by"),
        "fold_y": fig.get("fold_y"),
        "delta_se_arrows": fig.get("delta_se_arrows"),
        "k": fig.get("k"),
        "logs": fig.get("logs"),
        "transpose": bool(fig.get("transpose", False)),
        # the analyses' options (passk.figures.analysis_kinds), only where a figure has them
        **{key: fig[key] for key in ("cover", "noise", "plan", "review") if key in fig},
    }


def checkpoint_label(model: dict[str, Any], label_by: str | None) -> str:
    """A checkpoint's curve label from its tags: ``GRPO-step150`` (by step), ``GRPO`` (by
    algorithm), the run's name (by run), or the model's own label (default)."""
    tags = model["checkpoint"]
    if label_by == "step":
        return f"{tags.get('algorithm', tags.get('run', ''))}-step{tags.get('step')}"
    if label_by == "algorithm":
        return str(tags.get("algorithm", model.get("label", "")))
    if label_by == "run":
        return str(tags.get("run", model.get("label", "")))
    return str(model.get("label") or f"{tags.get('run')}@{tags.get('step')}")
