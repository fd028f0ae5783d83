"""The math benchmark loader: canonical records, pinned hashes, and errors that name file and line."""

from __future__ import annotations

import hashlib
import io
import json
import os
from pathlib import Path

import pytest

from passk.benchmarks.math import prepare as mb
from passk.errors import ConfigError, DataError
from passk.io import read_jsonl

REPO_ROOT = Path(__file__).resolve().parents[2]


def _data_dir() -> Path:
    return Path(os.environ.get("PASSK_DATA_DIR", REPO_ROOT.parent / "shared" / "data"))


needs_data = pytest.mark.skipif(
    not (_data_dir() / "math").is_dir(),
    reason=f"real math data not found under {_data_dir()} (set PASSK_DATA_DIR to the shared data root)",
)

EXPECTED = {  # dataset: (records, gold of record 0)
    "gsm8k": (1319, "18"),
    "math500": (500, "\\left( 3, \\frac{\\pi}{2} \\right)"),
    "minerva_math": (272, "1.6"),
    "olympiadbench": (675, None),
    "aime24": (30, None),
    "amc23": (40, "27"),
    "omni_math_rule": (2821, None),
    "aime25": (30, "70"),
}


@needs_data
@pytest.mark.parametrize("dataset", sorted(EXPECTED))
def test_prepare_real(dataset: str, tmp_path: Path) -> None:
    out = tmp_path / "p.jsonl"
    n = mb.prepare(f"{dataset}_x", {"family": "math", "dataset": dataset}, str(_data_dir()), out)
    recs = read_jsonl(out)
    count, gold0 = EXPECTED[dataset]
    assert n == len(recs) == count
    assert [r["index"] for r in recs] == list(range(count))
    assert len({r["id"] for r in recs}) == count and recs[5]["id"] == f"{dataset}/5"
    assert all(set(r) == {"id", "benchmark", "index", "question", "answer", "metadata"} for r in recs)
    assert all(r["benchmark"] == f"{dataset}_x" and r["question"] and r["answer"] for r in recs)
    if gold0 is not None:
        assert recs[0]["answer"] == gold0


@needs_data
def test_prepare_limit_and_amc_raw(tmp_path: Path) -> None:
    out = tmp_path / "p.jsonl"
    assert mb.prepare("amc", {"family": "math", "dataset": "amc23", "limit": 3}, _data_dir(), out) == 3
    rec = read_jsonl(out)[0]
    assert rec["answer"] == "27" and rec["metadata"]["raw_answer"] == 27.0


@needs_data
def test_prepare_is_deterministic(tmp_path: Path) -> None:
    a, b = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    for out in (a, b):
        mb.prepare("math500", {"family": "math", "dataset": "math500"}, _data_dir(), out)
    assert a.read_bytes() == b.read_bytes()


def _write(path: Path, lines: list[str]) -> Path:
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return path


def _m500(uid: str, box: str = "1") -> str:
    return json.dumps({"problem": "P", "solution": f"so \\boxed{{{box}}}", "answer": box, "unique_id": uid})


def test_duplicate_source_id(tmp_path: Path) -> None:
    f = _write(tmp_path / "t.jsonl", [_m500("a"), _m500("b"), _m500("a")])
    with pytest.raises(DataError, match=rf"{f}:3: duplicate unique_id 'a' \(first on line 1\)"):
        mb.prepare("m", {"family": "math", "dataset": "math500", "file": str(f)}, None, tmp_path / "o.jsonl")


def test_missing_field(tmp_path: Path) -> None:
    f = _write(tmp_path / "t.jsonl", [_m500("a"), json.dumps({"problem": "P", "unique_id": "b"})])
    with pytest.raises(DataError, match=rf"{f}:2: missing field 'solution'"):
        mb.prepare("m", {"family": "math", "dataset": "math500", "file": str(f)}, None, tmp_path / "o.jsonl")


def test_truncated_file(tmp_path: Path) -> None:
    f = tmp_path / "t.jsonl"
    f.write_text(_m500("a") + "\n" + _m500("b")[:25], encoding="utf-8")
    with pytest.raises(DataError, match=rf"{f}:2: malformed JSON"):
        mb.prepare("m", {"family": "math", "dataset": "math500", "file": str(f)}, None, tmp_path / "o.jsonl")
    assert not (tmp_path / "o.jsonl").exists()


def test_data_dir_hash_mismatch(tmp_path: Path) -> None:
    f = tmp_path / "math" / "math500" / "test.jsonl"
    f.parent.mkdir(parents=True)
    _write(f, [_m500("a")])
    with pytest.raises(DataError, match=rf"{f}: sha256 .* differs from the pinned 35dc4108"):
        mb.prepare("m", {"family": "math", "dataset": "math500"}, tmp_path, tmp_path / "o.jsonl")


def test_explicit_file_with_sha(tmp_path: Path) -> None:
    f = _write(tmp_path / "t.jsonl", [_m500("a", "\\frac{1}{2}"), _m500("b")])
    sha = hashlib.sha256(f.read_bytes()).hexdigest()
    cfg = {"family": "math", "dataset": "math500", "file": str(f), "sha256": sha}
    assert mb.prepare("m", cfg, None, tmp_path / "o.jsonl") == 2
    assert read_jsonl(tmp_path / "o.jsonl")[0]["answer"] == "\\frac{1}{2}"
    with pytest.raises(DataError, match="differs from the pinned"):
        mb.prepare("m", {**cfg, "sha256": "0" * 64}, None, tmp_path / "o.jsonl")


def test_config_errors(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="benchmarks.m.dataset: unknown math dataset 'mathx'"):
        mb.prepare("m", {"family": "math", "dataset": "mathx"}, None, tmp_path / "o.jsonl")
    with pytest.raises(ConfigError, match="benchmarks.m.limit"):
        mb.prepare("m", {"family": "math", "dataset": "math500", "limit": 0}, None, tmp_path / "o.jsonl")


class _FakeResponse(io.BytesIO):
    def __enter__(self) -> "_FakeResponse":
        return self

    def __exit__(self, *a: object) -> None:
        self.close()


def test_download_checks_hash(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The official-source path (no data_dir) downloads the pinned file and refuses other bytes."""
    urls: list[str] = []

    def fake_urlopen(url: str, timeout: float = 0) -> _FakeResponse:
        urls.append(url)
        return _FakeResponse((_m500("a") + "\n").encode())

    monkeypatch.setattr(mb.urllib.request, "urlopen", fake_urlopen)
    cfg = {"family": "math", "dataset": "math500", "cache_dir": str(tmp_path / "cache")}
    with pytest.raises(DataError, match="differs from the pinned 35dc4108"):
        mb.prepare("m", cfg, None, tmp_path / "o.jsonl")
    assert urls == [f"https://raw.githubusercontent.com/LeapLabTHU/limit-of-RLVR/{mb.RLVR_COMMIT}/"
                    "math/examples/math_eval/data/math500/test.jsonl"]
    assert not list((tmp_path / "cache").rglob("test.jsonl"))  # nothing half-trusted left behind
    body = (_m500("a") + "\n").encode()
    cfg2 = {**cfg, "url": "https://example.org/x.jsonl", "sha256": hashlib.sha256(body).hexdigest()}
    assert mb.prepare("m", cfg2, None, tmp_path / "o.jsonl") == 1
