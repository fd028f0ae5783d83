"""Checks of every file a user (or a mirror) can hand the workflow, with one precise message each.

A paper grid costs days of GPU time, so a bad input must stop the job it hits with a message that
names the file and the line, row or key, and must never delete or overwrite a result that was
already computed (every check here runs before anything is written, and outputs are atomic).

- Problem files (``results/problems/{bench}.jsonl``, or a user's own): schema of every record
  and duplicate ids (``load_problems``).
- Sample shards (parquet or the CLI's JSONL): required fields, unknown problem ids, duplicate
  ``(problem_id, sample_index)`` (``check_samples``). An *empty* completion is legal — a model can
  emit end-of-sequence first, and that sample is simply wrong (``no_answer``); a *missing*
  (null) text is an error, because it means the file lost data.
- Benchmark sources: the files a loader read are recorded with sha256 (and URL/revision where
  known) in ``results/problems/{bench}.manifest.json``; a record of the first hashes seen is kept
  in ``resources/checksums/benchmarks/{bench}.json`` and a later prepare that reads different
  bytes is refused (``record_benchmark_sources``). Pinned hashes (the math loaders') are checked by
  the loaders themselves.
- Model snapshots: ``check_model_files`` re-hashes a snapshot against its manifest
  (``python -m passk.checks check-models resources/models/*/manifest.json``); ``quick_model_check``
  is the cheap per-job version (every listed file present, total size unchanged).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from passk.errors import DataError, PasskError
from passk.io import iter_jsonl, read_json, sha256_file, write_json

# Keys a canonical problem record must have, and the family-specific payload.
PROBLEM_KEYS: dict[str, type | tuple[type, ...]] = {"id": str, "index": int, "question": str}
FAMILY_PAYLOAD: dict[str, tuple[str, type | tuple[type, ...]]] = {
    "math": ("answer", str),
    "evalplus": ("tests", dict),
    "livecodebench": ("tests", (dict, list)),
}
SAMPLE_REQUIRED: tuple[str, ...] = ("problem_id", "sample_index", "text")

CHECKSUM_DIR = Path("resources") / "checksums" / "benchmarks"


# --- problem files -------------------------------------------------------------------------

def load_problems(path: str | os.PathLike[str], family: str | None = None) -> dict[str, dict[str, Any]]:
    """Problems by id, refusing a record without the canonical keys or a duplicate id (file:line).

    ``family`` adds the family's payload check (math needs a string ``answer``, code a ``tests``
    object), so a problem file of the wrong family is caught before any verification runs.
    """
    problems: dict[str, dict[str, Any]] = {}
    line_of: dict[str, int] = {}
    payload = FAMILY_PAYLOAD.get(family) if family else None
    for lineno, record in iter_jsonl(path):
        where = f"{path}:{lineno}"
        for key, kind in PROBLEM_KEYS.items():
            value = record.get(key)
            if value is None:
                raise DataError(f"{where}: problem record has no {key!r}")
            if not isinstance(value, kind) or isinstance(value, bool):
                raise DataError(f"{where}: problem key {key!r} should be {_kind_name(kind)}, got {type(value).__name__}")
        pid = record["id"]
        if not pid:
            raise DataError(f"{where}: problem key 'id' is empty")
        if payload is not None:
            key, kind = payload
            if not isinstance(record.get(key), kind):
                raise DataError(f"{where}: problem {pid!r} has no {key!r} of type {_kind_name(kind)} "
                                f"(a {family} benchmark needs one; is this the right problem file?)")
        if pid in problems:
            raise DataError(f"{where}: duplicate problem id {pid!r} (first on line {line_of[pid]})")
        problems[pid] = record
        line_of[pid] = lineno
    if not problems:
        raise DataError(f"{path}: no problems (empty file)")
    return problems


def _kind_name(kind: type | tuple[type, ...]) -> str:
    kinds = kind if isinstance(kind, tuple) else (kind,)
    names = {str: "a string", int: "an integer", dict: "an object", list: "a list"}
    return " or ".join(names.get(k, k.__name__) for k in kinds)


# --- sample files --------------------------------------------------------------------------

def check_samples(rows: Sequence[dict[str, Any]], path: str | os.PathLike[str], problems: dict[str, Any], *,
                  problems_path: str | os.PathLike[str] | None = None, row_name: str = "row") -> None:
    """Refuse samples with a missing field, an unknown problem id or a repeated (problem, index).

    ``row_name`` is how a position is named in the message (``row`` for parquet, counted from 0;
    ``line`` for JSONL, counted from 1 by the caller passing ``line`` and 1-based rows).
    An empty string ``text`` is accepted (see the module docstring); a null one is not.
    """
    if not rows:
        raise DataError(f"{path}: no samples (empty file)")
    seen: dict[tuple[str, int], int] = {}
    base = 1 if row_name == "line" else 0
    for pos, row in enumerate(rows, start=base):
        where = f"{path}: {row_name} {pos}"
        for key in SAMPLE_REQUIRED:
            if row.get(key) is None:
                raise DataError(f"{where}: missing {key!r}" + (" (an empty completion is \"\", not null)" if key == "text" else ""))
        if not isinstance(row["text"], str):
            raise DataError(f"{where}: 'text' should be a string, got {type(row['text']).__name__}")
        pid = row["problem_id"]
        if pid not in problems:
            src = f" in {problems_path}" if problems_path else ""
            raise DataError(f"{where}: problem id {pid!r} is not a problem{src}")
        index = row["sample_index"]
        if isinstance(index, bool) or not isinstance(index, int) or index < 0:
            raise DataError(f"{where}: 'sample_index' should be a non-negative integer, got {index!r}")
        key = (str(pid), int(index))
        if key in seen:
            raise DataError(f"{where}: duplicate sample {pid!r} #{index} (first at {row_name} {seen[key]})")
        seen[key] = pos


# --- benchmark sources ---------------------------------------------------------------------

def benchmark_sources(name: str, cfg: dict[str, Any], data_dir: str | None) -> list[dict[str, Any]]:
    """The source files a benchmark's problems were read from, with sha256 and URL/revision.

    Called after ``prepare`` (so a download is already in its cache and nothing is fetched);
    a family or mode whose source cannot be located locally gives an entry without a path.
    """
    family = cfg.get("family")
    entries: list[dict[str, Any]] = []
    if family == "math":
        from passk.benchmarks import math as bm

        path, expected = bm.resolve_source(name, cfg, data_dir)
        src = bm.SOURCES[cfg["dataset"]]
        entries.append({"path": str(path), "url": None if (cfg.get("file") or data_dir) else cfg.get("url", src.url),
                        "revision": cfg.get("revision", src.revision), "pinned_sha256": expected})
    elif family == "evalplus":
        from passk.benchmarks import evalplus as be

        path = be.source_path(name, cfg, data_dir)
        ds = be.DATASETS[be.dataset_of(name, cfg)]
        version = cfg.get("version", ds["version"])
        entries.append({"path": str(path) if path else None, "url": None if path else f"evalplus release {version}",
                        "revision": version, "pinned_sha256": cfg.get("sha256")})
    elif family == "livecodebench":
        from passk.benchmarks import livecodebench as bl

        if cfg.get("file"):
            entries.append({"path": str(cfg["file"]), "url": None, "revision": cfg.get("revision"), "pinned_sha256": None})
        elif data_dir is not None:
            for fname in (bl.SUBMISSION_FILE, bl.DEEPCODER_FILE):
                entries.append({"path": str(Path(data_dir) / "livecodebench" / fname), "url": None,
                                "revision": "release_v5", "pinned_sha256": None})
        else:
            release = str(cfg.get("release", bl.DEFAULT_RELEASE))
            for fname in bl.release_files(release):
                entries.append({"path": None, "url": f"hf://datasets/{bl.HF_REPO}/{fname}",
                                "revision": cfg.get("revision") or "main", "pinned_sha256": None})
    for entry in entries:
        p = entry["path"]
        entry["sha256"] = sha256_file(p) if p and Path(p).is_file() else None
        entry["bytes"] = Path(p).stat().st_size if p and Path(p).is_file() else None
    return entries


def _source_key(entry: dict[str, Any]) -> str:
    """What identifies a source across runs: its file name (data dirs move) or URL."""
    return Path(entry["path"]).name if entry.get("path") else str(entry.get("url"))


def record_benchmark_sources(name: str, cfg: dict[str, Any], data_dir: str | None, out_manifest: str | os.PathLike[str],
                             *, checksum_dir: str | os.PathLike[str] = CHECKSUM_DIR) -> dict[str, Any]:
    """Write ``out_manifest`` with each source's sha256 and compare it with the first one recorded.

    The first prepare of a benchmark records its source hashes under ``checksum_dir`` (kept
    outside Snakemake's outputs, so a rerun does not delete it). A later prepare that read
    different bytes under the same name raises DataError naming the file and both hashes: the
    problem file would otherwise change silently and every sample after it would be
    re-verified against other problems. Delete the record to accept the new file on purpose.
    """
    entries = benchmark_sources(name, cfg, data_dir)
    manifest = {"benchmark": name, "family": cfg.get("family"), "dataset": cfg.get("dataset"),
                "sources": [{k: v for k, v in e.items() if k != "path"} | {"file": _source_key(e)} for e in entries]}
    record_path = Path(checksum_dir) / f"{name}.json"
    current = {_source_key(e): e["sha256"] for e in entries if e["sha256"]}
    if record_path.exists():
        recorded = read_json(record_path).get("sha256", {})
        for key, sha in current.items():
            if key in recorded and recorded[key] != sha:
                where = next((e["path"] for e in entries if _source_key(e) == key), key)
                raise DataError(f"{where}: sha256 {sha} differs from the {recorded[key]} recorded in {record_path} "
                                f"when benchmark {name} was first prepared; the source changed. If that is intended, "
                                f"delete {record_path} and rerun")
        merged = {**recorded, **current}
    else:
        merged = current
    if merged and (not record_path.exists() or read_json(record_path).get("sha256") != merged):
        write_json(record_path, {"benchmark": name, "sha256": dict(sorted(merged.items()))})
    write_json(out_manifest, manifest)
    return manifest


# --- model snapshots -----------------------------------------------------------------------

def _manifest(manifest_path: str | os.PathLike[str]) -> tuple[Path, dict[str, str], dict[str, Any]]:
    manifest = read_json(manifest_path)
    if not isinstance(manifest, dict) or "model_dir" not in manifest or not isinstance(manifest.get("files"), dict):
        raise DataError(f"{manifest_path}: not a model manifest (needs 'model_dir' and 'files'); delete it to fetch the model again")
    return resolve_model_dir(manifest_path, manifest["model_dir"]), manifest["files"], manifest


def resolve_model_dir(manifest_path: str | os.PathLike[str], model_dir: str) -> Path:
    """A manifest's ``model_dir``: absolute for models used in place, else relative to the
    manifest's own folder (so a results tree can be moved or run with --directory)."""
    path = Path(model_dir)
    return path if path.is_absolute() else Path(manifest_path).parent / path


def quick_model_check(manifest_path: str | os.PathLike[str]) -> None:
    """Cheap check before a job loads a model: every listed file exists and the total size matches.

    Catches a deleted or truncated shard of weights in milliseconds; ``check_model_files``
    re-hashes (minutes for 60 GB) and catches edits of the same size.
    """
    root, files, manifest = _manifest(manifest_path)
    total = 0
    for rel in files:
        path = root / rel
        if not path.is_file():
            raise DataError(f"{path}: listed in {manifest_path} but missing; delete the manifest to fetch the model again")
        total += path.stat().st_size
    expected = manifest.get("total_bytes")
    if expected is not None and int(expected) != total:
        raise DataError(f"{root}: files total {total} bytes, {manifest_path} recorded {expected}; a file was truncated "
                        f"or replaced (run `python -m passk.checks check-models {manifest_path}`)")


def check_model_files(manifest_path: str | os.PathLike[str]) -> list[str]:
    """Re-hash a snapshot against its manifest; raise DataError naming the first changed file.

    Returns the relative paths checked. Files present on disk but not in the manifest are
    ignored (hub metadata, a user's notes); listed files missing or with another hash are not.
    """
    root, files, _ = _manifest(manifest_path)
    for rel, expected in files.items():
        path = root / rel
        if not path.is_file():
            raise DataError(f"{path}: listed in {manifest_path} but missing")
        actual = sha256_file(path)
        if actual != expected:
            raise DataError(f"{path}: sha256 {actual} differs from {expected} recorded in {manifest_path}; "
                            "the file changed since download (delete the manifest to fetch the model again)")
    return list(files)


def main(argv: Iterable[str] | None = None) -> int:
    """``python -m passk.checks check-models MANIFEST...``: re-hash model snapshots."""
    parser = argparse.ArgumentParser(prog="python -m passk.checks", description=main.__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    models = sub.add_parser("check-models", help="re-hash model snapshots against their manifests")
    models.add_argument("manifests", nargs="+")
    args = parser.parse_args(list(argv) if argv is not None else None)
    status = 0
    for manifest in args.manifests:
        try:
            checked = check_model_files(manifest)
            print(f"{manifest}: {len(checked)} files ok")
        except PasskError as exc:
            print(f"error: {exc}", file=sys.stderr)
            status = 1
    return status


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
