"""Verify LiveCodeBench samples: extract the program, run all its tests in one sandboxed process.

Why this shape:

- **One sandbox run per distinct program**: all tests of a program run in one process (as
  LiveCodeBench does), started through ``passk.sandbox`` with ``harness_lcb.py`` and a job file;
  identical programs for the same problem are run once and their verdict shared (models repeat
  themselves a lot at n=128).
- **Positive proof**: a sample passes only if the harness's ``verdict.json`` comes back with this
  run's random nonce, one result per test and every result ``True``. Exiting early, crashing, or
  being killed leaves no verdict and counts as a failure with the reason in ``detail``.
- **Semantics** are LiveCodeBench's ``testing_util.py`` (see ``passk.sandbox.harness_lcb``), with a
  per-test wall-clock limit (``timeout``, default 6 s as ``lcb_runner``) and an outer wall limit of
  ``(timeout + 1) * n_tests + 5`` s plus start-up, LCB's own global budget.

Statuses: ``pass``, ``fail`` (wrong answer or nothing extracted), ``timeout``, ``runtime_error``
(including compile errors and early exits), ``memory``, ``sandbox_error`` (the sandbox itself
failed, or the problem has no tests).
"""

from __future__ import annotations

import hashlib
import json
import secrets
import sys
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from passk.errors import ConfigError, DataError
from passk.prompts import prompt_prefill
from passk.sandbox.base import RunResult, Sandbox, SandboxLimits

HARNESS_PATH = Path(__file__).resolve().parent.parent / "sandbox" / "harness_lcb.py"
DEFAULT_TIMEOUT = 6.0  # seconds per test, lcb_runner's default
DEFAULT_MEMORY_MB = 4096  # LCB sets no memory limit; its comment says 4 GB
STARTUP_SECONDS = 10.0  # interpreter + harness start-up inside the sandbox, on a loaded machine
RESULT_STATUS = {-2: "fail", -3: "timeout", -4: "runtime_error", -5: "memory"}

_harness_lock = threading.Lock()
_harness_bytes: bytes | None = None


def harness_source() -> bytes:
    """The harness script shipped into every sandbox run (read once)."""
    global _harness_bytes
    with _harness_lock:
        if _harness_bytes is None:
            _harness_bytes = HARNESS_PATH.read_bytes()
        return _harness_bytes


# ----------------------------------------------------------------------------- extraction


def extract_code(text: str | None, prefill: str = "```python") -> str:
    """The program in a completion, by LiveCodeBench's rule (the last fenced block).

    ``text`` is what the model wrote after ``prefill`` (Fig 24 prefills the assistant turn with
    "```python"), so the prefill is put back in front before looking for fences. A text that
    starts with its own fence is taken as a full fenced answer; a text with no fence at all and
    not continuing the prefill's line is taken as plain code. With only one fence (the opening
    one: the closing fence was cut by a stop string or the length limit) everything after it is
    the program — LCB would extract nothing there; we run it and let the tests judge.
    """
    if not text:
        return ""
    body = text
    if prefill and not text.lstrip().startswith("```"):
        if "```" not in text and not text.startswith(("\n", "\r\n")):
            return text  # plain code, written without the prefilled fence
        body = prefill + text
    lines = body.split("\n")
    fences = [i for i, line in enumerate(lines) if "```" in line]
    if len(fences) >= 2:
        return "\n".join(lines[fences[-2] + 1 : fences[-1]])
    if len(fences) == 1:
        return "\n".join(lines[fences[0] + 1 :])
    return body


# ----------------------------------------------------------------------------- running


def problem_tests(problem: dict[str, Any]) -> tuple[list[str], list[str], str | None]:
    """``(inputs, outputs, fn_name)`` of a canonical problem record (fn_name None for stdin problems)."""
    tests = problem.get("tests") or {}
    inputs = list(tests.get("inputs") or [])
    outputs = list(tests.get("outputs") or [])
    fn_name = tests.get("fn_name") or tests.get("func_name") or None
    if len(inputs) != len(outputs):
        raise ConfigError(f"problem {problem.get('id')!r}: {len(inputs)} test inputs but {len(outputs)} outputs")
    return inputs, outputs, fn_name


