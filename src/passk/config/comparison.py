"""Which runs each of the paper's stated numbers is compared with (the report's comparison section).

``passk.analysis.paper_comparison`` holds the data file and the arithmetic; this module reads each
entry's ``ours`` locator against the config (figure → model group → curve → benchmark) and says
which runs' tables it needs, as run keys ``(model, benchmark, setting)``; the rule turns them into
the files it hands over. An entry that points at something the config does not run gets
``kind: None`` and a reason (shown as "not run").
"""

from __future__ import annotations

from typing import Any

from passk.analysis.paper_comparison import load_paper_numbers
from passk.config.figures import figure_spec

RunKey = tuple[str, str, str]


def _run(entry: dict[str, Any], bench: str) -> RunKey:
    return (entry["model"], bench, entry["settings"][bench])


def _resolve_one(config: dict[str, Any], ours: dict[str, Any] | None, specs: dict[str, dict[str, Any]]) -> dict[str, Any]:
    if ours is None:
        return {"kind": None, "why": "not reproducible from public checkpoints"}
    figure = ours["figure"]
    if figure not in config["figures"]:
        return {"kind": None, "why": f"figure {figure} is not in the config (or its checkpoints are not filled in)"}
    spec = specs.setdefault(figure, figure_spec(config, figure))
    benches = [b["name"] for b in spec["benchmarks"]]
    if "count" in ours:
        group = spec["groups"][0]
        bench = benches[0]
        return {"kind": "count", "needs": {"problems": [_run(e, bench) for e in group[:2]]}, "index_range": spec.get("index_range")}
    bench = ours.get("benchmark")
    if bench not in benches:
        return {"kind": None, "why": f"figure {figure} does not show {bench}"}
    if "delta_se" in ours:
        group = spec["groups"][0]
        which = ours["delta_se"]
        if len(group) < 2 or (which != "best" and int(which) >= len(group)):
            return {"kind": None, "why": f"figure {figure} has {len(group)} curves"}
        return {"kind": "delta_se", "needs": {"curves": [_run(e, bench) for e in group]}}
    group_i = int(ours.get("group", 0))
    if group_i >= len(spec["groups"]):
        return {"kind": None, "why": f"figure {figure} has {len(spec['groups'])} model group(s), not {group_i + 1}"}
    group = spec["groups"][group_i]
    if "crossover" in ours:
        a, b = (int(i) for i in ours["crossover"])
        if max(a, b) >= len(group):
            return {"kind": None, "why": f"figure {figure} group {group_i} has {len(group)} curves"}
        return {"kind": "crossover", "needs": {"curves": [_run(group[a], bench), _run(group[b], bench)]}}
    curve_i = int(ours["curve"])
    if curve_i >= len(group):
        return {"kind": None, "why": f"figure {figure} group {group_i} has {len(group)} curves"}
    run = _run(group[curve_i], bench)
    if "entropy" in ours:
        setting = run[2]
        if not ((config.get("settings") or {}).get(setting) or {}).get("match_entropy"):
            return {"kind": None, "why": f"curve {curve_i} of {figure} is not sampled at a searched temperature"}
        return {"kind": "entropy", "needs": {"entropy": run}}
    return {"kind": "pass_at_k", "needs": {"curve": run}}


def resolve_paper_numbers(config: dict[str, Any], path: str | None = None) -> list[dict[str, Any]]:
    """Every entry of the data file with ``kind`` and the run keys it ``needs`` (or why it is not run)."""
    specs: dict[str, dict[str, Any]] = {}
    return [{**entry, **_resolve_one(config, entry.get("ours"), specs)} for entry in load_paper_numbers(path)]
