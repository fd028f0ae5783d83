"""``passk verify-code --benchmark livecodebench`` on bring-your-own samples (offline data, bwrap)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from test_lcb_helpers import bwrap_or_skip

from passk.cli import main
from passk.io import read_json, read_jsonl


def test_verify_code_livecodebench(shared_data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    lcb = shared_data / "livecodebench"
    if not lcb.is_dir():
        pytest.skip(f"no livecodebench directory in {shared_data}")
    bwrap_or_skip()
    sub = {s["question_id"]: s for s in read_json(next(lcb.glob("submissions_*.json.gz")))}
    good = sub["abc365_a"]["code_list"][0]
    lines = [
        {"task_id": "abc365_a", "solution": good},
        {"task_id": "abc365_a", "text": "\n" + good + "\n```\nDone."},  # after the Fig 24 prefill
        {"task_id": "abc365_a", "solution": "print('No')"},
    ]
    samples = tmp_path / "s.jsonl"
    samples.write_text("".join(json.dumps(x) + "\n" for x in lines))
    out = tmp_path / "v.jsonl"
    rc = main(["verify-code", "--benchmark", "livecodebench", "--samples", str(samples), "--out", str(out),
               "--data-dir", str(shared_data), "--work-dir", str(tmp_path), "--workers", "2"])
    assert rc == 0
    rows = read_jsonl(out)
    assert [r["status"] for r in rows] == ["correct", "correct", "wrong"], [r["detail"] for r in rows]
    assert [r["sample_index"] for r in rows] == [1, 2, 3]


def test_a_problem_without_tests_is_an_error_not_a_verdict(shared_data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Offline, 2023 problems have no tests: verifying one names it and writes no verdicts."""
    if not (shared_data / "livecodebench").is_dir():
        pytest.skip(f"no livecodebench directory in {shared_data}")
    bwrap_or_skip()
    samples = tmp_path / "s.jsonl"
    samples.write_text(json.dumps({"task_id": "1873_A", "solution": "print(1)"}) + "\n")
    out = tmp_path / "v.jsonl"
    rc = main(["verify-code", "--benchmark", "livecodebench", "--samples", str(samples), "--out", str(out),
               "--data-dir", str(shared_data), "--work-dir", str(tmp_path), "--workers", "1"])
    assert rc == 2 and not out.exists()
    assert "'1873_A' has no tests" in capsys.readouterr().err
