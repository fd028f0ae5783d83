"""The report's comparison with the paper: one row per number PAPER.md §5 states.

The paper's numbers live in a data file beside this module, ``paper_numbers.yaml`` (data, not
code: each entry says what the claim is, the paper's value, its unit, where it is stated, and
where our value comes from). ``passk.config.comparison`` resolves each entry's ``ours`` against the
config (which runs it needs); the rule hands the files over, and :func:`our_value` computes our
number from them. An entry whose figure, curve or benchmark is not in the config, or whose value
cannot be computed from what was run, is "not run".

Differences: pass@k and ΔSE (unit ``fraction``) in percentage points (ours − paper, × 100);
counts, k, temperatures and entropies in their own unit.
"""

from __future__ import annotations

import html
import json
from pathlib import Path
from typing import Any

import yaml

from passk.analysis.metrics import crossover_k
from passk.analysis.tables import read_curve_csv, read_problems_csv
from passk.errors import DataError
from passk.io import csv_text, write_text

PAPER_NUMBERS = "paper_numbers.yaml"
UNITS = ("fraction", "count", "k", "temperature", "nats")
COMPARISON_COLUMNS = ("id", "what", "unit", "paper", "ours", "difference", "note", "source")


def load_paper_numbers(path: str | None = None) -> list[dict[str, Any]]:
    """The entries of the data file (default: the one beside this module), checked."""
    p = Path(path) if path else Path(__file__).with_name(PAPER_NUMBERS)
    entries = yaml.safe_load(p.read_text(encoding="utf-8"))
    seen = set()
    for i, e in enumerate(entries):
        missing = [k for k in ("id", "what", "paper", "unit", "source", "ours") if k not in e]
        if missing:
            raise DataError(f"{p}: entry {i} lacks {missing}")
        if e["unit"] not in UNITS:
            raise DataError(f"{p}: entry {e['id']}: unit {e['unit']!r} is not one of {UNITS}")
        if e["id"] in seen:
            raise DataError(f"{p}: duplicate id {e['id']!r}")
        seen.add(e["id"])
    return entries


def _curve(path: str) -> Any:
    return read_curve_csv(path)["pass_at_k"]


def _at(curve: Any, k: Any) -> tuple[float, int, str]:
    """pass@k of a curve; ``k`` larger than the curve (a smaller n than the paper's) reads its last k."""
    last = len(curve)
    if k == "max":
        return float(curve[-1]), last, ""
    k = int(k)
    if k > last:
        return float(curve[-1]), last, f"at k={last} (n={last} < {k})"
    return float(curve[k - 1]), k, ""


def our_value(kind: str, ours: dict[str, Any], files: dict[str, Any]) -> tuple[float | None, str]:
    """Our value of one resolved entry and a note (e.g. a smaller k than the paper's)."""
    if kind == "pass_at_k":
        value, _, note = _at(_curve(files["curve"]), ours["k"])
        return value, note
    if kind == "delta_se":
        curves = [_curve(p) for p in files["curves"]]
        top, k_used, note = _at(curves[0], ours.get("k", "max"))
        if ours["delta_se"] == "best":
            best, who = max((float(c[0]), i) for i, c in enumerate(curves) if i > 0)
            return top - best, (note + "; " if note else "") + f"best pass@1: curve {who}"
        return top - float(curves[int(ours["delta_se"])][0]), note
    if kind == "crossover":
        a, b = (_curve(p) for p in files["curves"])
        k = crossover_k(a, b, strict=True)
        return (None, f"no crossover within k <= {min(len(a), len(b))}") if k is None else (float(k), "")
    if kind == "count":
        base, rl = (read_problems_csv(p) for p in files["problems"])
        low, high = files.get("index_range") or (None, None)

        def solved(rows: list[dict[str, Any]]) -> set[int]:
            return {r["index"] for r in rows if r["c"] >= 1 and (low is None or low <= r["index"] <= high)}

        b, r = solved(base), solved(rl)
        return float(len({"base": b, "rl": r, "base_only": b - r, "rl_only": r - b}[ours["count"]])), ""
    if kind == "entropy":
        data = json.loads(Path(files["entropy"]).read_text(encoding="utf-8"))
        which = ours["entropy"]
        if which == "reference":
            return float(data["reference"]["entropy"]), f"over {data['reference']['tokens']} tokens"
        if which == "target":
            return float(data["target"]["entropy_at_reference_temperature"]), ""
        if which == "temperature":
            return float(data["temperature"]), "" if data.get("converged") else f"not converged: {data.get('note', '')}"
        at = float(which["at"])
        hits = [s for s in data["steps"] if abs(float(s["temperature"]) - at) < 1e-9]
        return (float(hits[0]["entropy"]), "") if hits else (None, f"the search measured no T = {at}")
    raise DataError(f"comparison: unknown kind {kind!r}")


def _fmt(value: float | None, unit: str) -> str:
    if value is None:
        return ""
    if unit == "fraction":
        return f"{100.0 * value:.1f}"
    if unit in ("count", "k"):
        return f"{value:.0f}"
    return f"{value:.3f}"


def comparison_rows(resolved: list[dict[str, Any]]) -> list[list[str]]:
    """One row per entry: id, claim, unit, paper, ours, difference, note, source (fractions in %)."""
    rows = []
    for e in resolved:
        paper = float(e["paper"])
        if e.get("kind") is None:
            ours, diff, note = "not run", "", e.get("why", "")
        else:
            value, note = our_value(e["kind"], e["ours"], e["files"])
            if value is None:
                ours, diff = "not run", ""
            else:
                ours = _fmt(value, e["unit"])
                delta = value - paper
                diff = f"{100.0 * delta:+.1f} pts" if e["unit"] == "fraction" else (f"{delta:+.0f}" if e["unit"] in ("count", "k") else f"{delta:+.3f}")
        rows.append([e["id"], e["what"], "%" if e["unit"] == "fraction" else e["unit"], _fmt(paper, e["unit"]), ours, diff, note, e["source"]])
    return rows


def write_comparison(resolved: list[dict[str, Any]], out_html: str, out_csv: str) -> None:
    """The comparison as a self-contained HTML table (the report's section) and as CSV."""
    rows = comparison_rows(resolved)
    run = sum(1 for r in rows if r[4] != "not run")
    cells = "\n".join(
        "<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in r) + "</tr>" for r in rows
    )
    page = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Comparison with the paper</title>
<style>body{{font-family:sans-serif;font-size:13px}} table{{border-collapse:collapse}} td,th{{border:1px solid #ccc;padding:2px 6px}}
th{{background:#eee}} td:nth-child(4),td:nth-child(5),td:nth-child(6){{text-align:right;white-space:nowrap}}</style></head>
<body><h1>Comparison with the paper (Yue et al. 2025)</h1>
<p>{len(rows)} numbers the paper states (PAPER.md §5); {run} compared with a run of ours, {len(rows) - run} not run.
pass@k and ΔSE in percent; differences in percentage points (ours − paper). Values "read off the figure" are approximate.</p>
<table id="comparison"><thead><tr><th>id</th><th>claim</th><th>unit</th><th>paper</th><th>ours</th><th>difference</th><th>note</th><th>source</th></tr></thead>
<tbody>
{cells}
</tbody></table></body></html>
"""
    write_text(out_html, page)
    write_text(out_csv, csv_text(COMPARISON_COLUMNS, rows))
