"""Code test strength on hand-made verdict tables: base-only vs base + plus counts, false positives."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from passk.analysis.metrics import dataset_pass_at_k
from passk.analysis.test_strength import base_tests_table, read_base_tests
from passk.errors import DataError
from passk.io import write_jsonl
from passk.records.verdicts import verdict_row, write_verdicts

# (status, base_passed) per sample of two problems, n = 4:
#   P0: a correct program, one that passes base and fails plus (a false positive), one that fails
#       base, one killed at the wall clock (base unknown);
#   P1: two false positives, two correct.
SAMPLES = {
    "p/0": [("correct", True), ("wrong", True), ("wrong", False), ("timeout", None)],
    "p/1": [("wrong", True), ("correct", True), ("runtime_error", True), ("correct", True)],
}


def _fixture(tmp: Path, samples: dict = SAMPLES) -> tuple[str, list[str]]:
    problems = tmp / "problems.jsonl"
    write_jsonl(problems, [{"id": pid, "index": i, "question": "q", "tests": {}} for i, pid in enumerate(samples)])
    rows = [verdict_row({"problem_id": pid, "sample_index": s}, status, extracted="def f(): pass", detail="", base_passed=base, tests="base+plus")
            for pid, outcomes in samples.items() for s, (status, base) in enumerate(outcomes)]
    path = tmp / "v.parquet"
    write_verdicts(path, rows)
    return str(problems), [str(path)]


def test_base_tests_table_counts(tmp_path: Path) -> None:
    problems, shards = _fixture(tmp_path)
    out = tmp_path / "base_tests.csv"
    base_tests_table(shards, problems, str(out), n_expected=4)
    counts = read_base_tests(str(out))
    assert counts.problem_ids == ["p/0", "p/1"]
    assert counts.c_plus.tolist() == [1, 2]
    assert counts.c_base.tolist() == [2, 4]
    assert counts.base_unknown.tolist() == [1, 0]
    assert counts.false_positives == 3
    assert counts.false_positive_rate == pytest.approx(3 / 6)  # of the 6 samples passing base, 3 fail plus
    assert counts.false_positive_share == pytest.approx(3 / 8)
    # pass@k on base tests is above pass@k on base + plus at every k
    base = dataset_pass_at_k(counts.n, counts.c_base)
    plus = dataset_pass_at_k(counts.n, counts.c_plus)
    assert np.all(base >= plus) and base[0] == pytest.approx((2 / 4 + 4 / 4) / 2) and plus[0] == pytest.approx((1 / 4 + 2 / 4) / 2)


def test_a_correct_verdict_whose_base_tests_failed_is_refused(tmp_path: Path) -> None:
    problems, shards = _fixture(tmp_path, {"p/0": [("correct", False)]})
    with pytest.raises(DataError, match="contradicts itself"):
        base_tests_table(shards, problems, str(tmp_path / "out.csv"))


def test_verdicts_without_base_passed_are_refused(tmp_path: Path) -> None:
    problems, shards = _fixture(tmp_path, {"p/0": [("timeout", None), ("wrong", None)]})
    with pytest.raises(DataError, match="verify these samples again"):
        base_tests_table(shards, problems, str(tmp_path / "out.csv"))


def test_a_table_with_c_above_c_base_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("problem_id,index,n,c,c_base,base_unknown\np/0,0,4,3,2,0\n")
    with pytest.raises(DataError, match="c <= c_base <= n"):
        read_base_tests(str(path))
