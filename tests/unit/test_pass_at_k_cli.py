"""``passk pass-at-k`` on loosely structured verdict files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from passk.analysis.metrics import pass_at_k
from passk.cli import main
from passk.records.verdicts import write_verdicts


def _write(path: Path, records: list[dict]) -> str:
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    return str(path)


def test_default_ks_table(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    recs = [{"problem_id": "a", "correct": i < 3} for i in range(6)] + [{"problem_id": "b", "correct": False} for _ in range(6)]
    assert main(["pass-at-k", "--verdicts", _write(tmp_path / "v.jsonl", recs)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "2 problems, n = 6 samples per problem, from 1 file(s)"
    assert out[1] == "k  pass@k   (%)"
    assert [line.split()[0] for line in out[2:]] == ["1", "2", "4", "6"]  # powers of two and n
    assert out[2] == "1  0.2500   25.0"
    assert out[4] == f"4  {pass_at_k(6, 3, 4) / 2:.4f}  {50 * pass_at_k(6, 3, 4):5.1f}"


def test_pooling_id_fields_status_score_and_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    f1 = _write(tmp_path / "seed1.jsonl", [{"task_id": "HumanEval/0", "status": "pass"}, {"task_id": "HumanEval/0", "status": "fail"}, {"id": 5, "score": [True, False]}])
    f2 = _write(tmp_path / "seed2.jsonl", [{"task_id": "HumanEval/0", "status": "timeout"}, {"problem_id": "5", "correct": 1}])
    assert main(["pass-at-k", "--verdicts", f1, "--verdicts", f2, "--all-k", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["n_problems"] == 2 and out["n_min"] == 3 and out["uniform_n"] is True
    assert out["files"] == [f1, f2]
    ks = [r["k"] for r in out["pass_at_k"]]
    assert ks == [1, 2, 3]
    assert out["pass_at_k"][0]["pass_at_k"] == pytest.approx((1 / 3 + 2 / 3) / 2)


def test_mixed_n_is_reported(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    recs = [{"id": "a", "correct": True}] * 4 + [{"id": "b", "correct": False}] * 2
    assert main(["pass-at-k", "--verdicts", _write(tmp_path / "v.jsonl", recs), "--k", "2", "1"]) == 0
    out = capsys.readouterr().out
    assert "n differs between problems: 2..4 samples" in out
    assert "k is limited to the smallest n (2)" in out
    assert [line.split()[0] for line in out.splitlines()[3:]] == ["1", "2"]


def test_parquet_input(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rows = [{"problem_id": "p", "sample_index": s, "correct": s == 0, "status": "correct" if s == 0 else "wrong", "extracted": "", "detail": ""} for s in range(4)]
    write_verdicts(tmp_path / "v.parquet", rows)
    assert main(["pass-at-k", "--verdicts", str(tmp_path / "v.parquet"), "--k", "1", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["pass_at_k"] == [{"k": 1, "pass_at_k": 0.25}]


@pytest.mark.parametrize(
    "lines,message",
    [
        (['{"problem_id": "a", "correct": true}', "{not json"], "v.jsonl:2: malformed JSON"),
        (['{"problem_id": "a", "correct": "yes"}'], "v.jsonl:1: 'correct' must be a boolean"),
        (['{"name": "a", "correct": true}'], "v.jsonl:1: no problem id"),
        (['{"id": "a"}'], "v.jsonl:1: no verdict"),
        (['{"id": "a", "score": []}'], "v.jsonl:1: 'score' must be a non-empty list"),
        ([""], "no verdicts in"),
    ],
)
def test_errors_name_file_and_line(tmp_path: Path, capsys: pytest.CaptureFixture[str], lines: list[str], message: str) -> None:
    path = tmp_path / "v.jsonl"
    path.write_text("\n".join(lines) + "\n")
    assert main(["pass-at-k", "--verdicts", str(path)]) == 2
    assert message in capsys.readouterr().err


def test_k_too_large(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _write(tmp_path / "v.jsonl", [{"id": "a", "correct": True}] * 4)
    assert main(["pass-at-k", "--verdicts", path, "--k", "8"]) == 2
    assert "--k 8: k must be between 1 and the smallest per-problem n (4)" in capsys.readouterr().err


def test_missing_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["pass-at-k", "--verdicts", str(tmp_path / "none.jsonl")]) == 2
    assert "none.jsonl: file not found" in capsys.readouterr().err
