"""A figure's config resolved into the spec its rule hands to ``passk.figures.kinds``."""

from __future__ import annotations

from typing import Any

from passk.config.grid import curve_setting, figure_runs


def figure_spec(config: dict[str, Any], figure: str) -> dict[str, Any]:
    """The figure's config with labels, roles and each curve's setting per benchmark resolved, and
    ``runs``: the figure's runs in the order the rule lists their tables (``figure_runs``)."""
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
            row.append(entry)
        groups.append(row)
    benches = [{"name": b, "label": config["benchmarks"][b].get("label", b)} for b in fig["benchmarks"]]
    return {
        "name": figure,
        "kind": fig["kind"],
        "title": fig.get("title", figure),
        "groups": groups,
        "benchmarks": benches,
        "runs": [[r.model, r.benchmark, r.setting] for r in figure_runs(config, figure)],
        "index_range": fig.get("index_range"),
        "filter": fig.get("filter"),
        "problems": fig.get("problems"),
        "per_problem": fig.get("per_problem", 16),
        # the analyses' options (passk.figures.analysis_kinds), only where a figure has them
        **{key: fig[key] for key in ("cover", "noise", "plan", "review") if key in fig},
    }
