"""Loader of the math benchmarks (GSM8K, MATH500, Minerva, OlympiadBench, AIME24/25, AMC23, Omni-MATH-Rule).

The paper evaluates on the JSONL files shipped with the authors' code (LeapLabTHU/limit-of-RLVR
``math/examples/math_eval/data/{dataset}/test.jsonl`` at commit fd2cf37); Omni-MATH-Rule and AIME25
come from the repositories named in /work/shared/data/MANIFEST.md. Every file is pinned by sha256,
so a re-download or a local copy that differs by one byte is refused instead of silently shifting
problem indices (Table 4 of the paper reports solvable sets by 0-based file position).

Problem ids are ``{dataset}/{i}`` with ``i`` the 0-based line position: stable across runs and
unique by construction. The source's own id field (``unique_id``, ``id`` or ``idx``) is kept in
``metadata.source_id`` and checked for duplicates, which catch a file that was concatenated or
edited by mistake.
"""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np


from passk.benchmarks.math.gold import gold_from_record, question_from_record, reference_solution
from passk.errors import ConfigError, DataError
from passk.io import atomic_path, iter_jsonl, sha256_file, write_jsonl

RLVR_REPO = "LeapLabTHU/limit-of-RLVR"
RLVR_COMMIT = "fd2cf37f05cc7dced9c558fa358a18e0497cb463"


@dataclass(frozen=True)
class MathSource:
    """Where a dataset officially lives, and the bytes we expect from it."""

    repo: str
    revision: str
    path: str
    sha256: str
    records: int
    source_id_key: str | None  # the source's own unique id field, checked for duplicates

    @property
    def url(self) -> str:
        return f"https://raw.githubusercontent.com/{self.repo}/{self.revision}/{self.path}"


def _rlvr(dataset: str, sha: str, n: int, id_key: str | None) -> MathSource:
    return MathSource(RLVR_REPO, RLVR_COMMIT, f"math/examples/math_eval/data/{dataset}/test.jsonl", sha, n, id_key)


# sha256 and record counts from /work/shared/data/MANIFEST.md
SOURCES: dict[str, MathSource] = {
    "gsm8k": _rlvr("gsm8k", "9f098df7ff4522078d6ccec27a5c38a454790fdb51131bedfaa0e490070d5394", 1319, "idx"),
    "math500": _rlvr("math500", "35dc41080a3680858b27fa7e0533d2d547825316fc5dafe5d316f4ccc5a06132", 500, "unique_id"),
    "minerva_math": _rlvr("minerva_math", "0e656b430d3a0a1dab6aa853f453ba3805e28e2cabe4fc72486a897cc09d8ba2", 272, "idx"),
    "olympiadbench": _rlvr("olympiadbench", "bb8c1e38a16ea9eacb77530315a674d883f267fbff79183effc53681b4fcc416", 675, "id"),
    "aime24": _rlvr("aime24", "af2b8bd2aa911b6333ad0df32f3ca05c7ae8ed10f1731f4372c8ae26990bf7ac", 30, "id"),
    "amc23": _rlvr("amc23", "43707e1ca784602d8479de24ee8ce36609dbebc46dd152b0b12a46611aa898a4", 40, "id"),
    "omni_math_rule": MathSource(
        "KbsdJames/omni-math-rule", "4793415ef37d31c9cdb4e5b82dbe172f76f8cf08", "omni_math_rule.jsonl",
        "d566d5b5a9865a04b507fdc4c0669cf0ff391748e13f190ecc925e78b584b172", 2821, None,
    ),
    "aime25": MathSource(
        "microsoft/G-KV", "d8ac545098bea6cd626c6add2e8f15a8e969012b", "data/aime25.jsonl",
        "6caa6dcafd9a6ba06babe30e43e9a76a8272c12d2a84e479601754c1c701742c", 30, None,
    ),
}

DATASETS = tuple(SOURCES)

# Per-dataset fields worth carrying into the problem record (analysis, plots by level, units).
_METADATA_KEYS: dict[str, tuple[str, ...]] = {
    "math500": ("subject", "level"),
    "minerva_math": ("type",),
    "olympiadbench": ("subfield", "answer_type", "unit", "is_multiple_answer"),
    "aime24": ("url",),
    "amc23": ("url",),
    "omni_math_rule": ("domain", "difficulty", "source"),
}


def _cache_dir(cfg: dict[str, Any]) -> Path:
    if cfg.get("cache_dir"):
        return Path(cfg["cache_dir"])
    base = os.environ.get("PASSK_CACHE_DIR") or os.path.join(os.path.expanduser("~"), ".cache", "passk")
    return Path(base) / "math"