def run_program(
    sandbox: Sandbox,
    code: str,
    problem: dict[str, Any],
    *,
    timeout: float = DEFAULT_TIMEOUT,
    memory_mb: int = DEFAULT_MEMORY_MB,
    max_processes: int = 32,
    python: str | None = None,
) -> dict[str, Any]:
    """Run one program against all tests of ``problem``; returns ``{status, correct, detail}``."""
    inputs, outputs, fn_name = problem_tests(problem)
    if not inputs:
        return {"status": "sandbox_error", "correct": False, "detail": "problem has no tests"}
    nonce = secrets.token_hex(16)
    job = json.dumps(
        {"nonce": nonce, "code": code, "inputs": inputs, "outputs": outputs, "fn_name": fn_name, "timeout": float(timeout)},
        ensure_ascii=True,  # lone surrogates in model output survive as escapes (the harness then reports them)
    ).encode("ascii")
    biggest = max(max(len(s) for s in inputs), max(len(s) for s in outputs))
    limits = SandboxLimits(
        wall_seconds=(float(timeout) + 1.0) * (len(inputs) + 1) + 5.0 + STARTUP_SECONDS,
        memory_mb=int(memory_mb),
        max_processes=int(max_processes),
        max_output_bytes=1 << 20,
        # job file + one test input + the output file (4x the largest expected output) + slack
        scratch_mb=64 + (2 * len(job) + 6 * biggest) // (1 << 20),
        max_file_bytes=max(64 << 20, 4 * biggest + (1 << 20), len(job) + (1 << 20)),
    )
    result = sandbox.run(
        [python or sys.executable, "-I", "harness_lcb.py"],
        files={"harness_lcb.py": harness_source(), "job.json": job},
        limits=limits,
        collect=("verdict.json",),
    )
    return interpret(result, nonce=nonce, n_tests=len(inputs))


def _tail(data: bytes, limit: int = 300) -> str:
    return data[-limit:].decode("utf-8", "replace").strip()


def interpret(result: RunResult, *, nonce: str, n_tests: int) -> dict[str, Any]:
    """Turn a sandbox run into a verdict; only a complete, nonce-matching verdict file can pass."""
    if result.error:
        return {"status": "sandbox_error", "correct": False, "detail": f"sandbox: {result.error}"}
    raw = result.files.get("verdict.json")
    if raw is None:
        if result.memory_exceeded:
            status, why = "memory", "memory limit exceeded"
        elif result.timed_out:
            status, why = "timeout", "wall-clock limit of the whole run exceeded"
        elif b"Timeout (" in result.stderr:
            status, why = "timeout", "per-test limit exceeded inside a C call (watchdog exit)"
        else:
            how = f"signal {result.signal}" if result.signal else f"exit code {result.exit_code}"
            status, why = "runtime_error", f"program ended the process before the harness finished ({how})"
        tail = _tail(result.stderr)
        return {"status": status, "correct": False, "detail": why + (f": {tail}" if tail else "")}
    try:
        verdict = json.loads(raw.decode("utf-8"))
        results = verdict["results"]
        detail = str(verdict.get("detail", ""))
        if verdict.get("nonce") != nonce or verdict.get("n_tests") != n_tests or not isinstance(results, list):
            raise ValueError("verdict does not belong to this run")
    except (ValueError, KeyError, TypeError, UnicodeDecodeError) as exc:
        return {"status": "runtime_error", "correct": False, "detail": f"unusable verdict file ({exc})"}
    if len(results) == n_tests and all(r is True for r in results):
        return {"status": "pass", "correct": True, "detail": f"{n_tests} tests passed"}
    last = results[-1] if results else -4
    status = RESULT_STATUS.get(last, "runtime_error") if last is not True else "runtime_error"
    return {"status": status, "correct": False, "detail": detail or f"{len(results)} of {n_tests} tests run"}


# ----------------------------------------------------------------------------- shards

def _run_safely(box: Sandbox, key: tuple[str, str], problems: dict[str, dict[str, Any]], settings: dict[str, Any]) -> dict[str, Any]:
    """``run_program`` that turns an unexpected exception into a ``sandbox_error`` row."""
    try:
        return run_program(box, key[1], problems[key[0]], **settings)
    except Exception as exc:  # noqa: BLE001 - one broken run must not lose the shard
        return {"status": "sandbox_error", "correct": False, "detail": f"{type(exc).__name__}: {exc}"}


