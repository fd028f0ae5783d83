"""The LiveCodeBench loader: version tags, date windows, asserted counts, order/index, safe decoding, offline join."""

from __future__ import annotations

import base64
import json
import os
import pickle
import zlib
from pathlib import Path

import pytest

from passk.benchmarks.livecodebench.prepare import func_name_from_starter, prepare, release_files
from passk.errors import ConfigError, DataError
from passk.io import read_jsonl


def _raw(qid: str, date: str, *, starter: str = "", private: str | None = None, func: str | None = None) -> dict:
    stdin = not starter
    kind = "stdin" if stdin else "functional"
    pub = [{"input": "1\n" if stdin else "1", "output": "2\n" if stdin else "2", "testtype": kind}]
    priv = [{"input": "5\n" if stdin else "5", "output": "10\n" if stdin else "10", "testtype": kind}]
    if private is None:
        private = base64.b64encode(zlib.compress(pickle.dumps(json.dumps(priv)))).decode()
    return {
        "question_title": f"t{qid}",
        "question_content": f"Double the number ({qid}).",
        "platform": "atcoder" if stdin else "leetcode",
        "question_id": qid,
        "contest_id": "c",
        "contest_date": date + "T00:00:00",
        "starter_code": starter,
        "difficulty": "easy",
        "public_test_cases": json.dumps(pub),
        "private_test_cases": private,
        "metadata": json.dumps({"func_name": func} if func else {}),
    }


STARTER = "class Solution:\n    def double(self, n: int) -> int:\n        "


@pytest.fixture()
def raw_file(tmp_path: Path) -> Path:
    rows = [
        _raw("abc100_a", "2024-07-31"),
        _raw("abc200_b", "2024-08-01"),
        _raw("3001", "2024-09-15", starter=STARTER, func="double"),
        _raw("abc150_c", "2025-01-31"),
        _raw("abc300_d", "2025-02-01"),
    ]
    path = tmp_path / "test.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def test_release_files_follow_the_loading_script() -> None:
    assert release_files("release_v5") == ["test.jsonl", "test2.jsonl", "test3.jsonl", "test4.jsonl", "test5.jsonl"]
    assert release_files("v5") == ["test5.jsonl"]
    assert release_files("v4_v5") == ["test4.jsonl", "test5.jsonl"]
    with pytest.raises(ConfigError, match="release"):
        release_files("latest-ish")


def test_func_name_from_starter() -> None:
    assert func_name_from_starter(STARTER) == "double"
    helper = "# class ListNode:\n#     def __init__(self, val=0):\nclass Solution:\n    def minCost(self, a: List[int]) -> int:\n        "
    assert func_name_from_starter(helper) == "minCost"
    assert func_name_from_starter("") is None


def test_window_count_order_and_decoding(raw_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "p.jsonl"
    cfg = {"family": "livecodebench", "file": str(raw_file), "start_date": "2024-08-01", "end_date": "2025-02-01", "expected_count": 3}
    assert prepare("lcb", cfg, None, out) == 3
    recs = read_jsonl(out)
    assert [r["id"] for r in recs] == ["3001", "abc150_c", "abc200_b"]  # question_id order, like lcb_runner
    assert [r["index"] for r in recs] == [0, 1, 2]
    call = recs[0]
    assert call["tests"] == {"inputs": ["1", "5"], "outputs": ["2", "10"], "fn_name": "double", "testtype": "functional"}
    assert call["metadata"]["starter_code"] == STARTER
    assert call["metadata"]["private_tests_encoding"] == "base64-zlib-pickle"
    assert len(call["metadata"]["tests_sha256"]) == 64 and call["metadata"]["n_private_tests"] == 1
    stdin = recs[2]
    assert stdin["tests"]["fn_name"] is None and stdin["tests"]["inputs"] == ["1\n", "5\n"]

    prepare("lcb", {**cfg, "order": "date"}, None, out)
    assert [r["id"] for r in read_jsonl(out)] == ["abc200_b", "3001", "abc150_c"]
    prepare("lcb", {**cfg, "limit": 1}, None, out)
    assert len(read_jsonl(out)) == 1


def test_wrong_expected_count_fails(raw_file: Path, tmp_path: Path) -> None:
    cfg = {"file": str(raw_file), "start_date": "2024-08-01", "end_date": "2025-02-01", "expected_count": 279}
    with pytest.raises(DataError, match="has 3 problems, expected_count is 279"):
        prepare("lcb", cfg, None, tmp_path / "p.jsonl")


def test_code_running_pickle_in_private_tests_is_refused(tmp_path: Path) -> None:
    sentinel = tmp_path / "pwned"

    class Evil:
        def __reduce__(self):
            return (os.system, (f"touch {sentinel}",))

    bad = base64.b64encode(zlib.compress(pickle.dumps([Evil()]))).decode()
    path = tmp_path / "test.jsonl"
    path.write_text(json.dumps(_raw("abc999_z", "2024-10-01", private=bad)) + "\n")
    with pytest.raises(DataError, match="abc999_z|refused"):
        prepare("lcb", {"file": str(path)}, None, tmp_path / "p.jsonl")
    assert not sentinel.exists()
    assert not (tmp_path / "p.jsonl").exists()


def test_offline_279_window(shared_data: Path, tmp_path: Path) -> None:
    if not (shared_data / "livecodebench").is_dir():
        pytest.skip(f"no livecodebench directory in {shared_data}")
    out = tmp_path / "p.jsonl"
    cfg = {"start_date": "2024-08-01", "end_date": "2025-02-01", "expected_count": 279}
    assert prepare("lcb_2408_2501", cfg, str(shared_data), out) == 279
    recs = read_jsonl(out)
    call = [r for r in recs if r["tests"]["fn_name"]]
    assert len(call) == 104 and len(recs) - len(call) == 175
    assert all(r["metadata"]["tests_source"] == "deepcoder-public" for r in recs)
    assert sum(len(r["tests"]["inputs"]) for r in recs) == 736
    # the 880-problem window has no offline tests before Aug 2024: refused unless asked for
    with pytest.raises(DataError, match="no staged tests"):
        prepare("lcb_all", {"start_date": "2023-05-01", "end_date": "2025-02-01", "expected_count": 880}, str(shared_data), out)
    n = prepare("lcb_all", {"start_date": "2023-05-01", "end_date": "2025-02-01", "expected_count": 880, "allow_missing_tests": True},
                str(shared_data), out)
    assert n == 880
    assert sum(r["tests"] is not None for r in read_jsonl(out)) == 279