def check_sha256(path: Path, expected: str) -> None:
    """Refuse a file whose bytes differ from the pinned ones (naming the file and both hashes)."""
    actual = sha256_file(path)
    if actual != expected:
        raise DataError(f"{path}: sha256 {actual} differs from the pinned {expected}; "
                        "the file is truncated, edited or a different version")


def download(url: str, dest: Path, expected_sha256: str | None, timeout: float = 60.0, *, local_copy: str = "") -> Path:
    """Fetch ``url`` to ``dest`` atomically and check its sha256 (cached: an intact file is reused).

    A failed download names ``url`` and where a local copy would be read (``local_copy``).
    """
    if dest.exists() and (expected_sha256 is None or sha256_file(dest) == expected_sha256):
        return dest
    try:
        with atomic_path(dest) as tmp:
            with urllib.request.urlopen(url, timeout=timeout) as resp, open(tmp, "wb") as fh:  # noqa: S310 (pinned https URL)
                while block := resp.read(1 << 20):
                    fh.write(block)
            actual = sha256_file(tmp)
            if expected_sha256 is not None and actual != expected_sha256:
                raise DataError(f"{url}: downloaded file ({dest.name}) has sha256 {actual}, which differs from the "
                                f"pinned {expected_sha256}; not using it")
    except (urllib.error.URLError, OSError, TimeoutError) as exc:
        where = f"a data folder holding {local_copy}" if local_copy else "a data folder"
        raise DataError(f"could not download {url} ({getattr(exc, 'reason', None) or exc}). Offline? Use a local copy: "
                        f"{where} (set PASSK_DATA_DIR, or pass --data-dir DIR to passk verify-math, or data_dir in "
                        "the workflow config), or the file itself (benchmarks.<name>.file)") from None
    return dest


def resolve_source(name: str, cfg: dict[str, Any], data_dir: str | os.PathLike[str] | None) -> tuple[Path, str | None]:
    """The local file to read and the sha256 it must have (None: not pinned, e.g. a user's own file).

    Order: ``cfg.file`` (explicit path; pinned only if ``cfg.sha256`` is given), then
    ``{data_dir}/math/{dataset}/test.jsonl``, then a download of ``cfg.url`` or the official source.
    """
    dataset = cfg.get("dataset")
    if dataset not in SOURCES:
        raise ConfigError(f"benchmarks.{name}.dataset: unknown math dataset {dataset!r}; known: {', '.join(DATASETS)}")
    src = SOURCES[dataset]
    if cfg.get("file"):
        path = Path(cfg["file"])
        if not path.exists():
            raise DataError(f"{path}: file not found (benchmarks.{name}.file)")
        return path, cfg.get("sha256")
    expected = cfg.get("sha256", src.sha256)
    if data_dir is not None:
        path = Path(data_dir) / "math" / dataset / "test.jsonl"
        if not path.exists():
            raise DataError(f"{path}: file not found (data_dir for benchmark {name})")
        return path, expected
    if cfg.get("url"):
        url = str(cfg["url"])
    else:
        revision = cfg.get("revision", src.revision)
        url = f"https://raw.githubusercontent.com/{src.repo}/{revision}/{src.path}"
        if revision != src.revision and "sha256" not in cfg:
            expected = None  # another revision has other bytes; the user takes responsibility
    dest = _cache_dir(cfg) / dataset / (expected or "unpinned") / "test.jsonl"
    return download(url, dest, expected, local_copy=f"math/{dataset}/test.jsonl"), expected


