"""Tables 2 and 3: pass@1 and pass@k_max per checkpoint and benchmark, with a ΔSE row.

The paper prints, for the base model and each RL checkpoint (Table 2: one per algorithm; Table 3:
one per GRPO step), "pass@1 / pass@256" in percent with one decimal on Omni-MATH-Train,
Omni-MATH-Test and MATH500. We add a last row, ΔSE = pass@k_max(base) − the best pass@1 among the
other rows (the quantity Fig 8's arrows show), naming the checkpoint it comes from. The CSV twin
holds the unrounded fractions and every row's own ΔSE.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from passk.analysis.metrics import dataset_pass_at_k
from passk.analysis.tables import read_problems_csv
from passk.errors import DataError
from passk.io import csv_text, write_text

TABLE_COLUMNS = ("model", "role", "benchmark", "k", "pass_at_1", "pass_at_k", "delta_se")


def percent(x: float) -> str:
    """A fraction as the paper prints it: percent, one decimal (26.1)."""
    return f"{100.0 * float(x):.1f}"


def endpoints(problems_csv: str, k: int | None = None) -> tuple[float, float, int]:
    """``(pass@1, pass@k, k)`` of one run; ``k`` defaults to its smallest n."""
    rows = read_problems_csv(problems_csv)
    ns = [r["n"] for r in rows]
    cs = [r["c"] for r in rows]
    k = int(min(ns)) if k is None else int(k)
    if k > min(ns):
        raise DataError(f"{problems_csv}: pass@{k} needs n >= {k} samples per problem, has {min(ns)}")
    values = dataset_pass_at_k(ns, cs, [1, k])
    return float(values[0]), float(values[1]), k


def table_cells(entries: Sequence[dict[str, Any]], benchmarks: Sequence[dict[str, str]], k: int | None = None) -> dict[str, Any]:
    """Every (entry, benchmark) cell: ``entries`` are ``{label, role, problems: {bench: csv}}``, the
    first the base model. ``k`` defaults to the smallest n over all runs (the paper: 256)."""
    if len(entries) < 2:
        raise DataError("a checkpoint table needs the base model and at least one checkpoint")
    if k is None:
        k = min(endpoints(e["problems"][b["name"]])[2] for e in entries for b in benchmarks)
    cells = {(e["label"], b["name"]): endpoints(e["problems"][b["name"]], k)[:2] for e in entries for b in benchmarks}
    base = entries[0]["label"]
    best = {}
    for b in benchmarks:
        others = [(cells[(e["label"], b["name"])][0], e["label"]) for e in entries[1:]]
        top, who = max(others, key=lambda t: t[0])
        best[b["name"]] = (cells[(base, b["name"])][1] - top, who)
    return {"k": k, "cells": cells, "best_delta_se": best}


def write_checkpoint_table(entries: Sequence[dict[str, Any]], benchmarks: Sequence[dict[str, str]], out_md: str, out_csv: str,
                           *, title: str | None = None, k: int | None = None) -> dict[str, Any]:
    """Write the Markdown table (as the paper's) and its CSV; return the cells."""
    table = table_cells(entries, benchmarks, k)
    k, cells, best = table["k"], table["cells"], table["best_delta_se"]
    base = entries[0]["label"]
    lines = [f"# {title}", ""] if title else []
    lines += [f"pass@1 / pass@{k} (%)", ""]
    lines.append("| Model | " + " | ".join(b["label"] for b in benchmarks) + " |")
    lines.append("|---|" + "---|" * len(benchmarks))
    for e in entries:
        row = [f"{percent(cells[(e['label'], b['name'])][0])} / {percent(cells[(e['label'], b['name'])][1])}" for b in benchmarks]
        lines.append(f"| {e['label']} | " + " | ".join(row) + " |")
    lines.append(f"| ΔSE = pass@{k}({base}) − best pass@1 | " + " | ".join(f"{percent(best[b['name']][0])} ({best[b['name']][1]})" for b in benchmarks) + " |")
    rows = []
    for e in entries:
        for b in benchmarks:
            p1, pk = cells[(e["label"], b["name"])]
            delta = "" if e is entries[0] else f"{cells[(base, b['name'])][1] - p1:.10f}"
            rows.append([e["label"], e.get("role", ""), b["name"], k, f"{p1:.10f}", f"{pk:.10f}", delta])
    write_text(out_md, "\n".join(lines) + "\n")
    write_text(out_csv, csv_text(TABLE_COLUMNS, rows))
    return table
