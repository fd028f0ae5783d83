"""aggregate(): verdict shards → per-problem table and curve, deterministic, with precise errors."""

from __future__ import annotations

import csv
import math
from pathlib import Path

import numpy as np
import pytest

from passk.analysis.aggregate import aggregate
from passk.analysis.metrics import dataset_pass_at_k
from passk.analysis.tables import CURVE_COLUMNS, PROBLEM_COLUMNS, STATUS_COLUMNS, read_curve_csv, read_curve_tests, read_problems_csv
from passk.errors import DataError
from passk.io import write_jsonl
from passk.records.verdicts import write_verdicts


def _problems(tmp: Path, ids: list[str]) -> str:
    path = tmp / "problems.jsonl"
    write_jsonl(path, [{"id": pid, "benchmark": "toy", "index": i, "question": "q", "answer": "1"} for i, pid in enumerate(ids)])
    return str(path)


def _verdict(pid: str, s: int, ok: bool, status: str | None = None) -> dict:
    return {
        "problem_id": pid,
        "sample_index": s,
        "correct": ok,
        "status": status or ("correct" if ok else "wrong"),
        "extracted": "1" if ok else "2",
        "detail": "",
    }


def _setup(tmp: Path, n: int = 8) -> tuple[str, list[str], dict[str, int]]:
    """Three problems, n samples each, split over two shards (sample halves)."""
    ids = ["toy/2", "toy/0", "toy/1"]  # file order ≠ id order, to check sorting by index
    problems = _problems(tmp, ids)
    correct = {"toy/2": 0, "toy/0": 3, "toy/1": n}
    shards = []
    for shard, samples in enumerate((range(0, n // 2), range(n // 2, n))):
        rows = []
        for pid in reversed(ids):  # rows in arbitrary order
            for s in samples:
                ok = s < correct[pid]
                rows.append(_verdict(pid, s, ok, None if ok or s % 3 else "no_answer"))
        path = tmp / f"shard-{shard}.parquet"
        write_verdicts(path, rows)
        shards.append(str(path))
    return problems, shards, correct


def test_tables_layout_and_values(tmp_path: Path) -> None:
    problems, shards, correct = _setup(tmp_path)
    out_p, out_c = tmp_path / "out" / "problems.csv", tmp_path / "out" / "curve.csv"
    aggregate(shards, problems, str(out_p), str(out_c), n_expected=8)

    lines = out_p.read_text().splitlines()
    assert lines[0] == ",".join(PROBLEM_COLUMNS)
    assert lines[0].startswith("problem_id,index,n,c,status_correct,status_wrong,status_no_answer,")
    rows = read_problems_csv(out_p)
    assert [r["problem_id"] for r in rows] == ["toy/2", "toy/0", "toy/1"]  # sorted by index
    assert [r["index"] for r in rows] == [0, 1, 2]
    assert all(r["n"] == 8 for r in rows)
    assert [r["c"] for r in rows] == [correct["toy/2"], correct["toy/0"], correct["toy/1"]]
    for r in rows:
        assert sum(r[c] for c in STATUS_COLUMNS) == r["n"]
        assert r["tests"] == ""  # math verdicts name no tests
        assert r["status_correct"] == r["c"]
    assert rows[0]["status_no_answer"] == 3  # s = 0, 3, 6

    text = out_c.read_text()
    assert text.splitlines()[0] == ",".join(CURVE_COLUMNS)
    curve = read_curve_csv(out_c)
    assert curve["k"].tolist() == list(range(1, 9))
    ref = dataset_pass_at_k(8, [0, 3, 8])
    np.testing.assert_allclose(curve["pass_at_k"], ref, atol=1e-10)
    assert text.splitlines()[1] == f"1,{(0 + 3 / 8 + 1) / 3:.10f},{curve['ci_low'][0]:.10f},{curve['ci_high'][0]:.10f},"
    for k in range(1, 9):
        has_ci = k in (1, 2, 4, 8)
        assert math.isnan(curve["ci_low"][k - 1]) != has_ci
        if has_ci:
            assert curve["ci_low"][k - 1] <= curve["pass_at_k"][k - 1] + 1e-12 <= curve["ci_high"][k - 1] + 2e-12


def test_tables_say_which_tests_graded_the_run(tmp_path: Path) -> None:
    """A LiveCodeBench run graded on public tests only says so in both tables."""
    problems = _problems(tmp_path, ["a", "b"])
    rows = [{**_verdict(pid, s, s == 0), "tests": "public"} for pid in ("a", "b") for s in range(4)]
    write_verdicts(tmp_path / "v.parquet", rows)
    out_p, out_c = tmp_path / "p.csv", tmp_path / "c.csv"
    aggregate([str(tmp_path / "v.parquet")], problems, str(out_p), str(out_c))
    assert [r["tests"] for r in read_problems_csv(out_p)] == ["public", "public"]
    assert out_c.read_text().splitlines()[1].endswith(",public") and read_curve_tests(out_c) == "public"
    assert read_curve_csv(out_c)["pass_at_k"][0] == 0.25  # the text column does not disturb the numbers


def test_byte_deterministic(tmp_path: Path) -> None:
    problems, shards, _ = _setup(tmp_path)
    a = (tmp_path / "a_p.csv", tmp_path / "a_c.csv")
    b = (tmp_path / "b_p.csv", tmp_path / "b_c.csv")
    aggregate(shards, problems, str(a[0]), str(a[1]))
    aggregate(list(reversed(shards)), problems, str(b[0]), str(b[1]))  # shard order must not matter
    assert a[0].read_bytes() == b[0].read_bytes()
    assert a[1].read_bytes() == b[1].read_bytes()
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_mixed_n_without_expectation(tmp_path: Path) -> None:
    problems = _problems(tmp_path, ["a", "b"])
    rows = [_verdict("a", s, s == 0) for s in range(4)] + [_verdict("b", s, False) for s in range(6)]
    write_verdicts(tmp_path / "v.parquet", rows)
    out_c = tmp_path / "c.csv"
    aggregate([str(tmp_path / "v.parquet")], problems, str(tmp_path / "p.csv"), str(out_c))
    curve = read_curve_csv(out_c)
    assert curve["k"].tolist() == [1, 2, 3, 4]  # up to min n
    with pytest.raises(DataError, match=r"n_expected=4.*'b' has n=6"):
        aggregate([str(tmp_path / "v.parquet")], problems, str(tmp_path / "p.csv"), str(out_c), n_expected=4)


def test_unknown_problem(tmp_path: Path) -> None:
    problems = _problems(tmp_path, ["a"])
    v = tmp_path / "v.parquet"
    write_verdicts(v, [_verdict("a", 0, True), _verdict("zzz", 0, True)])
    with pytest.raises(DataError, match=r"v\.parquet: verdict for unknown problem id 'zzz'"):
        aggregate([str(v)], problems, str(tmp_path / "p.csv"), str(tmp_path / "c.csv"))
    assert not (tmp_path / "p.csv").exists() and not (tmp_path / "c.csv").exists()


def test_problem_without_verdicts(tmp_path: Path) -> None:
    problems = _problems(tmp_path, ["a", "b", "c"])
    v = tmp_path / "v.parquet"
    write_verdicts(v, [_verdict("b", 0, True)])
    with pytest.raises(DataError, match=r"problems\.jsonl: 2 problem\(s\) have no verdicts in \[.*v\.parquet\]: 'a', 'c'"):
        aggregate([str(v)], problems, str(tmp_path / "p.csv"), str(tmp_path / "c.csv"))


def test_duplicates(tmp_path: Path) -> None:
    problems = _problems(tmp_path, ["a"])
    v1, v2 = tmp_path / "v1.parquet", tmp_path / "v2.parquet"
    write_verdicts(v1, [_verdict("a", 0, True), _verdict("a", 1, False)])
    write_verdicts(v2, [_verdict("a", 1, True)])
    with pytest.raises(DataError, match=r"v2\.parquet: duplicate verdict for problem 'a' sample_index 1 \(also in .*v1\.parquet\)"):
        aggregate([str(v1), str(v2)], problems, str(tmp_path / "p.csv"), str(tmp_path / "c.csv"))
    with pytest.raises(DataError, match=r"v1\.parquet: duplicate .*twice in this file"):
        aggregate([str(v1), str(v1)], problems, str(tmp_path / "p.csv"), str(tmp_path / "c.csv"))


def test_bad_status_and_missing_files(tmp_path: Path) -> None:
    problems = _problems(tmp_path, ["a"])
    v = tmp_path / "v.parquet"
    write_verdicts(v, [_verdict("a", 0, True, status="great")])
    with pytest.raises(DataError, match=r"v\.parquet: .*unknown status 'great'"):
        aggregate([str(v)], problems, str(tmp_path / "p.csv"), str(tmp_path / "c.csv"))
    with pytest.raises(DataError, match="missing.parquet: file not found"):
        aggregate([str(tmp_path / "missing.parquet")], problems, str(tmp_path / "p.csv"), str(tmp_path / "c.csv"))
    with pytest.raises(DataError, match="no verdict files"):
        aggregate([], problems, str(tmp_path / "p.csv"), str(tmp_path / "c.csv"))


def test_bad_problem_file(tmp_path: Path) -> None:
    p = tmp_path / "problems.jsonl"
    write_jsonl(p, [{"id": "a", "index": 0, "question": "q"}, {"id": "a", "index": 1, "question": "q"}])
    v = tmp_path / "v.parquet"
    write_verdicts(v, [_verdict("a", 0, True)])
    with pytest.raises(DataError, match=r"problems\.jsonl:2: duplicate problem id 'a'"):
        aggregate([str(v)], str(p), str(tmp_path / "p.csv"), str(tmp_path / "c.csv"))
    write_jsonl(p, [{"id": "a", "index": "0", "question": "q"}])
    with pytest.raises(DataError, match=r"problems\.jsonl:1: problem key 'index' should be an integer"):
        aggregate([str(v)], str(p), str(tmp_path / "p.csv"), str(tmp_path / "c.csv"))


def test_problem_ids_with_commas_are_quoted(tmp_path: Path) -> None:
    problems = _problems(tmp_path, ["lcb/a,b"])
    v = tmp_path / "v.parquet"
    write_verdicts(v, [_verdict("lcb/a,b", 0, True, status="pass")])  # an old status name, read as "correct"
    out_p = tmp_path / "p.csv"
    aggregate([str(v)], problems, str(out_p), str(tmp_path / "c.csv"))
    with open(out_p, newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert rows[0]["problem_id"] == "lcb/a,b" and rows[0]["status_correct"] == "1"
