"""Guessability filter of AIME24 (paper App. D.2, Fig 12; PAPER.md §2 "Validity checks").

A high pass@k at k = 1024 could come from lucky guesses rather than reasoning: an integer answer in
0..999 is guessable. The paper therefore sampled Qwen2.5-7B *without* chain of thought, dropped the
problems whose direct-answer accuracy was low but non-zero ("e.g. <5%"), kept 18 of 30, and
redrew the base-vs-RL pass@k curves on the rest (Fig 12).

Our reading, made explicit: a problem is *guessable* when its no-CoT accuracy a = c/n satisfies
0 < a < ``max_accuracy`` (strict on both sides, so exactly 5 % is kept). A problem the model
answers directly *often* (a ≥ 5 %) is not called a guess — it is simply easy — and stays, as does a
problem it never answers directly (a = 0). The comparison is exact rational arithmetic on (c, n)
against the decimal value of ``max_accuracy`` (``Fraction(str(0.05)) == 1/20``), so c/n = 1/20 is
never misclassified by float rounding.

Inputs are per-problem CSVs of :mod:`passk.analysis.tables` (``problem_id,index,n,c,...``): one from the
no-CoT run (template ``qwen-boxed-direct``) to decide the filter, and the CoT runs' CSVs whose
curves are recomputed on the remaining problems by :func:`filtered_curve`, in exactly the curve
layout and bootstrap convention of :func:`passk.analysis.aggregate.aggregate`.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from fractions import Fraction
from typing import Any

import numpy as np

from passk.analysis.aggregate import CI_LEVEL, CI_N_BOOT, CI_SEED, curve_rows
from passk.analysis.tables import CURVE_COLUMNS, read_problems_csv, tests_label
from passk.errors import ConfigError, DataError
from passk.io import csv_text, read_json, write_json, write_text

__all__ = ["filtered_curve", "guessable", "read_filter", "write_filter"]


def _threshold(max_accuracy: float) -> Fraction:
    """``max_accuracy`` as the exact decimal the user wrote (0.05 → 1/20, not the binary float)."""
    if isinstance(max_accuracy, bool) or not isinstance(max_accuracy, (int, float, Fraction)):
        raise ConfigError(f"guess filter: max_accuracy must be a number, got {max_accuracy!r}")
    value = Fraction(max_accuracy) if isinstance(max_accuracy, Fraction) else Fraction(str(max_accuracy))
    if not 0 < value <= 1:
        raise ConfigError(f"guess filter: max_accuracy must be in (0, 1], got {max_accuracy!r}")
    return value


def guessable(problems_csv: str, *, max_accuracy: float = 0.05) -> list[str]:
    """Ids of problems whose direct-answer accuracy c/n is > 0 and < ``max_accuracy``.

    ``problems_csv`` is the per-problem CSV of a run sampled with a no-CoT prompt. Ids are
    returned in the CSV's order (benchmark index order). A problem with n = 0 is a DataError
    (aggregate never writes one; a hand-made file might).
    """
    limit = _threshold(max_accuracy)
    rows = read_problems_csv(problems_csv)
    if not rows:
        raise DataError(f"{problems_csv}: no problems")
    out = []
    for row in rows:
        n, c = row["n"], row["c"]
        if n < 1 or not 0 <= c <= n:
            raise DataError(f"{problems_csv}: problem {row['problem_id']!r} has n={n}, c={c}")
        if 0 < Fraction(c, n) < limit:
            out.append(row["problem_id"])
    return out


def write_filter(ids: Sequence[str], out_json: str, meta: dict[str, Any]) -> None:
    """Write the excluded ids and how they were found, atomically, with stable bytes.

    Layout: ``{"excluded": [ids in the given order], "n_excluded": len, "meta": meta}``, sorted keys
    and 2-space indent (``passk.io.write_json``). ``meta`` should say what a reader needs to redo
    the filter: the no-CoT run (model, template, n, sampling), ``max_accuracy``, the source CSV and
    the number of problems (so "30 → 18" can be read off). It must be JSON-serialisable and must
    not hold timestamps, or the bytes would change between identical runs.
    """
    ids = [str(i) for i in ids]
    if len(set(ids)) != len(ids):
        raise DataError(f"guess filter: duplicate ids in {ids}")
    write_json(out_json, {"excluded": ids, "n_excluded": len(ids), "meta": dict(meta)})


def read_filter(path: str | os.PathLike[str]) -> list[str]:
    """The excluded ids of a file written by :func:`write_filter`."""
    data = read_json(path)
    if not isinstance(data, dict) or not isinstance(data.get("excluded"), list):
        raise DataError(f"{path}: not a guess-filter file (no 'excluded' list)")
    return [str(i) for i in data["excluded"]]


def filtered_curve(
    problems_csv: str,
    exclude_ids: Sequence[str],
    out_curve_csv: str,
    *,
    n_boot: int = CI_N_BOOT,
    seed: int = CI_SEED,
    level: float = CI_LEVEL,
) -> None:
    """pass@k curve over the problems of ``problems_csv`` not in ``exclude_ids``.

    Same bytes as :func:`passk.analysis.aggregate.aggregate` would write for a benchmark holding only the
    remaining problems: ``k,pass_at_k,ci_low,ci_high,tests`` for k = 1..min n, the plain mean over
    problems, a percentile bootstrap over problems (``n_boot`` resamples, ``seed``) at powers of
    two and the last k and ``nan`` elsewhere, floats as ``%.10f``; problems stay in the CSV's
    (index) order, which is the order the bootstrap resamples. The arithmetic is
    :mod:`passk.analysis.metrics`' (:func:`passk.analysis.aggregate.curve_rows`, the function aggregate writes its curves with). An id to
    exclude that is not in the CSV is a DataError: a filter from another benchmark would
    otherwise silently exclude nothing.
    """
    rows = read_problems_csv(problems_csv)
    known = {r["problem_id"] for r in rows}
    unknown = sorted(set(map(str, exclude_ids)) - known)
    if unknown:
        raise DataError(f"{problems_csv}: excluded ids not in this table: {unknown[:5]}{' …' if len(unknown) > 5 else ''}")
    drop = set(map(str, exclude_ids))
    kept = [r for r in rows if r["problem_id"] not in drop]
    if not kept:
        raise DataError(f"{problems_csv}: the filter excludes every problem")
    ns = np.array([r["n"] for r in kept], dtype=np.int64)
    cs = np.array([r["c"] for r in kept], dtype=np.int64)
    tests = tests_label(t for r in kept for t in str(r.get("tests") or "").split(";"))
    write_text(out_curve_csv, csv_text(CURVE_COLUMNS, curve_rows(ns, cs, n_boot=n_boot, seed=seed, level=level, tests=tests)))
