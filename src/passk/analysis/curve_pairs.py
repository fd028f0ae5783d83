"""ΔSE and the crossover k for every pair of curves in a figure (paper §4.3, Fig 8, Fig 10).

For each panel (one benchmark of one model group) and each pair of its curves, in the figure's
order (A the earlier curve, usually the base model; B the later one):

- pass@1 and pass@k_max of both, k_max = the largest k both curves have (min n);
- ΔSE = pass@k_max(A) − pass@1(B), in points: how far B's single-sample accuracy is from A's
  coverage (the paper's definition with A = base, B = RL, k_max = 256);
- the crossover k: the smallest k at which A overtakes B (strictly), given that B led at k = 1,
  with a percentile bootstrap interval over problems (``metrics.bootstrap_crossover_k``). Blank
  when B does not lead at k = 1 or A never overtakes it within the samples drawn.

The counts are read from the runs' per-problem tables (``analysis.tables``), never from the
curves, because the interval resamples problems.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from passk.analysis.metrics import bootstrap_crossover_k, dataset_pass_at_k
from passk.analysis.tables import read_problems_csv
from passk.errors import DataError
from passk.io import csv_text, write_text

PAIR_COLUMNS = (
    "panel", "a", "b", "k_max", "a_pass_at_1", "b_pass_at_1", "a_pass_at_kmax", "b_pass_at_kmax",
    "delta_se", "crossover_k", "crossover_low", "crossover_high", "crossover_found_fraction",
)
N_BOOT = 1000
SEED = 0
LEVEL = 0.95


@dataclass(frozen=True)
class PairStats:
    """The comparison of two curves of one panel (fractions in [0, 1]; ΔSE in the same unit)."""

    panel: str
    a: str
    b: str
    k_max: int
    a_pass_at_1: float
    b_pass_at_1: float
    a_pass_at_kmax: float
    b_pass_at_kmax: float
    delta_se: float
    crossover: dict[str, Any]


def counts(problems_csv: str) -> tuple[list[str], np.ndarray, np.ndarray]:
    """``(problem ids, ns, cs)`` of a per-problem table, in its row order."""
    rows = read_problems_csv(problems_csv)
    return ([r["problem_id"] for r in rows], np.array([r["n"] for r in rows], dtype=np.int64),
            np.array([r["c"] for r in rows], dtype=np.int64))


def pair_stats(panel: str, a: tuple[str, str], b: tuple[str, str], *, n_boot: int = N_BOOT, seed: int = SEED, level: float = LEVEL) -> PairStats:
    """Compare curve ``a`` = (label, per-problem CSV) with ``b`` on one panel."""
    ids_a, ns_a, cs_a = counts(a[1])
    ids_b, ns_b, cs_b = counts(b[1])
    if ids_a != ids_b:
        raise DataError(f"{a[1]} and {b[1]}: the two runs cover different problems; they cannot be compared pairwise")
    k_max = int(min(ns_a.min(), ns_b.min()))
    curve_a = dataset_pass_at_k(ns_a, cs_a, [1, k_max])
    curve_b = dataset_pass_at_k(ns_b, cs_b, [1, k_max])
    cross = bootstrap_crossover_k(ns_a, cs_a, ns_b, cs_b, n_boot, seed, level=level)
    return PairStats(
        panel=panel, a=a[0], b=b[0], k_max=k_max,
        a_pass_at_1=float(curve_a[0]), b_pass_at_1=float(curve_b[0]),
        a_pass_at_kmax=float(curve_a[1]), b_pass_at_kmax=float(curve_b[1]),
        delta_se=float(curve_a[1] - curve_b[0]), crossover=cross,
    )


def panel_pairs(panel: str, curves: Sequence[tuple[str, str]], **kwargs: Any) -> list[PairStats]:
    """Every pair (i < j) of a panel's curves, A = the earlier one."""
    return [pair_stats(panel, curves[i], curves[j], **kwargs) for i in range(len(curves)) for j in range(i + 1, len(curves))]


def _pct(x: float) -> str:
    return f"{100.0 * x:.1f}"


def _interval(c: dict[str, Any]) -> str:
    high = f">{c['k_max']}" if c["high"] > c["k_max"] else str(c["high"])
    low = f">{c['k_max']}" if c["low"] > c["k_max"] else str(c["low"])
    return f"[{low}, {high}]"


def write_pairs_table(pairs: Sequence[PairStats], out_csv: str, out_md: str, *, title: str | None = None) -> None:
    """The pairs as CSV (fractions, 10 decimals) and as Markdown (percent, one decimal)."""
    rows = []
    for p in pairs:
        c = p.crossover
        rows.append([
            p.panel, p.a, p.b, p.k_max, f"{p.a_pass_at_1:.10f}", f"{p.b_pass_at_1:.10f}", f"{p.a_pass_at_kmax:.10f}",
            f"{p.b_pass_at_kmax:.10f}", f"{p.delta_se:.10f}", "" if c["k"] is None else c["k"], c["low"], c["high"],
            f"{c['found_fraction']:.4f}",
        ])
    lines = [f"# {title}", ""] if title else []
    lines += [
        "ΔSE = pass@k_max(A) − pass@1(B), in points. Crossover k: the first k at which A overtakes B "
        f"(B leading at k = 1), with a {int(LEVEL * 100)}% bootstrap interval over problems ({N_BOOT} resamples); "
        "'>k_max' means some resamples have no crossover within the samples drawn.",
        "",
        "| panel | A | B | k_max | pass@1 A / B | pass@k_max A / B | ΔSE | crossover k [interval] |",
        "|---|---|---|---:|---:|---:|---:|---|",
    ]
    for p in pairs:
        c = p.crossover
        cross = "none" if c["k"] is None else str(c["k"])
        lines.append(
            f"| {p.panel} | {p.a} | {p.b} | {p.k_max} | {_pct(p.a_pass_at_1)} / {_pct(p.b_pass_at_1)} | "
            f"{_pct(p.a_pass_at_kmax)} / {_pct(p.b_pass_at_kmax)} | {_pct(p.delta_se)} | {cross} {_interval(c)} |"
        )
    write_text(out_csv, csv_text(PAIR_COLUMNS, rows))
    write_text(out_md, "\n".join(lines) + "\n")
