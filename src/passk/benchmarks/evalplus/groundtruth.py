"""The expected outputs and reference runtimes of an EvalPlus benchmark: its ground truth.

Why this shape: evalplus computes expected outputs in-process, outside any sandbox, and caches
them (with machine-specific timings) in ``~/.cache`` forever. Here the canonical solutions run once
in *our* sandbox, on this machine, and the result is an ordinary workflow output
(``compute_groundtruth``), so a stale or foreign cache can never leak into a verdict.
"""

from __future__ import annotations

import gzip
import json
import logging
import os
import platform
import secrets
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from passk.benchmarks.evalplus import harness as H
from passk.benchmarks.evalplus.execute import run_harness
from passk.benchmarks.evalplus.prepare import PAYLOAD, program_of_canonical, test_inputs
from passk.errors import DataError
from passk.io import atomic_open, sha256_file
from passk.records.problems import load_problems
from passk.sandbox.settings import SandboxSettings, make_sandbox

log = logging.getLogger(__name__)

_gt_cache: dict[str, dict[str, Any]] = {}
_gt_lock = threading.Lock()


def compute_groundtruth(problems_path: str | os.PathLike[str], out_path: str | os.PathLike[str], sandbox_cfg: dict[str, Any]) -> None:
    """Run every canonical solution once in the sandbox; write expected outputs and per-test runtimes.

    Output (gzipped JSON, written atomically): ``{"meta": {...}, "tasks": {task_id: {"base": [...],
    "plus": [...], "base_time": [...], "plus_time": [...]}}}`` with outputs in the harness's tagged
    JSON (``harness.encode``). A canonical solution that fails to run is an error naming
    the task: verdicts against a partial ground truth would be silently wrong.
    """
    settings = SandboxSettings.from_config(sandbox_cfg)
    sandbox = make_sandbox(settings)
    problems = list(load_problems(problems_path, PAYLOAD, family="evalplus").values())
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
            and problem["tests"]["entry_point"] in H.MBPP_OUTPUT_NOT_NONE_TASKS,
        )
        # Expected outputs come back on stdout, and some are large (HumanEval/14's prefixes: >1 MiB).
        res, lines = run_harness(sandbox, settings, program_of_canonical(problem), payload, wall=600.0, max_output_bytes=1 << 30)
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

    workers = int(settings.groundtruth_workers)
    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        tasks = dict(pool.map(one, problems))
    meta = {
        "problems": str(problems_path),
        "problems_sha256": sha256_file(problems_path),
        "machine": platform.node(),
        "python": platform.python_version(),
        "backend": settings.backend,
        "seconds": round(time.time() - t0, 2),
        "workers": workers,
        "dropped_plus_inputs": {tid: e["plus_dropped"] for tid, e in sorted(tasks.items()) if e.get("plus_dropped")},
    }
    with atomic_open(out_path, "wb") as fh:
        with gzip.GzipFile(fileobj=fh, mode="wb", mtime=0) as gz:
            gz.write(json.dumps({"meta": meta, "tasks": tasks}, sort_keys=True).encode("utf-8"))


def load_groundtruth(path: str) -> dict[str, Any]:
    """The ground truth written by ``benchmarks.evalplus.compute_groundtruth`` (decoded, cached per path)."""
    key = str(Path(path).resolve())
    with _gt_lock:
        if key in _gt_cache:
            return _gt_cache[key]
        p = Path(path)
        if not p.exists():
            raise DataError(f"{p}: ground-truth file not found")
        try:
            with gzip.open(p, "rt", encoding="utf-8") as fh:
                raw = json.load(fh)
        except (OSError, EOFError, ValueError) as exc:
            raise DataError(f"{p}: unreadable ground truth ({exc})") from None
        tasks = {
            tid: {
                "base": [H.decode(v) for v in e["base"]],
                "plus": [H.decode(v) for v in e["plus"]],
                "base_time": e["base_time"],
                "plus_time": e["plus_time"],
                "plus_kept": e.get("plus_kept"),
            }
            for tid, e in raw["tasks"].items()
        }
        _gt_cache[key] = tasks
        return tasks