def verify_shard(
    problems: dict[str, dict[str, Any]],
    samples: list[dict[str, Any]],
    bench_cfg: dict[str, Any],
    *,
    workers: int,
    sandbox_cfg: dict[str, Any],
    sandbox: Sandbox | None = None,
    progress: Callable[[int, int], None] | None = None,
    **_ignored: Any,
) -> list[dict[str, Any]]:
    """One verdict row per sample, in sample order (``passk.records.VERDICT_SCHEMA``).

    Samples need ``problem_id``, ``sample_index`` and ``text`` (what the model wrote after the
    prompt's prefill) or ``solution`` (a full program, used as is). Reads ``bench_cfg``:
    ``timeout`` (seconds per test, default 6 as lcb_runner), ``memory_mb`` (default: the sandbox
    section's), ``prompt`` (whose prefill the samples continue; default ``livecodebench``).
    ``sandbox_cfg`` is the config's ``sandbox:`` section, read through
    ``passk.verify.code.sandbox_settings``: ``backend``, ``python``, ``site_packages``,
    ``docker_image`` (to build the backend), ``memory_mb`` and ``max_processes`` (limits); the
    scratch and file-size limits are sized from the tests. ``sandbox`` injects a ready backend
    (tests, benchmarks). Identical programs of one problem run once.
    """
    from passk.verify.code import make_sandbox, sandbox_settings

    settings = sandbox_settings(sandbox_cfg)  # the same sandbox section as HumanEval+/MBPP+ (unknown keys fail)
    timeout = float(bench_cfg.get("timeout", DEFAULT_TIMEOUT))
    memory_mb = int(bench_cfg.get("memory_mb", settings["memory_mb"]))
    max_processes = int(settings["max_processes"])
    prompt_kind = str(bench_cfg.get("prompt", "livecodebench"))
    box = sandbox if sandbox is not None else make_sandbox(settings)  # ConfigError if unavailable: no fallback
    python = str(settings.get("python") or getattr(box, "python", None) or sys.executable)

    extracted: list[str] = []
    jobs: dict[tuple[str, str], None] = {}
    for sample in samples:
        if sample["problem_id"] not in problems:
            raise DataError(f"sample {sample.get('sample_index')}: unknown problem {sample['problem_id']!r}")
        problem = problems[sample["problem_id"]]
        if isinstance(sample.get("solution"), str):
            code = sample["solution"]
        else:
            code = extract_code(sample.get("text"), prompt_prefill(problem, prompt_kind))
        extracted.append(code)
        if code.strip():
            jobs.setdefault((sample["problem_id"], code), None)

    keys = list(jobs)
    outcomes: dict[tuple[str, str], dict[str, Any]] = {}
    n_workers = max(1, min(int(workers), len(keys) or 1))
    run_settings = {"timeout": timeout, "memory_mb": memory_mb, "max_processes": max_processes, "python": python}
    with ThreadPoolExecutor(max_workers=n_workers) as pool:  # sandbox runs are subprocesses: threads suffice
        work = lambda key: _run_safely(box, key, problems, run_settings)  # noqa: E731
        for done, (key, outcome) in enumerate(zip(keys, pool.map(work, keys)), start=1):
            outcomes[key] = outcome
            if progress is not None:
                progress(done, len(keys))

    rows: list[dict[str, Any]] = []
    for sample, code in zip(samples, extracted):
        if not code.strip():
            outcome = {"status": "fail", "correct": False, "detail": "no code extracted"}
        else:
            outcome = outcomes[(sample["problem_id"], code)]
        rows.append(
            {
                "problem_id": sample["problem_id"],
                "sample_index": int(sample["sample_index"]),
                "correct": bool(outcome["correct"]),
                "status": outcome["status"],
                "extracted": code,
                "detail": outcome["detail"],
            }
        )
    return rows


def code_sha256(code: str) -> str:
    """Short identity of a program (used by reports that group identical programs)."""
    return hashlib.sha256(code.encode("utf-8")).hexdigest()[:16]


# ----------------------------------------------------------------------------- passk verify-code


def verify_code_cli_adapter(samples: list[dict[str, Any]], args: Any) -> list[dict[str, Any]]:
    """``passk verify-code --benchmark livecodebench``: verdicts for bring-your-own samples.

    ``samples`` are the command's rows (``problem_id`` = the file's ``task_id``, which must be a
    LiveCodeBench ``question_id``; ``solution`` = a full program, or ``text`` = what the model
    wrote after the Fig 24 "```python" prefill; an evalplus-style ``completion`` is treated as
    ``text``). Problems come from ``args.data_file`` (a local code_generation_lite JSONL), else
    ``args.data_dir`` (the staged offline files: public tests of Aug 2024–Jan 2025 only; other
    problems verify as ``sandbox_error``), else the hub's release_v5. Uses ``args.backend``,
    ``args.workers`` and ``args.work_dir``.
    """
    import tempfile

    from passk.benchmarks.livecodebench import prepare
    from passk.io import read_jsonl

    cfg: dict[str, Any] = {"family": "livecodebench", "release": "release_v5", "order": "question_id"}
    data_dir = getattr(args, "data_dir", None)
    if getattr(args, "data_file", None):
        cfg["file"] = args.data_file
        data_dir = None
    elif data_dir:
        cfg["allow_missing_tests"] = True
    work = Path(getattr(args, "work_dir", None) or tempfile.mkdtemp(prefix="passk-verify-lcb-"))
    problems_path = work / "livecodebench.problems.jsonl"
    prepare("livecodebench", cfg, data_dir, problems_path)
    problems = {p["id"]: p for p in read_jsonl(problems_path)}
    rows = []
    for s in samples:
        row = {"problem_id": s["problem_id"], "sample_index": s["sample_index"]}
        if isinstance(s.get("solution"), str):
            row["solution"] = s["solution"]
        else:
            row["text"] = s.get("text") if isinstance(s.get("text"), str) else s.get("completion", "")
        rows.append(row)
    bench = {"family": "livecodebench", "prompt": "livecodebench", "timeout": float(getattr(args, "timeout", None) or DEFAULT_TIMEOUT)}
    return verify_shard(problems, rows, bench, workers=max(1, int(args.workers)), sandbox_cfg={"backend": args.backend})
