"""How strong are a code benchmark's tests? pass@k on the base tests alone against base + plus.

EvalPlus (HumanEval+, MBPP+) adds "plus" inputs to each problem's original "base" tests, and a
program that passes the base tests but fails a plus input is a false positive of the original
benchmark. Every code verdict records ``base_passed`` (``passk.records.verdicts``), so one run
gives two curves: pass@k counting the programs that pass the base tests (HumanEval, MBPP), and
pass@k counting those that pass all (HumanEval+, MBPP+; the run's ordinary curve). Their gap is
what the weaker tests let through (Stroebl et al., arXiv 2411.17501: a verifier's false positives
cap what resampling can reach).

A verdict killed before any test reported (a wall-clock, memory or crash kill) does not say whether
its base tests passed (``base_passed`` null): it is counted as *not* passing them, so the base
curve is a lower bound, and ``base_unknown`` says how many such verdicts there are. A run whose
verdicts never say (verified by code older than the column) is refused.

False-positive rates of a run, over all its samples:

- ``false_positive_rate``: (passes base, fails plus) / samples passing base — the share of what the
  original tests accept that the stronger tests reject;
- ``false_positive_share``: the same count over all samples.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from passk.analysis.aggregate import scan_run
from passk.analysis.tables import BASE_TESTS_COLUMNS, read_typed_csv
from passk.errors import DataError
from passk.io import csv_text, write_text


def base_tests_table(verdict_paths: Sequence[str], problems_path: str, out_csv: str, *, n_expected: int | None = None) -> None:
    """Write a code run's per-problem base-test counts (``passk.analysis.tables.BASE_TESTS_COLUMNS``)."""
    base: dict[str, int] = {}
    unknown: dict[str, int] = {}
    known = 0

    def visit(row: dict[str, Any]) -> None:
        nonlocal known
        pid, passed = row["problem_id"], row.get("base_passed")
        if row["correct"] and passed is False:
            raise DataError(f"{row['path']}: problem {pid!r} sample_index {row['sample_index']} is correct but "
                            "its base tests did not pass (base_passed false): the verdict contradicts itself")
        if passed is None and not row["correct"]:
            unknown[pid] = unknown.get(pid, 0) + 1
        else:
            known += 1
            if passed or row["correct"]:
                base[pid] = base.get(pid, 0) + 1

    run = scan_run(verdict_paths, problems_path, n_expected=n_expected, visit=visit)
    if known == 0:
        raise DataError(f"[{', '.join(verdict_paths)}]: no verdict says whether its base tests passed (base_passed is "
                        "null throughout: verified by older code, or not a code benchmark); verify these samples again")
    rows = [[pid, run.index_of[pid], run.counts.n[pid], run.counts.c[pid], base.get(pid, 0), unknown.get(pid, 0)] for pid in run.order]
    write_text(out_csv, csv_text(BASE_TESTS_COLUMNS, rows))


@dataclass(frozen=True)
class BaseTestCounts:
    """A run's per-problem counts under both test sets, in benchmark order."""

    problem_ids: list[str]
    n: np.ndarray
    c_plus: np.ndarray
    c_base: np.ndarray
    base_unknown: np.ndarray

    @property
    def false_positives(self) -> int:
        """Samples that pass the base tests and fail the plus tests."""
        return int((self.c_base - self.c_plus).sum())

    @property
    def false_positive_rate(self) -> float:
        """False positives over the samples that pass the base tests (nan when none do)."""
        passed = int(self.c_base.sum())
        return self.false_positives / passed if passed else float("nan")

    @property
    def false_positive_share(self) -> float:
        """False positives over all samples."""
        return self.false_positives / int(self.n.sum())


def read_base_tests(path: str) -> BaseTestCounts:
    """A base-tests table, checked: c ≤ c_base ≤ n for every problem."""
    rows = read_typed_csv(path, {"problem_id": str, "index": int, "n": int, "c": int, "c_base": int, "base_unknown": int})
    if not rows:
        raise DataError(f"{path}: no problems")
    for row in rows:
        if not 0 <= row["c"] <= row["c_base"] <= row["n"] or row["base_unknown"] < 0:
            raise DataError(f"{path}: problem {row['problem_id']!r} has n={row['n']}, c={row['c']}, c_base={row['c_base']} "
                            "(need c <= c_base <= n)")
    return BaseTestCounts(
        problem_ids=[r["problem_id"] for r in rows],
        n=np.array([r["n"] for r in rows], dtype=np.int64),
        c_plus=np.array([r["c"] for r in rows], dtype=np.int64),
        c_base=np.array([r["c_base"] for r in rows], dtype=np.int64),
        base_unknown=np.array([r["base_unknown"] for r in rows], dtype=np.int64),
    )
