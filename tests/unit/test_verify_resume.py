"""A verification job that crashes halfway through a shard leaves the samples untouched and resumes.

The crash is simulated in-process by making the checkpoint hook raise after k verdicts (the
workflow test uses the SIGKILL form of the same hook, ``$PASSK_FAULT_VERIFY_AFTER``).
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from passk.benchmarks import registry
from passk.pipeline import verify as shard_mod
from passk.pipeline.verify import verify_shard_files
from passk.records.samples import write_samples
from passk.verify import cache

N_PROBLEMS = 6
PER_PROBLEM = 4


class Crash(Exception):
    pass


def _inputs(tmp_path: Path) -> tuple[Path, Path]:
    problems = tmp_path / "problems.jsonl"
    problems.write_text("".join(
        json.dumps({"id": f"toy/{i}", "benchmark": "toy", "index": i, "question": f"{i}+{i}?", "answer": str(2 * i), "metadata": {}}) + "\n"
        for i in range(N_PROBLEMS)))
    rows = []
    for i in range(N_PROBLEMS):
        for j in range(PER_PROBLEM):
            # right, wrong, no answer, and one that needs Math-Verify (\frac{4i}{2} vs 2i)
            text = [f"\\boxed{{{2 * i}}}", f"\\boxed{{{2 * i + 1}}}", "I do not know", f"\\boxed{{\\frac{{{4 * i}}}{{2}}}}"][j]
            rows.append({"problem_id": f"toy/{i}", "sample_index": j, "seed": 7, "text": text, "finish_reason": "stop",
                         "num_tokens": 3, "prompt_tokens": 2, "backend": "test", "model": "m", "model_revision": "r", "template": "qwen-boxed"})
    samples = tmp_path / "results" / "samples" / "m" / "toy" / "default" / "shard-0.parquet"
    write_samples(samples, rows)
    return problems, samples


def _verify(problems: Path, samples: Path, out: Path, code_version: str = "test") -> None:
    verify_shard_files(bench={"name": "toy", "family": "math", "dataset": "math500"}, samples_path=str(samples),
                       problems_path=str(problems), out_path=str(out), workers=1, verify_cfg={"math_timeout": 10.0}, sandbox_cfg={},
                       code_version=code_version)


@pytest.fixture
def counting(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Record how many samples each call of the math verifier gets."""
    calls: list[int] = []
    real = registry.FAMILIES["math"]

    def spy(problems: dict[str, Any], samples: list[dict[str, Any]], ctx: Any) -> list[dict[str, Any]]:
        calls.append(len(samples))
        return real.verify(problems, samples, ctx)

    monkeypatch.setitem(registry.FAMILIES, "math", dataclasses.replace(real, verify=spy))
    monkeypatch.setenv(cache.CHUNK_ENV, str(2 * PER_PROBLEM))  # checkpoints of two problems
    return calls


def test_progress_path_lives_outside_the_outputs() -> None:
    assert cache.progress_path("results/verdicts/m/b/default/shard-3.parquet") == Path("results/.cache/verify/m/b/default/shard-3.jsonl")
    assert cache.progress_path("/x/out.parquet") == Path("/x/.out.parquet.progress.jsonl")


def test_crash_halfway_resumes_with_the_same_verdicts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, counting: list[int]) -> None:
    problems, samples = _inputs(tmp_path)
    before = samples.read_bytes()
    reference = tmp_path / "reference.parquet"
    _verify(problems, samples, reference)
    assert counting == [8, 8, 8]
    counting.clear()

    out = tmp_path / "results" / "verdicts" / "m" / "toy" / "default" / "shard-0.parquet"
    progress = cache.progress_path(out)

    def crash(done: int) -> None:
        if done >= 2 * PER_PROBLEM:
            raise Crash(f"simulated crash after {done}")

    monkeypatch.setattr(cache, "after_checkpoint", crash)
    with pytest.raises(Crash):
        _verify(problems, samples, out)
    assert not out.exists(), "a crashed job must not leave a verdict shard"
    assert samples.read_bytes() == before, "the samples were modified"
    assert len(progress.read_text().splitlines()) == 1 + 2 * PER_PROBLEM  # header + the first checkpoint
    assert counting == [8]

    # Simulate a kill in the middle of writing the next checkpoint: a cut-off line at the end.
    with open(progress, "a", encoding="utf-8") as fh:
        fh.write('{"key": "toy/2\\u001f0\\u001fabc", "verdict": {"corr')
    counting.clear()
    monkeypatch.setattr(cache, "after_checkpoint", lambda done: None)
    _verify(problems, samples, out)
    assert counting == [8, 8], "the rerun verified the checkpointed samples again"
    assert out.read_bytes() == reference.read_bytes()
    assert samples.read_bytes() == before
    assert not progress.exists(), "the progress cache outlived its shard"
    statuses = [r["status"] for r in pq.read_table(out).to_pylist()]
    assert statuses[:4] == ["correct", "wrong", "no_answer", "correct"]


def test_progress_of_other_inputs_is_not_reused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, counting: list[int]) -> None:
    problems, samples = _inputs(tmp_path)
    out = tmp_path / "results" / "verdicts" / "m" / "toy" / "default" / "shard-0.parquet"

    def crash(done: int) -> None:
        raise Crash

    monkeypatch.setattr(cache, "after_checkpoint", crash)
    with pytest.raises(Crash):
        _verify(problems, samples, out)
    # The gold answers change (a corrected problem file): nothing checkpointed may be reused.
    problems.write_text(problems.read_text().replace('"answer": "0"', '"answer": "1"'))
    monkeypatch.setattr(cache, "after_checkpoint", lambda done: None)
    counting.clear()
    _verify(problems, samples, out)
    assert sum(counting) == N_PROBLEMS * PER_PROBLEM
    first = pq.read_table(out).to_pylist()[0]
    assert (first["problem_id"], first["status"]) == ("toy/0", "wrong")


def test_progress_of_other_code_is_not_reused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, counting: list[int]) -> None:
    """The stage's code version keys the cache: verdicts saved by other checker code are discarded."""
    problems, samples = _inputs(tmp_path)
    out = tmp_path / "results" / "verdicts" / "m" / "toy" / "default" / "shard-0.parquet"

    def crash(done: int) -> None:
        raise Crash

    monkeypatch.setattr(cache, "after_checkpoint", crash)
    with pytest.raises(Crash):
        _verify(problems, samples, out, code_version="checker-v1")
    assert cache.progress_path(out).exists()
    monkeypatch.setattr(cache, "after_checkpoint", lambda done: None)
    counting.clear()
    _verify(problems, samples, out, code_version="checker-v2")
    assert sum(counting) == N_PROBLEMS * PER_PROBLEM


def test_chunks_keep_problems_whole() -> None:
    samples = [{"problem_id": f"p{i // 3}"} for i in range(10)]
    chunks = shard_mod._chunks(list(range(10)), samples, 4)
    assert chunks == [[0, 1, 2, 3, 4, 5], [6, 7, 8, 9]]
