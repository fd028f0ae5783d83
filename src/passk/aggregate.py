"""Turn verdict shards of one (model, benchmark) into a per-problem table and a pass@k curve.

The two CSVs are the hand-off from the expensive stages (sampling, verifying) to every figure
and table, so they are written atomically and byte-deterministically: rows sorted, floats in
fixed ``%.10f`` format, no timestamps. The same verdicts therefore give the same bytes, and the
workflow tests can compare outputs across runs with ``cmp``.

Per-problem CSV columns (one row per problem, sorted by ``index`` then ``problem_id``)::

    problem_id,index,n,c,status_correct,status_wrong,status_no_answer,status_timeout,
    status_pass,status_fail,status_runtime_error,status_memory,status_sandbox_error

``n`` is the number of verdicts, ``c`` the number with ``correct`` true, and ``status_*`` count
each status of :data:`passk.records.VERDICT_STATUSES` (in that order).

Curve CSV columns (one row per k = 1..min n)::

    k,pass_at_k,ci_low,ci_high

``pass_at_k`` is the plain mean over problems (a fraction in [0, 1]). ``ci_low``/``ci_high`` are
a 95 % percentile bootstrap over problems (1000 resamples, seed 0) computed only at powers of
two and at the last k, and ``nan`` elsewhere: the figures mark those k anyway, and a band at
every one of 2048 k values would cost 2048 × 1000 means for no visible gain.
"""

from __future__ import annotations

import csv
import math
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from passk.errors import DataError
from passk.io import csv_text, iter_jsonl, write_text
from passk.metrics import bootstrap_ci_curve, dataset_pass_at_k, default_ks
from passk.records import VERDICT_STATUSES, read_verdicts

__all__ = [
    "CURVE_COLUMNS",
    "PROBLEM_COLUMNS",
    "aggregate",
    "format_float",
    "read_curve_csv",
    "read_problems_csv",
]

STATUS_COLUMNS: tuple[str, ...] = tuple(f"status_{s}" for s in VERDICT_STATUSES)
PROBLEM_COLUMNS: tuple[str, ...] = ("problem_id", "index", "n", "c", *STATUS_COLUMNS)
CURVE_COLUMNS: tuple[str, ...] = ("k", "pass_at_k", "ci_low", "ci_high")

CI_N_BOOT = 1000
CI_SEED = 0
CI_LEVEL = 0.95


def format_float(x: float) -> str:
    """Fixed 10-decimal rendering (``nan`` for NaN), so equal numbers give equal bytes."""
    x = float(x)
    if math.isnan(x):
        return "nan"
    text = f"{x:.10f}"
    return "0.0000000000" if text == "-0.0000000000" else text


def curve_rows(ns: np.ndarray, cs: np.ndarray, *, n_boot: int, seed: int, level: float) -> list[list[Any]]:
    """Rows of a curve table: ``k, pass@k, ci_low, ci_high`` for k = 1..min n, the plain mean over
    problems, with a percentile bootstrap over problems at powers of two and the last k (``nan``
    elsewhere). Problems are taken in the given order, the order the bootstrap resamples."""
    n_min = int(ns.min())
    curve = dataset_pass_at_k(ns, cs, None)
    ci_ks = default_ks(n_min)
    low, high = bootstrap_ci_curve(ns, cs, ci_ks, n_boot, seed, level=level)
    ci_low = np.full(n_min, np.nan)
    ci_high = np.full(n_min, np.nan)
    ci_low[np.asarray(ci_ks) - 1] = low
    ci_high[np.asarray(ci_ks) - 1] = high
    return [
        [k, format_float(curve[k - 1]), format_float(ci_low[k - 1]), format_float(ci_high[k - 1])]
        for k in range(1, n_min + 1)
    ]


def _read_problems(problems_path: str) -> dict[str, int]:
    """``{problem id: 0-based index}`` from the problem JSONL, refusing duplicate ids."""
    index_of: dict[str, int] = {}
    line_of: dict[str, int] = {}
    for lineno, rec in iter_jsonl(problems_path):
        pid = rec.get("id")
        idx = rec.get("index")
        if not isinstance(pid, str) or not pid:
            raise DataError(f"{problems_path}:{lineno}: problem record has no string 'id'")
        if isinstance(idx, bool) or not isinstance(idx, int):
            raise DataError(f"{problems_path}:{lineno}: problem {pid!r} has no integer 'index'")
        if pid in index_of:
            raise DataError(f"{problems_path}:{lineno}: duplicate problem id {pid!r} (first on line {line_of[pid]})")
        index_of[pid] = idx
        line_of[pid] = lineno
    if not index_of:
        raise DataError(f"{problems_path}: no problems")
    return index_of


def _preview(items: Sequence[str], limit: int = 5) -> str:
    shown = ", ".join(repr(x) for x in items[:limit])
    return shown + (f", … ({len(items)} in all)" if len(items) > limit else "")


