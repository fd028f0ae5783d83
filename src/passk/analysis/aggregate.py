"""Turn verdict shards of one (model, benchmark) into a per-problem table and a pass@k curve.

The formats of both CSVs are ``passk.analysis.tables``. Counting is ``VerdictCounts``, shared
with ``passk pass-at-k``.

``pass_at_k`` is the plain mean over problems (a fraction in [0, 1]). ``ci_low``/``ci_high`` are
a 95 % percentile bootstrap over problems (1000 resamples, seed 0) computed only at powers of
two and at the last k, and ``nan`` elsewhere: the figures mark those k anyway, and a band at
every one of 2048 k values would cost 2048 × 1000 means for no visible gain.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from passk.analysis.metrics import bootstrap_ci_curve, dataset_pass_at_k, default_ks
from passk.analysis.tables import CURVE_COLUMNS, PROBLEM_COLUMNS, format_float, tests_label
from passk.errors import DataError
from passk.io import csv_text, write_text
from passk.records.problems import load_problems
from passk.records.verdicts import STATUSES, read_verdicts

CI_N_BOOT = 1000
CI_SEED = 0
CI_LEVEL = 0.95


def curve_rows(ns: np.ndarray, cs: np.ndarray, *, n_boot: int, seed: int, level: float, tests: str = "") -> list[list[Any]]:
    """Rows of a curve table: ``k, pass@k, ci_low, ci_high, tests`` for k = 1..min n, the plain mean
    over problems, with a percentile bootstrap over problems at powers of two and the last k
    (``nan`` elsewhere). Problems are taken in the given order, the order the bootstrap resamples."""
    n_min = int(ns.min())
    curve = dataset_pass_at_k(ns, cs, None)
    ci_ks = default_ks(n_min)
    low, high = bootstrap_ci_curve(ns, cs, ci_ks, n_boot, seed, level=level)
    ci_low = np.full(n_min, np.nan)
    ci_high = np.full(n_min, np.nan)
    ci_low[np.asarray(ci_ks) - 1] = low
    ci_high[np.asarray(ci_ks) - 1] = high
    return [
        [k, format_float(curve[k - 1]), format_float(ci_low[k - 1]), format_float(ci_high[k - 1]), tests]
        for k in range(1, n_min + 1)
    ]


def _preview(items: Sequence[str], limit: int = 5) -> str:
    shown = ", ".join(repr(x) for x in items[:limit])
    return shown + (f", … ({len(items)} in all)" if len(items) > limit else "")


class VerdictCounts:
    """Per-problem sample counts ``n``, correct counts ``c`` and status counts, pooled over files.

    The one counter of verdicts: the workflow's aggregation (strict: one verdict per
    ``(problem, sample)``, known problems only) and ``passk pass-at-k`` (any verdict file) both add
    to it, so the two cannot count differently.
    """

    def __init__(self) -> None:
        self.n: dict[str, int] = {}
        self.c: dict[str, int] = {}
        self.status: dict[str, list[int]] = {}

    def add(self, problem_id: str, correct: int, *, n: int = 1, status: str | None = None) -> None:
        """Count ``n`` samples of a problem, ``correct`` of them correct, with their ``status`` if known."""
        self.n[problem_id] = self.n.get(problem_id, 0) + n
        self.c[problem_id] = self.c.get(problem_id, 0) + correct
        counts = self.status.setdefault(problem_id, [0] * len(STATUSES))
        if status is not None:
            counts[STATUSES.index(status)] += n

    def arrays(self, order: Iterable[str]) -> tuple[np.ndarray, np.ndarray]:
        """``(ns, cs)`` in the given problem order (a problem never counted has n = 0)."""
        order = list(order)
        return (np.array([self.n.get(p, 0) for p in order], dtype=np.int64),
                np.array([self.c.get(p, 0) for p in order], dtype=np.int64))


@dataclass(frozen=True)
class RunVerdicts:
    """The verdicts of one run, counted: problems in benchmark order, their 0-based indices, counts."""

    order: list[str]
    index_of: dict[str, int]
    counts: VerdictCounts
    tests: dict[str, set[str]]  # problem id -> which tests decided its verdicts (``full``, ``public``, ``base+plus``)

    def arrays(self) -> tuple[np.ndarray, np.ndarray]:
        """``(ns, cs)`` in benchmark order."""
        return self.counts.arrays(self.order)


def scan_run(
    verdict_paths: Sequence[str],
    problems_path: str,
    *,
    n_expected: int | None = None,
    visit: Callable[[dict[str, Any]], None] | None = None,
) -> RunVerdicts:
    """Read and count the verdict shards of one run, strictly; ``visit(row)`` sees every verdict.

    Raises DataError, naming the file(s), for: a verdict whose problem id is not in
    ``problems_path``; a problem with no verdicts (a missing shard would otherwise shrink the
    benchmark silently); a duplicate ``(problem_id, sample_index)`` within or across shards (a
    shard listed twice would double n); a null ``correct`` or an unknown ``status``; and, when
    ``n_expected`` is given, any problem whose n differs from it. Every table made from a run's
    verdicts (the pass@k curve, the answer and base-test tables) reads them through here, so they
    cannot disagree about what a run holds.
    """
    if not verdict_paths:
        raise DataError(f"no verdict files given for {problems_path}")
    index_of = {pid: rec["index"] for pid, rec in load_problems(problems_path).items()}
    counts = VerdictCounts()
    seen: dict[tuple[str, int], str] = {}
    tests: dict[str, set[str]] = {}

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
            counts.add(pid, int(bool(row["correct"])), status=row["status"])
            if row.get("tests"):
                tests.setdefault(pid, set()).add(str(row["tests"]))
            if visit is not None:
                visit({**row, "path": str(path)})

    files = ", ".join(str(p) for p in verdict_paths)
    n_of = {pid: counts.n.get(pid, 0) for pid in index_of}
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
    return RunVerdicts(order=order, index_of=index_of, counts=counts, tests=tests)


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
    """Count verdicts per problem (strictly: ``scan_run``) and write the per-problem table and the
    pass@k curve (both say which tests decided the verdicts: ``tests``, e.g. ``public`` for
    LiveCodeBench without its private tests). Without ``n_expected`` the problems may have different n and the curve stops at
    the smallest n (pass@k needs k ≤ n for every problem)."""
    run = scan_run(verdict_paths, problems_path, n_expected=n_expected)
    counts, index_of = run.counts, run.index_of
    problem_rows = [[pid, index_of[pid], counts.n[pid], counts.c[pid], *counts.status[pid], tests_label(run.tests.get(pid, ()))]
                    for pid in run.order]
    ns, cs = run.arrays()
    run_tests = tests_label(t for values in run.tests.values() for t in values)
    rows = curve_rows(ns, cs, n_boot=n_boot, seed=seed, level=level, tests=run_tests)

    # Write the curve last: a rule that checks the curve exists implies the table does too.
    write_text(out_problems_csv, csv_text(PROBLEM_COLUMNS, problem_rows))
    write_text(out_curve_csv, csv_text(CURVE_COLUMNS, rows))
