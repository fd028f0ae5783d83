"""LiveCodeBench test completeness is carried through: problems and verdicts say ``full`` or
``public``; ``tests: full`` refuses public-only data. And a reasoning model's program is read after
its ``</think>``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from test_lcb_helpers import LocalSandbox
from test_lcb_loader import STARTER, _raw

from passk.benchmarks.livecodebench.prepare import prepare
from passk.benchmarks.livecodebench.verify import which_tests
from passk.benchmarks.livecodebench.verify import verify as verify_lcb
from passk.errors import DataError
from passk.io import read_jsonl
from passk.verify.family import VerifyContext

WINDOW = {"start_date": "2024-08-01", "end_date": "2025-02-01", "expected_count": 279}


def test_hub_records_are_full(tmp_path: Path) -> None:
    path = tmp_path / "test.jsonl"
    path.write_text(json.dumps(_raw("abc200_b", "2024-08-01")) + "\n" + json.dumps(_raw("3001", "2024-09-15", starter=STARTER, func="double")) + "\n")
    out = tmp_path / "p.jsonl"
    prepare("lcb", {"file": str(path), "tests": "full"}, None, out)  # full: accepted
    assert {r["metadata"]["tests"] for r in read_jsonl(out)} == {"full"}


def test_public_only_data_is_marked_and_refused_for_full(shared_data: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    if not (shared_data / "livecodebench").is_dir():
        pytest.skip(f"no livecodebench directory in {shared_data}")
    out = tmp_path / "p.jsonl"
    with caplog.at_level("WARNING"):
        prepare("lcb_2408_2501", WINDOW, str(shared_data), out)
    assert "graded on PUBLIC tests only" in caplog.text
    assert {r["metadata"]["tests"] for r in read_jsonl(out)} == {"public"}
    with pytest.raises(DataError, match=r"benchmarks\.lcb_2408_2501\.tests is 'full'.*public tests only"):
        prepare("lcb_2408_2501", {**WINDOW, "tests": "full"}, str(shared_data), tmp_path / "q.jsonl")
    assert not (tmp_path / "q.jsonl").exists()


PROBLEM = {
    "id": "abc001_a",
    "question": "Print a+b.",
    "tests": {"inputs": ["1 2\n", "3 4\n"], "outputs": ["3\n", "7\n"], "fn_name": None},
    "metadata": {"starter_code": "", "tests": "public"},
}


def _verify(texts: list[str], prompt: str, problem: dict = PROBLEM) -> list[dict]:
    samples = [{"problem_id": problem["id"], "sample_index": i, "text": t} for i, t in enumerate(texts)]
    return verify_lcb({problem["id"]: problem}, samples, VerifyContext(bench={"prompt": prompt, "timeout": 2}, workers=2), sandbox=LocalSandbox())


def test_verdicts_say_public() -> None:
    rows = _verify(["\na, b = map(int, input().split())\nprint(a + b)\n```"], "livecodebench")
    assert rows[0]["status"] == "correct" and rows[0]["tests"] == "public"
    # problem files written before metadata.tests existed: told by tests_source
    assert which_tests({"metadata": {"tests_source": "deepcoder-public"}}) == "public"
    assert which_tests({"metadata": {"tests_source": "livecodebench-public+private"}}) == "full"


def test_reasoning_model_programs_come_after_think() -> None:
    good = "```python\nprint(0)\n```\nhmm, no.</think>\nHere:\n```python\na, b = map(int, input().split())\nprint(a + b)\n```\n"
    draft_only = "Let me write\n```python\na, b = map(int, input().split())\nprint(a + b)\n```\nand keep thinking ..."
    no_block = "ok</think>\nThe program reads two numbers and prints their sum."
    rows = _verify([good, draft_only, no_block], "deepcoder-livecodebench")
    assert [r["status"] for r in rows] == ["correct", "no_answer", "no_answer"]
    assert rows[1]["detail"].startswith("no </think>") and rows[2]["detail"].startswith("no complete code block")
    # the same draft, to a prompt with a prefill and no reasoning, is graded as written
    assert _verify([draft_only.replace("and keep thinking ...", "")], "livecodebench")[0]["status"] == "correct"
