"""HumanEval+ and MBPP+ (evalplus release files): the canonical problem records.

Inputs stay in the release file's JSON form inside the problem records; MBPP+'s non-JSON inputs
(tuples, complex numbers …) are rebuilt with evalplus's own ``mbpp_deserialize_inputs`` where they
are used (``test_inputs``), rather than re-implementing its per-task table.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from passk.errors import ConfigError, DataError
from passk.io import iter_jsonl, write_jsonl

DATASETS: dict[str, dict[str, str]] = {
    "humaneval_plus": {
        "evalplus": "humaneval",
        "dir": "humaneval_plus",
        "version": "v0.1.10",
        "file": "HumanEvalPlus-{version}.jsonl.gz",
    },
    "mbpp_plus": {"evalplus": "mbpp", "dir": "mbpp_plus", "version": "v0.2.0", "file": "MbppPlus-{version}.jsonl.gz"},
}
PAYLOAD = ("tests", dict)  # what every problem record of the family carries
TEST_KEYS = ("base_input", "plus_input", "atol", "entry_point", "canonical_solution", "contract")


def dataset_of(name: str, cfg: dict[str, Any]) -> str:
    """The dataset key (``humaneval_plus``/``mbpp_plus``) of a benchmark config."""
    ds = cfg.get("dataset", name)
    if ds not in DATASETS:
        raise ConfigError(f"benchmarks.{name}.dataset: {ds!r} is not an evalplus dataset; choose one of {sorted(DATASETS)}")
    return ds


def source_path(name: str, cfg: dict[str, Any], data_dir: str | None) -> Path | None:
    """The local release file to read, or None when it must be downloaded."""
    ds = DATASETS[dataset_of(name, cfg)]
    if cfg.get("file"):
        return Path(cfg["file"])
    if data_dir:
        version = cfg.get("version", ds["version"])
        return Path(data_dir) / ds["dir"] / ds["file"].format(version=version)
    return None


def _download(name: str, cfg: dict[str, Any]) -> list[dict[str, Any]]:
    """The release through evalplus's own loader (downloads the GitHub release asset into its cache).

    Offline (or when the asset is gone) the loader's network error becomes a DataError that names
    the file it tried to fetch and how to point passk at a local copy (``offline_message``).
    """
    ds = dataset_of(name, cfg)
    version = cfg.get("version", "default")
    try:
        if DATASETS[ds]["evalplus"] == "humaneval":
            from evalplus.data.humaneval import _ready_human_eval_plus_path
            from evalplus.data.utils import stream_jsonl

            path = _ready_human_eval_plus_path(version=version)
        else:
            from evalplus.data.mbpp import _ready_mbpp_plus_path
            from evalplus.data.utils import stream_jsonl

            path = _ready_mbpp_plus_path(version=version)
    except OSError as exc:  # urllib.error.URLError and socket errors: offline, or no such release
        raise DataError(offline_message(name, ds, version, exc)) from None
    # Read the raw file (not get_mbpp_plus) so records keep the release's JSON inputs.
    return list(stream_jsonl(path))


def offline_message(name: str, ds: str, version: str, exc: BaseException) -> str:
    """What failed (the release URL evalplus fetches) and the three ways to use a local copy."""
    from evalplus.data.humaneval import HUMANEVAL_PLUS_VERSION  # evalplus's loaders: imported only to download
    from evalplus.data.mbpp import MBPP_PLUS_VERSION
    from evalplus.data.utils import get_dataset_metadata

    if DATASETS[ds]["evalplus"] == "humaneval":
        url, _ = get_dataset_metadata("HumanEvalPlus", HUMANEVAL_PLUS_VERSION, False)  # its loader ignores `version`
    else:
        url, _ = get_dataset_metadata("MbppPlus", MBPP_PLUS_VERSION if version == "default" else version, False)
    local = f"{DATASETS[ds]['dir']}/{DATASETS[ds]['file'].format(version=DATASETS[ds]['version'])}"
    reason = getattr(exc, "reason", None) or exc
    return (f"{name}: could not download the evalplus release file {url} ({reason}). Offline? Use a local copy: "
            f"a data folder holding {local} (set PASSK_DATA_DIR, or pass --data-dir DIR to passk verify-code, "
            f"or data_dir in the workflow config), or the file itself (--data-file FILE, or benchmarks.{name}.file)")


def load_raw(name: str, cfg: dict[str, Any], data_dir: str | None) -> tuple[list[dict[str, Any]], str]:
    """The release's records in file order, and where they came from."""
    path = source_path(name, cfg, data_dir)
    if path is None:
        return _download(name, cfg), "evalplus release download"
    if not path.exists():
        raise DataError(f"{path}: file not found (benchmarks.{name}.file / data_dir)")
    records = []
    for lineno, rec in iter_jsonl(path):
        missing = [k for k in ("task_id", "prompt", "entry_point", "canonical_solution", "base_input", "plus_input") if k not in rec]
        if missing:
            raise DataError(f"{path}:{lineno}: missing keys {missing}")
        records.append(rec)
    return records, str(path)


def prepare(name: str, cfg: dict[str, Any], data_dir: str | None, out_path: str | os.PathLike[str]) -> int:
    """Write the canonical problem records of an evalplus benchmark; returns how many."""
    ds = dataset_of(name, cfg)
    records, source = load_raw(name, cfg, data_dir)
    limit = cfg.get("limit")
    if limit is not None:
        records = records[: int(limit)]
    out = []
    for i, rec in enumerate(records):
        tests = {k: rec.get(k) for k in TEST_KEYS}
        tests["dataset"] = DATASETS[ds]["evalplus"]
        out.append(
            {
                "id": rec["task_id"],
                "benchmark": name,
                "index": i,
                "question": rec["prompt"],
                "tests": tests,
                "metadata": {"source": source, "dataset": ds, "version": cfg.get("version", DATASETS[ds]["version"])},
            }
        )
    return write_jsonl(out_path, out)


def test_inputs(problem: dict[str, Any], which: str) -> list[Any]:
    """``base_input`` or ``plus_input`` as Python values (MBPP+ inputs through evalplus's deserializer)."""
    tests = problem["tests"]
    raw = tests[which] or []
    if tests.get("dataset") == "mbpp":
        from evalplus.data.mbpp import mbpp_deserialize_inputs

        return mbpp_deserialize_inputs(problem["id"], raw)
    return raw


def program_of_canonical(problem: dict[str, Any]) -> str:
    """The canonical program exactly as evalplus builds it (prompt + canonical_solution)."""
    return problem["question"] + problem["tests"]["canonical_solution"]


def sources(name: str, cfg: dict[str, Any], data_dir: str | None) -> list[dict[str, Any]]:
    """The release file a benchmark's problems were read from (no path when it was downloaded)."""
    path = source_path(name, cfg, data_dir)
    ds = DATASETS[dataset_of(name, cfg)]
    version = cfg.get("version", ds["version"])
    return [{"path": str(path) if path else None, "url": None if path else f"evalplus release {version}",
             "revision": version, "pinned_sha256": cfg.get("sha256")}]
