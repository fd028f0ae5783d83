"""The prepare stage: a benchmark's canonical problem file, and the checksums of what it was read from.

A paper grid costs days of GPU time, so a source that changes under a benchmark's name must stop
the run: the files a loader read are recorded with sha256 (and URL/revision where known) in
``results/problems/{bench}.manifest.json``; a record of the first hashes seen is kept in
``resources/checksums/benchmarks/{bench}.json`` and a later prepare that reads different bytes is
refused (``record_benchmark_sources``). Pinned hashes (the math loaders') are checked by the
loaders themselves.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from passk.benchmarks.registry import family
from passk.errors import DataError
from passk.io import read_json, sha256_file, write_json

CHECKSUM_DIR = Path("resources") / "checksums" / "benchmarks"


def prepare_benchmark(bench: dict[str, Any], data_dir: str | None, out_problems: str, out_manifest: str) -> int:
    """Write a benchmark's problem file (through its family's loader) and its source manifest."""
    count = family(str(bench["family"])).prepare(bench["name"], bench, data_dir, out_problems)
    record_benchmark_sources(bench["name"], bench, data_dir, out_manifest)
    return count


def benchmark_sources(name: str, cfg: dict[str, Any], data_dir: str | None) -> list[dict[str, Any]]:
    """The source files a benchmark's problems were read from, with sha256 and URL/revision.

    Called after ``prepare`` (so a download is already in its cache and nothing is fetched); a
    source that cannot be located locally gives an entry without a path.
    """
    entries = family(str(cfg.get("family"))).sources(name, cfg, data_dir)
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
