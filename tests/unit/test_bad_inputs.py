"""Malformed inputs of every kind a user or a mirror can hand in, each answered with one message
that names the file and the key, line or row — and none of them touching a result already computed.

Config files are covered in tests/unit/test_config.py (16 schema and semantic cases, duplicate
YAML keys, data_dir) and tests/workflow/test_bad_config.py; this module adds config cases they
do not, and the data, sample, verdict, manifest and source files.

Every case runs the library function a workflow job would run, with that job's output already
present from an earlier run (``RESULT``), and asserts it is byte-for-byte unchanged afterwards:
checks run before anything is written, and writes are atomic.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import yaml

from passk.analysis.aggregate import aggregate
from passk.cli import main as cli_main
from passk.config.validate import check_config, load_yaml_strict, schema_errors
from passk.errors import ConfigError, DataError, PasskError
from passk.models import manifest as model_manifest
from passk.pipeline import prepare as pipeline_prepare
from passk.pipeline.verify import verify_shard_files
from passk.records.parquet import write_table
from passk.records.problems import load_problems
from passk.records.samples import SAMPLE_SCHEMA, check_samples, write_samples
from passk.records.verdicts import VERDICT_SCHEMA, write_verdicts

REPO = Path(__file__).resolve().parents[2]
RESULT = b"an earlier run's result\n"

PROBLEMS = [
    {"id": "toy/0", "benchmark": "toy", "index": 0, "question": "1+1?", "answer": "2", "metadata": {}},
    {"id": "toy/1", "benchmark": "toy", "index": 1, "question": "2+2?", "answer": "4", "metadata": {}},
]


def sample(pid: str = "toy/0", index: int = 0, text: Any = "The answer is \\boxed{2}.") -> dict[str, Any]:
    return {"problem_id": pid, "sample_index": index, "seed": 1, "text": text, "finish_reason": "stop",
            "num_tokens": 5, "prompt_tokens": 3, "backend": "test", "model": "m", "model_revision": "r", "template": "qwen-boxed"}


GOOD_SAMPLES = [sample("toy/0", 0), sample("toy/0", 1), sample("toy/1", 0, "\\boxed{4}"), sample("toy/1", 1, "")]


def write_problems(path: Path, records: list[dict[str, Any]] | None = None, text: str | None = None) -> Path:
    path.write_text(text if text is not None else "".join(json.dumps(r) + "\n" for r in (records or PROBLEMS)))
    return path


def run_verify(tmp_path: Path, problems: Path, samples: Path) -> None:
    verify_shard_files(bench={"name": "toy", "family": "math", "dataset": "math500"}, samples_path=str(samples),
                       problems_path=str(problems), out_path=str(tmp_path / "verdicts.parquet"), workers=1,
                       verify_cfg={"math_timeout": 5.0}, sandbox_cfg={}, code_version="test")


def expect(tmp_path: Path, call: Callable[[], Any], *fragments: str, error: type[PasskError] = DataError) -> str:
    """Run ``call`` with a computed result in place; assert one message with every fragment, result untouched."""
    result = tmp_path / "verdicts.parquet"
    result.write_bytes(RESULT)
    with pytest.raises(error) as info:
        call()
    message = str(info.value)
    assert "\n" not in message.strip() or error is ConfigError, message
    for fragment in fragments:
        assert fragment in message, f"{fragment!r} not in {message!r}"
    assert result.read_bytes() == RESULT, "a result computed earlier was changed"
    assert not list(tmp_path.glob(".verdicts.parquet.*.tmp")), "a temporary file was left behind"
    return message


# --- problem (data) files -------------------------------------------------------------------

def test_duplicate_problem_id(tmp_path: Path) -> None:
    problems = write_problems(tmp_path / "p.jsonl", [*PROBLEMS, {**PROBLEMS[0], "index": 2}])
    samples = tmp_path / "s.parquet"
    write_samples(samples, GOOD_SAMPLES)
    expect(tmp_path, lambda: run_verify(tmp_path, problems, samples), f"{problems}:3", "duplicate problem id 'toy/0'", "line 1")


def test_problem_without_id(tmp_path: Path) -> None:
    problems = write_problems(tmp_path / "p.jsonl", [PROBLEMS[0], {k: v for k, v in PROBLEMS[1].items() if k != "id"}])
    expect(tmp_path, lambda: load_problems(problems, ("answer", str), family="math"), f"{problems}:2", "'id'")


def test_problem_index_of_wrong_type(tmp_path: Path) -> None:
    problems = write_problems(tmp_path / "p.jsonl", [{**PROBLEMS[0], "index": "0"}])
    expect(tmp_path, lambda: load_problems(problems), f"{problems}:1", "'index'", "an integer")


def test_math_problem_without_answer(tmp_path: Path) -> None:
    problems = write_problems(tmp_path / "p.jsonl", [PROBLEMS[0], {k: v for k, v in PROBLEMS[1].items() if k != "answer"}])
    expect(tmp_path, lambda: load_problems(problems, ("answer", str), family="math"), f"{problems}:2", "'answer'")


def test_code_problem_file_given_for_math_schema(tmp_path: Path) -> None:
    problems = write_problems(tmp_path / "p.jsonl", [{**PROBLEMS[0], "answer": None, "tests": {"base_input": []}}])
    expect(tmp_path, lambda: load_problems(problems, ("answer", str), family="math"), f"{problems}:1", "'answer'", "right problem file")


def test_malformed_json_line(tmp_path: Path) -> None:
    problems = write_problems(tmp_path / "p.jsonl", text=json.dumps(PROBLEMS[0]) + "\n{\"id\": \"toy/1\",\n")
    expect(tmp_path, lambda: load_problems(problems), f"{problems}:2", "malformed JSON")


def test_line_that_is_not_an_object(tmp_path: Path) -> None:
    problems = write_problems(tmp_path / "p.jsonl", text=json.dumps(PROBLEMS[0]) + "\n[1, 2]\n")
    expect(tmp_path, lambda: load_problems(problems), f"{problems}:2", "expected a JSON object")


def test_truncated_gzip(tmp_path: Path) -> None:
    data = gzip.compress("".join(json.dumps(r) + "\n" for r in PROBLEMS * 50).encode())
    problems = tmp_path / "p.jsonl.gz"
    problems.write_bytes(data[: len(data) // 2])
    expect(tmp_path, lambda: load_problems(problems), str(problems), "unreadable after line")


def test_empty_problem_file(tmp_path: Path) -> None:
    problems = write_problems(tmp_path / "p.jsonl", text="\n")
    expect(tmp_path, lambda: load_problems(problems), str(problems), "no problems")


# --- sample files ---------------------------------------------------------------------------

def test_sample_file_missing_a_column(tmp_path: Path) -> None:
    problems = write_problems(tmp_path / "p.jsonl")
    samples = tmp_path / "s.parquet"
    schema = pa.schema([f for f in SAMPLE_SCHEMA if f.name != "text"])
    write_table(samples, GOOD_SAMPLES, schema)
    expect(tmp_path, lambda: run_verify(tmp_path, problems, samples), str(samples), "missing columns ['text']")


def test_sample_with_null_text(tmp_path: Path) -> None:
    problems = write_problems(tmp_path / "p.jsonl")
    samples = tmp_path / "s.parquet"
    write_samples(samples, [*GOOD_SAMPLES[:2], sample("toy/1", 0, None)])
    expect(tmp_path, lambda: run_verify(tmp_path, problems, samples), f"{samples}: row 2", "missing 'text'")


def test_sample_of_unknown_problem(tmp_path: Path) -> None:
    problems = write_problems(tmp_path / "p.jsonl")
    samples = tmp_path / "s.parquet"
    write_samples(samples, [*GOOD_SAMPLES, sample("toy/7", 0)])
    expect(tmp_path, lambda: run_verify(tmp_path, problems, samples), f"{samples}: row 4", "'toy/7'", str(problems))


def test_duplicate_sample(tmp_path: Path) -> None:
    problems = write_problems(tmp_path / "p.jsonl")
    samples = tmp_path / "s.parquet"
    write_samples(samples, [*GOOD_SAMPLES, sample("toy/0", 1)])
    expect(tmp_path, lambda: run_verify(tmp_path, problems, samples), f"{samples}: row 4", "duplicate sample 'toy/0' #1", "row 1")


def test_sample_without_index(tmp_path: Path) -> None:
    problems = write_problems(tmp_path / "p.jsonl")
    samples = tmp_path / "s.parquet"
    write_samples(samples, [{**GOOD_SAMPLES[0], "sample_index": None}])
    expect(tmp_path, lambda: run_verify(tmp_path, problems, samples), f"{samples}: row 0", "missing 'sample_index'")


def test_sample_file_that_is_not_parquet(tmp_path: Path) -> None:
    problems = write_problems(tmp_path / "p.jsonl")
    samples = tmp_path / "s.parquet"
    samples.write_bytes(b"PAR1 this is not a parquet file")
    expect(tmp_path, lambda: run_verify(tmp_path, problems, samples), str(samples), "not a readable parquet file")


def test_empty_sample_file(tmp_path: Path) -> None:
    problems = write_problems(tmp_path / "p.jsonl")
    samples = tmp_path / "s.parquet"
    write_samples(samples, [])
    expect(tmp_path, lambda: run_verify(tmp_path, problems, samples), str(samples), "no samples")


def test_jsonl_samples_name_the_line(tmp_path: Path) -> None:
    rows = [{"problem_id": "toy/0", "sample_index": 0, "text": "x"}, {"problem_id": "toy/0", "sample_index": 1}]
    expect(tmp_path, lambda: check_samples(rows, "mine.jsonl", {"toy/0": {}}, row_name="line"), "mine.jsonl: line 2", "'text'")


def test_empty_completion_is_legal_and_wrong(tmp_path: Path) -> None:
    """A model may stop at once: "" is a sample (no answer, so wrong), null would be lost data."""
    problems = write_problems(tmp_path / "p.jsonl")
    samples = tmp_path / "s.parquet"
    write_samples(samples, GOOD_SAMPLES)
    run_verify(tmp_path, problems, samples)
    verdicts = pq.read_table(tmp_path / "verdicts.parquet").to_pylist()
    assert [(v["problem_id"], v["sample_index"], v["status"]) for v in verdicts] == [
        ("toy/0", 0, "correct"), ("toy/0", 1, "correct"), ("toy/1", 0, "correct"), ("toy/1", 1, "no_answer")]


# --- verdict files (aggregation) --------------------------------------------------------------

def _aggregate(tmp_path: Path, problems: Path, *verdicts: Path) -> None:
    aggregate([str(v) for v in verdicts], str(problems), str(tmp_path / "problems.csv"), str(tmp_path / "verdicts.parquet"), n_expected=2)


def _verdict(pid: str, index: int, status: str = "correct") -> dict[str, Any]:
    return {"problem_id": pid, "sample_index": index, "correct": status == "correct", "status": status, "extracted": "2", "detail": ""}


def test_verdict_shard_listed_twice(tmp_path: Path) -> None:
    problems = write_problems(tmp_path / "p.jsonl")
    shard = tmp_path / "v0.parquet"
    write_verdicts(shard, [_verdict("toy/0", 0), _verdict("toy/1", 0)])
    expect(tmp_path, lambda: _aggregate(tmp_path, problems, shard, shard), str(shard), "duplicate verdict for problem 'toy/0' sample_index 0")


def test_verdict_with_unknown_status(tmp_path: Path) -> None:
    problems = write_problems(tmp_path / "p.jsonl")
    shard = tmp_path / "v0.parquet"
    write_table(shard, [_verdict("toy/0", 0), {**_verdict("toy/1", 0), "status": "maybe"}], VERDICT_SCHEMA)
    expect(tmp_path, lambda: _aggregate(tmp_path, problems, shard), str(shard), "'toy/1'", "unknown status 'maybe'")


def test_verdict_shard_missing(tmp_path: Path) -> None:
    problems = write_problems(tmp_path / "p.jsonl")
    expect(tmp_path, lambda: _aggregate(tmp_path, problems, tmp_path / "v9.parquet"), str(tmp_path / "v9.parquet"), "file not found")


# --- model snapshots --------------------------------------------------------------------------

def _model(tmp_path: Path) -> Path:
    from passk.models.download import write_manifest

    model = tmp_path / "model"
    model.mkdir()
    (model / "config.json").write_text("{}")
    (model / "model.safetensors").write_bytes(b"\0" * 1000)
    manifest = tmp_path / "manifest.json"
    write_manifest(model, manifest)
    return manifest


def test_model_file_changed_since_download(tmp_path: Path) -> None:
    manifest = _model(tmp_path)
    (tmp_path / "model" / "model.safetensors").write_bytes(b"\1" * 1000)  # same size: only the hash tells
    model_manifest.quick_model_check(manifest)
    expect(tmp_path, lambda: model_manifest.check_model_files(manifest), str(tmp_path / "model" / "model.safetensors"), str(manifest), "differs")
    assert manifest.exists()


def test_model_file_truncated(tmp_path: Path) -> None:
    manifest = _model(tmp_path)
    (tmp_path / "model" / "model.safetensors").write_bytes(b"\0" * 10)
    expect(tmp_path, lambda: model_manifest.quick_model_check(manifest), str(manifest), "recorded 1002", "truncated")


def test_model_file_missing(tmp_path: Path) -> None:
    manifest = _model(tmp_path)
    (tmp_path / "model" / "model.safetensors").unlink()
    expect(tmp_path, lambda: model_manifest.quick_model_check(manifest), str(tmp_path / "model" / "model.safetensors"), str(manifest), "missing")
    assert cli_main(["check-models", str(manifest)]) == 2


def test_model_manifest_not_json(tmp_path: Path) -> None:
    manifest = tmp_path / "manifest.json"
    manifest.write_text('{"model_dir": "x",\n "files": {\n')
    from passk.models.manifest import model_dir_from_manifest

    expect(tmp_path, lambda: model_dir_from_manifest(str(manifest)), str(manifest), "unreadable model manifest")


# --- benchmark sources ------------------------------------------------------------------------

def test_changed_benchmark_source_is_refused(tmp_path: Path, shared_data: Path) -> None:
    data = tmp_path / "data" / "humaneval_plus"
    data.mkdir(parents=True)
    release = shared_data / "humaneval_plus" / "HumanEvalPlus-v0.1.10.jsonl.gz"
    (data / release.name).write_bytes(release.read_bytes())
    cfg = {"name": "humaneval_plus", "family": "evalplus", "dataset": "humaneval_plus"}
    record_dir = tmp_path / "checksums"
    first = pipeline_prepare.record_benchmark_sources("humaneval_plus", cfg, str(tmp_path / "data"), tmp_path / "m1.json", checksum_dir=record_dir)
    assert first["sources"][0]["sha256"] == pipeline_prepare.sha256_file(release)
    (data / release.name).write_bytes(gzip.compress(b'{"task_id": "x"}\n'))  # a mirror served other bytes
    out = tmp_path / "verdicts.parquet"
    expect(tmp_path, lambda: pipeline_prepare.record_benchmark_sources("humaneval_plus", cfg, str(tmp_path / "data"), out, checksum_dir=record_dir),
           str(data / release.name), str(record_dir / "humaneval_plus.json"), "the source changed")


def test_pinned_math_file_with_other_bytes(tmp_path: Path, shared_data: Path) -> None:
    from passk.benchmarks.math import prepare as bm

    edited = tmp_path / "test.jsonl"
    edited.write_text((shared_data / "math" / "aime24" / "test.jsonl").read_text().replace("AIME", "AIMe", 1))
    cfg = {"family": "math", "dataset": "aime24", "file": str(edited), "sha256": bm.SOURCES["aime24"].sha256}
    expect(tmp_path, lambda: bm.prepare("aime24", cfg, None, tmp_path / "verdicts.parquet"), str(edited), "differs from the pinned")


# --- configs (cases not in tests/unit/test_config.py) --------------------------------------

def _smoke() -> dict[str, Any]:
    return yaml.safe_load((REPO / "config" / "smoke.yaml").read_text())


def _check(config: dict[str, Any]) -> None:
    schema = load_yaml_strict(REPO / "config" / "schema.yaml")
    errors = schema_errors(config, schema)
    if errors:
        raise ConfigError("invalid config:\n  " + "\n  ".join(errors))
    check_config(config)


@pytest.mark.parametrize(
    ("edit", "fragment"),
    [
        (lambda c: c["models"]["tiny-base"].update(temprature=0.6), "config key models.tiny-base: unknown key(s) ['temprature']"),
        (lambda c: c["sampling"].update(shard_size=3), "config key benchmarks.aime24.n: n=8 is not a multiple of the shard size 3"),
        (lambda c: c["figures"]["fig4_code"].update(models=[["tiny-base", "tiny-sft"]]), "config key figures.fig4_code.models: model 'tiny-sft' is not configured"),
        (lambda c: c["models"]["tiny-rl"].update(template="qwen25-math"), "config key models.tiny-rl.template: unknown template 'qwen25-math'"),
        (lambda c: c["benchmarks"]["gsm8k"].update(limit="five"), "config key benchmarks.gsm8k.limit"),
    ],
)
def test_smoke_config_errors_name_the_key(tmp_path: Path, edit: Callable[[dict[str, Any]], None], fragment: str) -> None:
    config = _smoke()
    edit(config)
    expect(tmp_path, lambda: _check(config), fragment, error=ConfigError)


def test_duplicate_model_name_names_file_and_line(tmp_path: Path) -> None:
    text = (REPO / "config" / "smoke.yaml").read_text().replace("  tiny-rl:\n", "  tiny-base:\n", 1)
    path = tmp_path / "dup.yaml"
    path.write_text(text)
    line = text.splitlines().index("  tiny-base:", text.splitlines().index("  tiny-base:") + 1) + 1
    expect(tmp_path, lambda: load_yaml_strict(path), f"{path}:{line}", "duplicate key 'tiny-base'", error=ConfigError)


def test_temporaries_of_killed_writers_are_swept(tmp_path):
    """A SIGKILLed writer leaves its temporary file; the next write of the same output removes it."""
    import os
    import signal
    import subprocess
    import sys
    import time

    from passk import io as pio

    dest = tmp_path / "curve[1].csv"
    script = (
        "import sys, time\nfrom passk.io import atomic_open\n"
        "with atomic_open(sys.argv[1]) as fh:\n    fh.write('half')\n    fh.flush()\n    print('writing', flush=True)\n    time.sleep(60)\n"
    )
    proc = subprocess.Popen([sys.executable, "-c", script, str(dest)], stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "writing"
    live = [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]
    assert len(live) == 1
    pio.write_text(tmp_path / "other.csv", "x")  # another output's write leaves it alone
    pio.write_text(dest, "x")  # the writer is alive: its file stays
    assert live[0].exists()
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert live[0].exists() and not dest.with_name("x").exists()
    old = tmp_path / f".{dest.name}.otherhost-1.abc.tmp"
    old.write_text("old")
    os.utime(old, (time.time() - pio.STALE_TMP_SECONDS - 10,) * 2)
    recent = tmp_path / f".{dest.name}.otherhost-1.def.tmp"
    recent.write_text("maybe alive elsewhere")
    pio.write_text(dest, "complete")
    assert dest.read_text() == "complete"
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")) == [recent.name]
