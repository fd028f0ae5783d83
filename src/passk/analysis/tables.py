"""The CSV formats of the aggregated tables: one module for every reader and writer of them.

The per-problem and curve CSVs are the hand-off from the expensive stages (sampling, verifying) to
every figure and table, so they are byte-deterministic: rows sorted, floats in fixed ``%.10f``
format (``format_float``), no timestamps. The same verdicts therefore give the same bytes, and the
workflow tests compare outputs across runs with ``cmp``.

Per-problem CSV columns (one row per problem, sorted by ``index`` then ``problem_id``)::

    problem_id,index,n,c,status_correct,status_wrong,status_no_answer,status_timeout,
    status_runtime_error,status_memory,tests

``n`` is the number of verdicts, ``c`` the number with ``correct`` true, and ``status_*`` count
each status of ``passk.records.verdicts.STATUSES`` (in that order). ``tests`` says which tests
decided the verdicts of code benchmarks (``full``, ``public``, ``base+plus``; several joined by
``;``; empty for math): a LiveCodeBench run graded on public tests only says ``public``.

Curve CSV columns (one row per k = 1..min n; ``tests`` as above, for the whole run)::

    k,pass_at_k,ci_low,ci_high,tests
"""

from __future__ import annotations

import csv
import math
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np

from passk.errors import DataError
from passk.records.verdicts import STATUSES

STATUS_COLUMNS: tuple[str, ...] = tuple(f"status_{s}" for s in STATUSES)
PROBLEM_COLUMNS: tuple[str, ...] = ("problem_id", "index", "n", "c", *STATUS_COLUMNS, "tests")
CURVE_COLUMNS: tuple[str, ...] = ("k", "pass_at_k", "ci_low", "ci_high", "tests")
TEXT_COLUMNS: tuple[str, ...] = ("problem_id", "tests")  # the columns that are not numbers


def tests_label(values: Iterable[str | None]) -> str:
    """The ``tests`` cell for a set of verdicts' ``tests`` values: the distinct ones joined by ``;``."""
    return ";".join(sorted({str(v) for v in values if v}))


def format_float(x: float) -> str:
    """Fixed 10-decimal rendering (``nan`` for NaN), so equal numbers give equal bytes."""
    x = float(x)
    if math.isnan(x):
        return "nan"
    text = f"{x:.10f}"
    return "0.0000000000" if text == "-0.0000000000" else text


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
                out: dict[str, Any] = {"problem_id": row["problem_id"], "tests": row.get("tests") or ""}
                for key, value in row.items():
                    if key not in TEXT_COLUMNS:
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
        numeric = [f for f in fields if f not in TEXT_COLUMNS]
        cols: dict[str, list[float]] = {f: [] for f in numeric}
        for lineno, row in enumerate(reader, start=2):
            try:
                for f in numeric:
                    value = row[f]
                    cols[f].append(float("nan") if value in ("", "nan", None) else float(value))
            except ValueError:
                raise DataError(f"{p}:{lineno}: non-numeric value") from None
    if not cols["k"]:
        raise DataError(f"{p}: empty curve")
    out = {f: np.asarray(v, dtype=np.float64) for f, v in cols.items()}
    out["k"] = out["k"].astype(np.int64)
    return out


def read_curve_tests(path: str | os.PathLike[str]) -> str:
    """The ``tests`` cell of a curve CSV ("" when the file predates the column, or for math)."""
    with open(path, encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            return str(row.get("tests") or "")
    return ""
# ---------------------------------------------------------------------------------------------
# Per-run tables of the analyses beyond the paper (issue 15), one row per problem in index order:
#
# answers.csv (``passk.analysis.diversity``): what a run answered, problem by problem::
#
#     problem_id,index,n,c,no_answer,distinct_answers,distinct_correct,answer_classes,entropy_bits,
#     top_answer,top_share
#
# base_tests.csv (``passk.analysis.test_strength``, code runs): how many samples passed the
# benchmark's base tests (``c_base``; HumanEval's own tests beside HumanEval+'s) and how many
# verdicts do not say (``base_unknown``: killed before any test reported)::
#
#     problem_id,index,n,c,c_base,base_unknown

ANSWER_COLUMNS: tuple[str, ...] = ("problem_id", "index", "n", "c", "no_answer", "distinct_answers", "distinct_correct",
                                   "answer_classes", "entropy_bits", "top_answer", "top_share")
BASE_TESTS_COLUMNS: tuple[str, ...] = ("problem_id", "index", "n", "c", "c_base", "base_unknown")


def read_typed_csv(path: str | os.PathLike[str], types: dict[str, type]) -> list[dict[str, Any]]:
    """Rows of a CSV with the given columns converted (``int``, ``float``, ``str``); a missing
    column or a value that does not convert is a DataError naming ``file:line``."""
    p = Path(path)
    if not p.exists():
        raise DataError(f"{p}: file not found")
    with open(p, encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        missing = [c for c in types if c not in (reader.fieldnames or [])]
        if missing:
            raise DataError(f"{p}: missing columns {missing} (has {reader.fieldnames})")
        rows = []
        for lineno, row in enumerate(reader, start=2):
            try:
                rows.append({key: kind(row[key]) for key, kind in types.items()})
            except (TypeError, ValueError):
                raise DataError(f"{p}:{lineno}: a value does not convert to {types}") from None
    return rows
