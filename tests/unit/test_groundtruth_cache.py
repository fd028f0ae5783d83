"""The ground-truth cache of ``passk verify-code``: a second call reuses the ground truth built by the
first, and a changed data file, harness code, limits or machine builds a new one.

Reuse is proven by counting calls of ``compute_groundtruth`` (the command calls it through its
module, so the wrapper sees every build) and by the cache file's modification time. The command
runs with the process sandbox backend on a one-problem HumanEval+ data file, so a build is quick.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

import pytest

from passk.benchmarks.evalplus import groundtruth as evalplus_groundtruth
from passk.benchmarks.evalplus import prepare as evalplus_prepare
from passk.cli import main
from passk.commands import groundtruth_cache
from passk.sandbox.settings import SandboxSettings


@pytest.fixture
def one_problem(shared_data: Path, tmp_path: Path) -> tuple[Path, dict[str, Any]]:
    """A HumanEval+ data file holding only HumanEval/0, and that record."""
    recs, _ = evalplus_prepare.load_raw("humaneval_plus", {"dataset": "humaneval_plus"}, str(shared_data))
    first = recs[0]
    path = tmp_path / "one.jsonl.gz"
    with gzip.open(path, "wt") as fh:
        fh.write(json.dumps(first) + "\n")
    return path, first


@pytest.fixture
def builds(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """Every ground truth ``compute_groundtruth`` writes, in order."""
    seen: list[Path] = []
    real = evalplus_groundtruth.compute_groundtruth

    def counting(problems_path: Any, out_path: Any, sandbox_cfg: dict[str, Any]) -> None:
        seen.append(Path(out_path))
        real(problems_path, out_path, sandbox_cfg)

    monkeypatch.setattr(evalplus_groundtruth, "compute_groundtruth", counting)
    return seen


def _verify(tmp_path: Path, data: Path, first: dict[str, Any], *extra: str) -> list[dict[str, Any]]:
    samples = tmp_path / "s.jsonl"
    samples.write_text(json.dumps({"task_id": first["task_id"], "solution": first["prompt"] + first["canonical_solution"]}) + "\n")
    out = tmp_path / "v.jsonl"
    rc = main(["verify-code", "--benchmark", "humaneval_plus", "--samples", str(samples), "--out", str(out),
               "--data-file", str(data), "--backend", "process", "--workers", "1", *extra])
    assert rc == 0
    return [json.loads(x) for x in out.read_text().splitlines()]


def test_second_call_reuses_the_cache_and_changes_rebuild(tmp_path: Path, one_problem: tuple[Path, dict[str, Any]],
                                                            builds: list[Path], monkeypatch: pytest.MonkeyPatch,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    data, first = one_problem
    cache = tmp_path / "cache"
    monkeypatch.setenv(groundtruth_cache.CACHE_ENV, str(cache))  # the env var names the cache ...

    assert _verify(tmp_path, data, first)[0]["status"] == "correct"
    assert len(builds) == 1 and builds[0].parent == cache and builds[0].is_file()
    assert "ground truth: cache built" in capsys.readouterr().err
    stamp = builds[0].stat().st_mtime_ns
    key = json.loads(builds[0].with_name(builds[0].name.removesuffix(".jsonl.zst") + ".key.json").read_text())
    assert key["benchmark"] == "humaneval_plus" and key["machine"]["cores"] and key["limits"]["backend"] == "process"

    assert _verify(tmp_path, data, first)[0]["status"] == "correct"
    assert len(builds) == 1, "the second call rebuilt the ground truth"
    assert builds[0].stat().st_mtime_ns == stamp
    assert f"ground truth: cache hit: {builds[0]}" in capsys.readouterr().err

    # A changed data file: one more plus input (the data's bytes change, so must the entry).
    changed = dict(first, plus_input=[*first["plus_input"], first["base_input"][0]])
    with gzip.open(data, "wt") as fh:
        fh.write(json.dumps(changed) + "\n")
    _verify(tmp_path, data, first)
    assert len(builds) == 2 and builds[1] != builds[0]

    # Changed harness code: another code version of the modules that compute the ground truth.
    monkeypatch.setattr(groundtruth_cache, "harness_version", lambda: "another-version")
    _verify(tmp_path, data, first)
    assert len(builds) == 3 and builds[2] not in builds[:2]

    # ... and the option overrides it.
    elsewhere = tmp_path / "elsewhere"
    _verify(tmp_path, data, first, "--groundtruth-cache", str(elsewhere))
    assert len(builds) == 4 and builds[3].parent == elsewhere


def test_build_only_fills_the_cache_that_verification_then_hits(tmp_path: Path, one_problem: tuple[Path, dict[str, Any]],
                                                                 builds: list[Path], capsys: pytest.CaptureFixture[str]) -> None:
    data, first = one_problem
    cache = tmp_path / "shared-cache"
    rc = main(["verify-code", "--benchmark", "humaneval_plus", "--build-groundtruth-only", "--data-file", str(data),
               "--backend", "process", "--groundtruth-cache", str(cache)])
    assert rc == 0 and len(builds) == 1
    assert capsys.readouterr().out.strip() == str(builds[0])
    _verify(tmp_path, data, first, "--groundtruth-cache", str(cache))
    assert len(builds) == 1


def test_explicit_groundtruth_file_is_built_once_then_reused(tmp_path: Path, one_problem: tuple[Path, dict[str, Any]],
                                                              builds: list[Path]) -> None:
    data, first = one_problem
    gt = tmp_path / "gt.jsonl.zst"
    _verify(tmp_path, data, first, "--groundtruth", str(gt), "--groundtruth-cache", str(tmp_path / "unused"))
    _verify(tmp_path, data, first, "--groundtruth", str(gt), "--groundtruth-cache", str(tmp_path / "unused"))
    assert builds == [gt] and not (tmp_path / "unused").exists()


def test_the_key_follows_limits_machine_and_harness(monkeypatch: pytest.MonkeyPatch) -> None:
    base = SandboxSettings.from_config({"backend": "process"})
    key = groundtruth_cache.cache_key("mbpp_plus", "d" * 64, base)
    root = Path("/c")
    path = groundtruth_cache.entry_path(root, key)
    assert groundtruth_cache.entry_path(root, groundtruth_cache.cache_key("mbpp_plus", "d" * 64, base)) == path
    # builder threads and batch size change how fast it is built, not what it holds
    same = SandboxSettings.from_config({"backend": "process", "groundtruth_workers": 4, "batch_size": 3})
    assert groundtruth_cache.entry_path(root, groundtruth_cache.cache_key("mbpp_plus", "d" * 64, same)) == path
    for change in ({"memory_mb": base.memory_mb * 2}, {"max_output_bytes": base.max_output_bytes + 1},
                   {"time_limit_factor": base.time_limit_factor + 1}, {"backend": "bwrap"}):
        other = SandboxSettings.from_config({"backend": "process", **change})
        assert groundtruth_cache.entry_path(root, groundtruth_cache.cache_key("mbpp_plus", "d" * 64, other)) != path, change
    assert groundtruth_cache.entry_path(root, groundtruth_cache.cache_key("mbpp_plus", "e" * 64, base)) != path
    monkeypatch.setattr(groundtruth_cache, "machine", lambda: {"cpu_model": "another CPU", "cores": 64, "arch": "x86_64"})
    assert groundtruth_cache.entry_path(root, groundtruth_cache.cache_key("mbpp_plus", "d" * 64, base)) != path


def test_the_harness_version_covers_the_code_that_computes_the_ground_truth() -> None:
    modules = groundtruth_cache.closure(groundtruth_cache.HARNESS_ROOTS)
    for name in ("passk.benchmarks.evalplus.groundtruth", "passk.benchmarks.evalplus.execute",
                 "passk.benchmarks.evalplus.judge", "passk.benchmarks.evalplus.prepare", "passk.sandbox.session",
                 "passk.sandbox.settings", "passk.sandbox.wire"):
        assert name in modules, name
    assert groundtruth_cache.harness_version() == groundtruth_cache.version_of(modules)


def test_cache_root_precedence(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv(groundtruth_cache.CACHE_ENV, raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert groundtruth_cache.cache_root() == tmp_path / "xdg" / "passk" / "groundtruth"
    monkeypatch.delenv("XDG_CACHE_HOME")
    assert groundtruth_cache.cache_root() == Path.home() / ".cache" / "passk" / "groundtruth"
    monkeypatch.setenv(groundtruth_cache.CACHE_ENV, str(tmp_path / "env"))
    assert groundtruth_cache.cache_root() == tmp_path / "env"
    assert groundtruth_cache.cache_root(str(tmp_path / "opt")) == tmp_path / "opt"


def _entry(value: int) -> dict[str, Any]:
    return {"base": [value], "plus": [value + 1], "base_time": [0.1], "plus_time": [0.2], "base_bytes": [1], "plus_bytes": [1]}


def test_per_task_layout_reads_only_the_tasks_asked_for(tmp_path: Path) -> None:
    path = tmp_path / "gt.jsonl.zst"
    with open(path, "wb") as fh:
        evalplus_groundtruth.write_groundtruth(fh, {"problems": "p"}, {"A/0": _entry(1), "B/1": _entry(5), "C/2": _entry(9)})
    whole = evalplus_groundtruth.read_groundtruth(path)
    assert whole["meta"] == {"problems": "p", "format": evalplus_groundtruth.FORMAT} and whole["tasks"]["B/1"] == _entry(5)
    # Spoil B's member: a job that verifies A and C never reads it; one that needs B is told.
    f = evalplus_groundtruth._GroundTruthFile(path)
    offset, length = f.index["B/1"]
    data = bytearray(path.read_bytes())
    data[f.data_start + offset + 10 : f.data_start + offset + length - 8] = b"\0" * (length - 18)
    spoiled = tmp_path / "spoiled.jsonl.zst"
    spoiled.write_bytes(bytes(data))
    got = evalplus_groundtruth.load_groundtruth(str(spoiled), ["A/0", "C/2", "Z/9"])
    assert sorted(got) == ["A/0", "C/2"] and got["C/2"]["plus"] == [10] and got["A/0"]["texts"] == [b"1", b"2"]
    with pytest.raises(evalplus_groundtruth.DataError, match="unreadable ground truth"):
        evalplus_groundtruth.load_groundtruth(str(spoiled), ["B/1"])
    assert sorted(evalplus_groundtruth.load_groundtruth(str(path))) == ["A/0", "B/1", "C/2"]


def _gzip_layout(path: Path, fmt: int, entry: dict[str, Any], lines: list[str] | None = None) -> None:
    """A file of an older gzip layout: format 3 (the task's member one JSON object) or 4 (its lines)."""
    text = "\n".join(lines) + "\n" if lines is not None else json.dumps(entry, sort_keys=True) + "\n"
    blob = gzip.compress(text.encode())
    with open(path, "wb") as fh:
        fh.write(gzip.compress((json.dumps({"meta": {"format": fmt}, "index": {"A/0": [0, len(blob)]}}) + "\n").encode()))
        fh.write(blob)


def test_outputs_are_lines_of_text_read_as_such(tmp_path: Path) -> None:
    """Format 5 keeps each output's encoding as one line of JSON text, with evalplus's is_floats and
    the NaN flag per output: a verify job parses none of them; format 4 and 3 files load to the same."""
    import math

    import zstandard

    from passk.sandbox import wire

    outputs = [1.5, [1.0, 2.0], [1, 2.0], "a\nb", wire.encode(math.nan), wire.encode([0.5] * 20), wire.encode((1, [2, {3}])),
               wire.encode([math.nan] * 20), 10**30]
    entry = {"base": outputs[:3], "plus": outputs[3:], "base_time": [0.1] * 3,
             "plus_time": [0.1] * 6, "base_bytes": [1] * 3, "plus_bytes": [1] * 6}
    new, gz4, gz3 = tmp_path / "gt5.jsonl.zst", tmp_path / "gt4.json.gz", tmp_path / "gt3.json.gz"
    with open(new, "wb") as fh:
        evalplus_groundtruth.write_groundtruth(fh, {}, {"A/0": entry})
    with zstandard.ZstdDecompressor().stream_reader(new.read_bytes(), read_across_frames=True) as r:
        lines = r.read().decode().splitlines()  # what zstdcat shows: the header, the task's head, its outputs
    assert lines[2:] == [wire.dumps(v) for v in outputs]
    _gzip_layout(gz4, 4, entry, lines[1:])
    _gzip_layout(gz3, 3, entry)
    assert evalplus_groundtruth.read_groundtruth(new)["tasks"]["A/0"] == entry
    assert evalplus_groundtruth.read_groundtruth(gz4)["tasks"]["A/0"] == entry
    for path in (new, gz4, gz3):
        got = evalplus_groundtruth.load_groundtruth(str(path))["A/0"]
        assert got["texts"] == [wire.dumps(v).encode() for v in outputs]
        assert got["floats"] == [True, True, False, False, True, True, False, True, False]
        assert got["by_bytes"] == [True, True, True, True, False, True, True, False, True]
        assert list(got["base"]) == [1.5, [1.0, 2.0], [1, 2.0]] and got["plus"][3] == (1, [2, {3}])
        assert got["plus"][5] == 10**30 and len(got["plus"]) == 6


def test_a_damaged_frame_is_an_error_not_other_outputs(tmp_path: Path) -> None:
    """One flipped byte in a task's frame: its checksum catches it, whatever the byte decodes to."""
    path = tmp_path / "gt.jsonl.zst"
    with open(path, "wb") as fh:
        evalplus_groundtruth.write_groundtruth(fh, {}, {"A/0": _entry(1), "B/1": _entry(5)})
    f = evalplus_groundtruth._GroundTruthFile(path)
    offset, length = f.index["B/1"]
    for at in range(6, length):  # every byte after the frame's magic and header
        data = bytearray(path.read_bytes())
        data[f.data_start + offset + at] ^= 0x40
        spoiled = tmp_path / f"spoiled{at}.jsonl.zst"
        spoiled.write_bytes(bytes(data))
        with pytest.raises(evalplus_groundtruth.DataError, match="unreadable ground truth"):
            evalplus_groundtruth.load_groundtruth(str(spoiled), ["B/1"])
        assert evalplus_groundtruth.load_groundtruth(str(spoiled), ["A/0"])["A/0"]["base"] == [1]


def test_format_2_files_still_load(tmp_path: Path) -> None:
    path = tmp_path / "old.json.gz"
    with gzip.open(path, "wt") as fh:
        json.dump({"meta": {"format": 2}, "tasks": {"A/0": _entry(3)}}, fh)
    assert evalplus_groundtruth.load_groundtruth(str(path))["A/0"]["base"] == [3]
    assert evalplus_groundtruth.read_groundtruth(path)["tasks"]["A/0"] == _entry(3)