def load_records(path: Path, dataset: str, limit: int | None = None) -> list[dict[str, Any]]:
    """Canonical problem records of one file, in file order (the first ``limit`` only, if given)."""
    records: list[dict[str, Any]] = []
    seen_source: dict[str, int] = {}
    src = SOURCES[dataset]
    for lineno, rec in iter_jsonl(path):
        if limit is not None and len(records) >= limit:
            break
        where = f"{path}:{lineno}"
        gold = gold_from_record(dataset, rec, where)
        question = question_from_record(rec, gold, where)
        index = len(records)
        meta: dict[str, Any] = {"dataset": dataset, "line": lineno}
        if src.source_id_key is not None:
            if src.source_id_key not in rec:
                raise DataError(f"{where}: missing field {src.source_id_key!r}")
            sid = str(rec[src.source_id_key])
            if sid in seen_source:
                raise DataError(f"{where}: duplicate {src.source_id_key} {sid!r} (first on line {seen_source[sid]})")
            seen_source[sid] = lineno
            meta["source_id"] = sid
        raw = rec.get("answer")
        if dataset in ("aime24", "amc23", "aime25", "omni_math_rule") and raw is not None and str(raw) != gold:
            meta["raw_answer"] = raw  # e.g. AMC's float 27.0, kept for provenance
        for key in _METADATA_KEYS.get(dataset, ()):
            if key in rec:
                meta[key] = rec[key]
        solution = reference_solution(dataset, rec)
        if solution:
            meta["solution"] = solution  # the benchmark's worked solution, shown on the lucky-guess review page
        records.append({"id": f"{dataset}/{index}", "benchmark": "", "index": index, "question": question,
                        "answer": gold, "metadata": meta})
    if not records:
        raise DataError(f"{path}: no records")
    return records


# Omni-MATH-Rule's train/test split (paper §4.3: 2,000 / 821). The authors did not release theirs,
# so ours is a seeded random draw, committed as problem ids beside this module (make_split).
SPLIT_FILE = "omni_math_rule_split.json"
SPLIT_SEED = 20250418
SPLIT_SIZES = {"train": 2000, "test": 821}


def make_split(n_records: int, seed: int = SPLIT_SEED, sizes: dict[str, int] = SPLIT_SIZES) -> dict[str, list[int]]:
    """A seeded random partition of the 0-based line indices 0..n-1 into the named parts (each sorted)."""
    if sum(sizes.values()) != n_records:
        raise DataError(f"split sizes {sizes} do not add up to the {n_records} records")
    order = np.random.default_rng(seed).permutation(n_records)
    out, start = {}, 0
    for part, size in sizes.items():
        out[part] = sorted(int(i) for i in order[start:start + size])
        start += size
    return out


def split_indices(dataset: str, part: str) -> set[int]:
    """The line indices of one part of a dataset's committed split."""
    path = Path(__file__).with_name(SPLIT_FILE)
    data = json.loads(path.read_text(encoding="utf-8"))
    if data["dataset"] != dataset or part not in data["parts"]:
        raise ConfigError(f"split {part!r}: {path.name} splits {data['dataset']!r} into {sorted(data['parts'])}")
    return {int(pid.rsplit("/", 1)[1]) for pid in data["parts"][part]}


def prepare(name: str, cfg: dict[str, Any], data_dir: str | os.PathLike[str] | None, out_path: str | os.PathLike[str]) -> int:
    """Write benchmark ``name``'s canonical problem records to ``out_path`` (JSONL); return the count.

    ``cfg``: ``family: math``, ``dataset`` (one of ``DATASETS``), optional ``file``, ``limit``,
    ``url``/``revision``/``sha256`` (official source override), ``cache_dir``.
    """
    if cfg.get("family", "math") != "math":
        raise ConfigError(f"benchmarks.{name}.family: expected 'math', got {cfg.get('family')!r}")
    limit = cfg.get("limit")
    if limit is not None and (not isinstance(limit, int) or isinstance(limit, bool) or limit < 1):
        raise ConfigError(f"benchmarks.{name}.limit: must be a positive integer, got {limit!r}")
    path, expected = resolve_source(name, cfg, data_dir)
    if expected is not None:
        check_sha256(path, expected)
    dataset = cfg["dataset"]
    split = cfg.get("split")
    records = load_records(path, dataset, None if split else limit)
    if expected is not None and (limit is None or split) and len(records) != SOURCES[dataset].records and "sha256" not in cfg:
        raise DataError(f"{path}: {len(records)} records, expected {SOURCES[dataset].records}")
    if split:
        keep = split_indices(dataset, str(split))
        records = [rec for rec in records if rec["index"] in keep][:limit]
    for rec in records:
        rec["benchmark"] = name
    return write_jsonl(out_path, records)


def sources(name: str, cfg: dict[str, Any], data_dir: str | os.PathLike[str] | None) -> list[dict[str, Any]]:
    """The file a benchmark's problems were read from, with its URL, revision and pinned sha256.

    Called after ``prepare``, so a download is already in its cache and nothing is fetched.
    """
    path, expected = resolve_source(name, cfg, data_dir)
    src = SOURCES[cfg["dataset"]]
    return [{"path": str(path), "url": None if (cfg.get("file") or data_dir) else cfg.get("url", src.url),
             "revision": cfg.get("revision", src.revision), "pinned_sha256": expected}]
