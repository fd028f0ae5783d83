"""HumanEval+ and MBPP+ (evalplus release files): problem records and the ground-truth cache.

Why this shape: evalplus computes expected outputs in-process, outside any sandbox, and caches
them (with machine-specific timings) in ``~/.cache`` forever. Here the canonical solutions run once
in *our* sandbox, on this machine, and the result is an ordinary workflow output
(``compute_groundtruth``), so a stale or foreign cache can never leak into a verdict.

Inputs stay in the release file's JSON form inside the problem records; MBPP+'s non-JSON inputs
(tuples, complex numbers …) are rebuilt with evalplus's own ``mbpp_deserialize_inputs`` where they
are used (``test_inputs``), rather than re-implementing its per-task table.
"""

from __future__ import annotations

import logging

import gzip
import json
import os
import platform
import secrets
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from passk.errors import ConfigError, DataError
from passk.io import atomic_open, iter_jsonl, sha256_file, write_jsonl

log = logging.getLogger(__name__)

DATASETS: dict[str, dict[str, str]] = {
    "humaneval_plus": {
        "evalplus": "humaneval",
        "dir": "humaneval_plus",
        "version": "v0.1.10",
        "file": "HumanEvalPlus-{version}.jsonl.gz",
    },
    "mbpp_plus": {"evalplus": "mbpp", "dir": "mbpp_plus", "version": "v0.2.0", "file": "MbppPlus-{version}.jsonl.gz"},
}
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
    """The release through evalplus's own loader (downloads the GitHub release asset into its cache)."""
    ds = dataset_of(name, cfg)
    version = cfg.get("version", "default")
    if DATASETS[ds]["evalplus"] == "humaneval":
        from evalplus.data.humaneval import _ready_human_eval_plus_path
        from evalplus.data.utils import stream_jsonl

        path = _ready_human_eval_plus_path(version=version)
    else:
        from evalplus.data.mbpp import _ready_mbpp_plus_path
        from evalplus.data.utils import stream_jsonl

        path = _ready_mbpp_plus_path(version=version)
    # Read the raw file (not get_mbpp_plus) so records keep the release's JSON inputs.
    return list(stream_jsonl(path))


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


def compute_groundtruth(problems_path: str | os.PathLike[str], out_path: str | os.PathLike[str], sandbox_cfg: dict[str, Any]) -> None:
    """Run every canonical solution once in the sandbox; write expected outputs and per-test runtimes.

    Output (gzipped JSON, written atomically): ``{"meta": {...}, "tasks": {task_id: {"base": [...],
    "plus": [...], "base_time": [...], "plus_time": [...]}}}`` with outputs in the harness's tagged
    JSON (``harness_evalplus.encode``). A canonical solution that fails to run is an error naming
    the task: verdicts against a partial ground truth would be silently wrong.
    """
    from passk.verify.code import make_sandbox, run_harness, sandbox_settings

    # Expected outputs come back on stdout, and some are large (HumanEval/14's prefixes: >1 MiB).
    settings = {**sandbox_settings(sandbox_cfg), "max_output_bytes": 1 << 30}
    sandbox = make_sandbox(settings)
    problems = [rec for _, rec in iter_jsonl(problems_path)]
    t0 = time.time()

    def record(problem: dict[str, Any], inputs: list[Any]) -> tuple[dict[str, Any] | None, str]:
        """Outputs and runtimes of the canonical solution on ``inputs`` (None and why on failure)."""
        nonce = secrets.token_hex(8)
        payload = dict(
            mode="record",
            dataset=problem["tests"]["dataset"],
            entry_point=problem["tests"]["entry_point"],
            inputs=inputs,
            nonce=nonce,
            time_limits=[],
            exec_limit=60.0,
            output_not_none=problem["tests"]["dataset"] == "mbpp"
            and problem["tests"]["entry_point"] in ("check_str", "text_match_three", "text_starta_endb"),
        )
        res, lines = run_harness(sandbox, settings, program_of_canonical(problem), payload, wall=600.0)
        rec = next((ln for ln in lines if ln.get("record") == nonce), None)
        if rec is None or len(rec["outputs"]) != len(inputs):
            why = res.error or res.stderr.decode("utf-8", "replace")[-800:] or f"report={str(lines[:2])[:500]} exit={res.exit_code} signal={res.signal} timed_out={res.timed_out}"
            return None, why
        return rec, ""

    def one(problem: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        entry: dict[str, Any] = {}
        for which in ("base", "plus"):
            inputs = test_inputs(problem, f"{which}_input")
            rec, why = record(problem, inputs)
            if rec is not None:
                entry[which], entry[f"{which}_time"] = rec["outputs"], rec["times"]
                continue
            if which == "base":
                raise DataError(f"{problems_path}: canonical solution of {problem['id']} failed on its base inputs: {why}")
            # A plus input whose expected output the sandbox cannot hold (Mbpp/255: 1.6 M tuples,
            # 1.15 GB encoded; evalplus fails its own canonical there too) is dropped, one by one,
            # and recorded; the rest of the task is still graded.
            kept, outputs, times, dropped = [], [], [], []
            for i, value in enumerate(inputs):
                single, why_one = record(problem, [value])
                if single is None:
                    dropped.append(i)
                    log.warning("%s: plus input %d dropped: the canonical solution cannot run it within the sandbox limits (%s)", problem["id"], i, why_one[-200:])
                    continue
                kept.append(i)
                outputs += single["outputs"]
                times += single["times"]
            entry.update(plus=outputs, plus_time=times, plus_kept=kept, plus_dropped=dropped)
        return problem["id"], entry

    workers = int(sandbox_cfg.get("groundtruth_workers", 1))
    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        tasks = dict(pool.map(one, problems))
    meta = {
        "problems": str(problems_path),
        "problems_sha256": sha256_file(problems_path),
        "machine": platform.node(),
        "python": platform.python_version(),
        "backend": settings["backend"],
        "seconds": round(time.time() - t0, 2),
        "workers": workers,
        "dropped_plus_inputs": {tid: e["plus_dropped"] for tid, e in sorted(tasks.items()) if e.get("plus_dropped")},
    }
    with atomic_open(out_path, "wb") as fh:
        with gzip.GzipFile(fileobj=fh, mode="wb", mtime=0) as gz:
            gz.write(json.dumps({"meta": meta, "tasks": tasks}, sort_keys=True).encode("utf-8"))