def aggregate(
    verdict_paths: list[str],
    problems_path: str,
    out_problems_csv: str,
    out_curve_csv: str,
    *,
    n_expected: int | None = None,
    n_boot: int = CI_N_BOOT,
    seed: int = CI_SEED,
    level: float = CI_LEVEL,
) -> None:
    """Count verdicts per problem and write the per-problem table and the pass@k curve.

    Raises DataError, naming the file(s), for: a verdict whose problem id is not in
    ``problems_path``; a problem with no verdicts (a missing shard would otherwise shrink the
    benchmark silently); a duplicate ``(problem_id, sample_index)`` within or across shards (a
    shard listed twice would double n); a null ``correct`` or an unknown ``status``; and, when
    ``n_expected`` is given, any problem whose n differs from it. Without ``n_expected`` the
    problems may have different n and the curve stops at the smallest n (pass@k needs k ≤ n for
    every problem).
    """
    if not verdict_paths:
        raise DataError(f"no verdict files given for {problems_path}")
    index_of = _read_problems(problems_path)
    status_pos = {s: i for i, s in enumerate(VERDICT_STATUSES)}

    n_of = dict.fromkeys(index_of, 0)
    c_of = dict.fromkeys(index_of, 0)
    status_of = {pid: [0] * len(VERDICT_STATUSES) for pid in index_of}
    seen: dict[tuple[str, int], str] = {}

    for path in verdict_paths:
        for row in read_verdicts(path):
            pid = row["problem_id"]
            sidx = row["sample_index"]
            if pid not in index_of:
                raise DataError(f"{path}: verdict for unknown problem id {pid!r} (not in {problems_path})")
            key = (pid, sidx)
            if key in seen:
                where = "twice in this file" if seen[key] == str(path) else f"also in {seen[key]}"
                raise DataError(f"{path}: duplicate verdict for problem {pid!r} sample_index {sidx} ({where})")
            seen[key] = str(path)
            if row["correct"] is None:
                raise DataError(f"{path}: verdict for problem {pid!r} sample_index {sidx} has null 'correct'")
            pos = status_pos.get(row["status"])
            if pos is None:
                raise DataError(
                    f"{path}: verdict for problem {pid!r} sample_index {sidx} has unknown status "
                    f"{row['status']!r} (expected one of {', '.join(VERDICT_STATUSES)})"
                )
            n_of[pid] += 1
            c_of[pid] += bool(row["correct"])
            status_of[pid][pos] += 1

    files = ", ".join(str(p) for p in verdict_paths)
    missing = sorted((pid for pid, n in n_of.items() if n == 0), key=lambda p: (index_of[p], p))
    if missing:
        raise DataError(f"{problems_path}: {len(missing)} problem(s) have no verdicts in [{files}]: {_preview(missing)}")
    if n_expected is not None:
        wrong = sorted((pid for pid, n in n_of.items() if n != n_expected), key=lambda p: (index_of[p], p))
        if wrong:
            detail = ", ".join(f"{pid!r} has n={n_of[pid]}" for pid in wrong[:5])
            raise DataError(
                f"[{files}]: {len(wrong)} problem(s) do not have n_expected={n_expected} verdicts: {detail}"
                + (" …" if len(wrong) > 5 else "")
            )

    order = sorted(index_of, key=lambda p: (index_of[p], p))
    problem_rows = [[pid, index_of[pid], n_of[pid], c_of[pid], *status_of[pid]] for pid in order]

    ns = np.array([n_of[p] for p in order], dtype=np.int64)
    cs = np.array([c_of[p] for p in order], dtype=np.int64)
    rows = curve_rows(ns, cs, n_boot=n_boot, seed=seed, level=level)

    # Write the curve last: a rule that checks the curve exists implies the table does too.
    write_text(out_problems_csv, csv_text(PROBLEM_COLUMNS, problem_rows))
    write_text(out_curve_csv, csv_text(CURVE_COLUMNS, rows))


def read_problems_csv(path: str | os.PathLike[str]) -> list[dict[str, Any]]:
    """Rows of a per-problem CSV written by :func:`aggregate`, with integer columns as ints."""
    p = Path(path)
    if not p.exists():
        raise DataError(f"{p}: file not found")
    with open(p, encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        missing = [c for c in ("problem_id", "index", "n", "c") if c not in (reader.fieldnames or [])]
        if missing:
            raise DataError(f"{p}: not a per-problem table (missing columns {missing})")
        rows = []
        for lineno, row in enumerate(reader, start=2):
            try:
                out: dict[str, Any] = {"problem_id": row["problem_id"]}
                for key, value in row.items():
                    if key != "problem_id":
                        out[key] = int(value)
            except (TypeError, ValueError):
                raise DataError(f"{p}:{lineno}: expected integer counts") from None
            rows.append(out)
    return rows


def read_curve_csv(path: str | os.PathLike[str]) -> dict[str, np.ndarray]:
    """Columns of a curve CSV as arrays (``k`` int; the others float, NaN where blank/nan)."""
    p = Path(path)
    if not p.exists():
        raise DataError(f"{p}: file not found")
    with open(p, encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        fields = reader.fieldnames or []
        if "k" not in fields or "pass_at_k" not in fields:
            raise DataError(f"{p}: not a curve table (needs columns k and pass_at_k, has {fields})")
        cols: dict[str, list[float]] = {f: [] for f in fields}
        for lineno, row in enumerate(reader, start=2):
            try:
                for f in fields:
                    value = row[f]
                    cols[f].append(float("nan") if value in ("", "nan", None) else float(value))
            except ValueError:
                raise DataError(f"{p}:{lineno}: non-numeric value") from None
    if not cols["k"]:
        raise DataError(f"{p}: empty curve")
    out = {f: np.asarray(v, dtype=np.float64) for f, v in cols.items()}
    out["k"] = out["k"].astype(np.int64)
    return out
