"""Verify LiveCodeBench samples: extract the program, run all its tests in one sandboxed process.

Why this shape:

- **One sandbox run per distinct program**: all tests of a program run in one process (as
  LiveCodeBench does), started through ``passk.sandbox.run`` with ``harness.py`` and a job file;
  identical programs for the same problem are run once and their verdict shared (models repeat
  themselves a lot at n=128).
- **Positive proof**: a sample is correct only if the harness's ``verdict.json`` comes back with
  this run's random nonce, one result per test and every result ``True``. Exiting early, crashing,
  or being killed leaves no verdict and counts against the program, with the reason in ``detail``.
- **Semantics** are LiveCodeBench's ``testing_util.py`` (see ``passk.benchmarks.livecodebench.harness``),
  with a per-test wall-clock limit (``timeout``, default 6 s as ``lcb_runner``) and an outer wall
  limit of ``(timeout + 1) * n_tests + 5`` s plus start-up, LCB's own global budget.

Statuses (``passk.records.verdicts``): ``correct``, ``wrong``, ``no_answer`` (nothing extracted),
``timeout``, ``runtime_error`` (including compile errors and early exits), ``memory``. A sandbox
that fails to run a program is a ``VerifierError``, and a problem without tests a ``DataError``:
neither is a verdict.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from passk.benchmarks.livecodebench import harness
from passk.errors import DataError, VerifierError
from passk.prompts import prompt_prefill, prompt_thinks
from passk.records.verdicts import verdict_row
from passk.sandbox.base import RunResult, Sandbox
from passk.sandbox.run import run_script
from passk.sandbox.settings import SandboxSettings, make_sandbox
from passk.verify.family import VerifyContext
from passk.verify.programs import FENCE, last_fenced_block, opening_fence, reasoning_program, restore_prefill

HARNESS_SOURCE = Path(harness.__file__).read_bytes()
DEFAULT_TIMEOUT = 6.0  # seconds per test, lcb_runner's default
STARTUP_SECONDS = 10.0  # interpreter + harness start-up inside the sandbox, on a loaded machine
RESULT_STATUS = {-2: "wrong", -3: "timeout", -4: "runtime_error", -5: "memory"}


# ----------------------------------------------------------------------------- extraction


def extract_code(text: str | None, prefill: str = "```python") -> str:
    """The program in a completion, by LiveCodeBench's rule (the last fenced block).

    ``text`` is what the model wrote after ``prefill`` (Fig 24 prefills the assistant turn with
    "```python"), so the prefill's fence is put back in front before looking for fences. A text
    that starts with its own fence is taken as a full fenced answer; a text with no fence at all
    and not continuing the prefill's line is taken as plain code. With only one fence (the opening
    one: the closing fence was cut by a stop string or the length limit) everything after it is
    the program — LCB would extract nothing there; we run it and let the tests judge.
    """
    if not text:
        return ""
    fence = opening_fence(prefill)
    if fence and not text.lstrip().startswith(FENCE) and FENCE not in text and not text.startswith(("\n", "\r\n")):
        return text  # plain code, written without the prefilled fence
    return last_fenced_block(restore_prefill(text, fence))


# ----------------------------------------------------------------------------- running


HARNESS_NAME = "harness_lcb.py"  # its name inside the sandbox (it shows in the watchdog's tracebacks)


def problem_tests(problem: dict[str, Any]) -> tuple[list[str], list[str], str | None]:
    """``(inputs, outputs, fn_name)`` of a canonical problem record (fn_name None for stdin problems).

    A problem without tests cannot be verified (offline, only the 2024-08..2025-01 window has its
    public tests): that is a DataError naming the problem, never a verdict.
    """
    tests = problem.get("tests") or {}
    inputs = list(tests.get("inputs") or [])
    outputs = list(tests.get("outputs") or [])
    fn_name = tests.get("fn_name") or tests.get("func_name") or None
    if len(inputs) != len(outputs):
        raise DataError(f"problem {problem.get('id')!r}: {len(inputs)} test inputs but {len(outputs)} outputs")
    if not inputs:
        raise DataError(f"problem {problem.get('id')!r} has no tests (the local LiveCodeBench files have tests only for "
                        "2024-08-01..2025-02-01); give the release's own files to verify it")
    return inputs, outputs, fn_name


def run_program(sandbox: Sandbox, code: str, problem: dict[str, Any], settings: SandboxSettings, *,
                timeout: float = DEFAULT_TIMEOUT, memory_mb: int | None = None) -> tuple[str, str]:
    """Run one program against all tests of ``problem``; returns ``(status, detail)``."""
    inputs, outputs, fn_name = problem_tests(problem)
    nonce = secrets.token_hex(16)
    job = json.dumps(
        {"nonce": nonce, "code": code, "inputs": inputs, "outputs": outputs, "fn_name": fn_name, "timeout": float(timeout)},
        ensure_ascii=True,  # lone surrogates in model output survive as escapes (the harness then reports them)
    ).encode("ascii")
    biggest = max(max(len(s) for s in inputs), max(len(s) for s in outputs))
    limits = settings.limits(
        (float(timeout) + 1.0) * (len(inputs) + 1) + 5.0 + STARTUP_SECONDS,
        memory_mb=int(memory_mb if memory_mb is not None else settings.memory_mb),
        max_output_bytes=1 << 20,
        # job file + one test input + the output file (4x the largest expected output) + slack
        scratch_mb=64 + (2 * len(job) + 6 * biggest) // (1 << 20),
        max_file_bytes=max(64 << 20, 4 * biggest + (1 << 20), len(job) + (1 << 20)),
    )
    result = run_script(sandbox, HARNESS_NAME, files={HARNESS_NAME: HARNESS_SOURCE, "job.json": job}, limits=limits,
                        flags=("-I",), collect=("verdict.json",))
    return interpret(result, nonce=nonce, n_tests=len(inputs))


def _tail(data: bytes, limit: int = 300) -> str:
    return data[-limit:].decode("utf-8", "replace").strip()


def interpret(result: RunResult, *, nonce: str, n_tests: int) -> tuple[str, str]:
    """Turn a sandbox run into ``(status, detail)``; only a complete, nonce-matching verdict file is correct.

    A run the sandbox itself could not carry out raises ``VerifierError``.
    """
    if result.error:
        raise VerifierError(f"the sandbox failed to run a program: {result.error}")
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
        return status, why + (f": {tail}" if tail else "")
    try:
        verdict = json.loads(raw.decode("utf-8"))
        results = verdict["results"]
        detail = str(verdict.get("detail", ""))
        if verdict.get("nonce") != nonce or verdict.get("n_tests") != n_tests or not isinstance(results, list):
            raise ValueError("verdict does not belong to this run")
    except (ValueError, KeyError, TypeError, UnicodeDecodeError) as exc:
        return "runtime_error", f"unusable verdict file ({exc})"
    if len(results) == n_tests and all(r is True for r in results):
        return "correct", f"{n_tests} tests passed"
    last = results[-1] if results else -4
    status = RESULT_STATUS.get(last, "runtime_error") if last is not True else "runtime_error"
    return status, detail or f"{len(results)} of {n_tests} tests run"


# ----------------------------------------------------------------------------- shards

NO_CODE = ("no_answer", "no code extracted")
_TESTS_OF_SOURCE = {"deepcoder-public": "public", "livecodebench-public+private": "full"}


def which_tests(problem: dict[str, Any]) -> str | None:
    """Which tests grade a problem: ``full`` (public + private) or ``public`` (public only)."""
    meta = problem.get("metadata") or {}
    return meta.get("tests") or _TESTS_OF_SOURCE.get(str(meta.get("tests_source")))


def verify(problems: Mapping[str, dict[str, Any]], samples: list[dict[str, Any]], ctx: VerifyContext, *,
           sandbox: Sandbox | None = None) -> list[dict[str, Any]]:
    """One verdict row per sample, in sample order (the LiveCodeBench family's verifier).

    Samples need ``problem_id``, ``sample_index`` and ``text`` (what the model wrote after the
    prompt's prefill) or ``solution`` (a full program, used as is). Reads ``ctx.bench``:
    ``timeout`` (seconds per test, default 6 as lcb_runner), ``memory_mb`` (default: the sandbox
    section's), ``prompt`` (the code prompt's name: whose prefill the samples continue, and whether
    the program follows a ``</think>``; default ``livecodebench``);
    ``ctx.sandbox`` is the config's ``sandbox:`` section. ``sandbox`` injects a ready backend
    (tests, benchmarks). Identical programs of one problem run once.
    """
    bench_cfg = ctx.bench
    settings = SandboxSettings.from_config(ctx.sandbox)
    timeout = float(bench_cfg.get("timeout", DEFAULT_TIMEOUT))
    memory_mb = int(bench_cfg.get("memory_mb", settings.memory_mb))
    prompt_kind = str(bench_cfg.get("prompt") or "livecodebench")
    thinks = prompt_thinks(prompt_kind)  # a reasoning model's program comes after its </think>
    box = sandbox if sandbox is not None else make_sandbox(settings)  # ConfigError if unavailable: no fallback

    extracted: list[str] = []
    why_none: list[str] = []
    jobs: dict[tuple[str, str], None] = {}
    for sample in samples:
        if sample["problem_id"] not in problems:
            raise DataError(f"sample {sample.get('sample_index')}: unknown problem {sample['problem_id']!r}")
        problem = problems[sample["problem_id"]]
        why = ""
        if isinstance(sample.get("solution"), str):
            code = sample["solution"]
        elif thinks:
            code, why = reasoning_program(sample.get("text") or "")
        else:
            code = extract_code(sample.get("text"), prompt_prefill(problem, prompt_kind))
        extracted.append(code)
        why_none.append(why or NO_CODE[1])
        if code.strip():
            jobs.setdefault((sample["problem_id"], code), None)

    keys = list(jobs)
    n_workers = max(1, min(int(ctx.workers), len(keys) or 1))

    def work(key: tuple[str, str]) -> tuple[str, str]:
        return run_program(box, key[1], problems[key[0]], settings, timeout=timeout, memory_mb=memory_mb)

    with ThreadPoolExecutor(max_workers=n_workers) as pool:  # sandbox runs are subprocesses: threads suffice
        outcomes = dict(zip(keys, pool.map(work, keys)))
    rows = []
    for sample, code, why in zip(samples, extracted, why_none):
        status, detail = outcomes[(sample["problem_id"], code)] if code.strip() else (NO_CODE[0], why)
        rows.append(verdict_row(sample, status, extracted=code, detail=detail, tests=which_tests(problems[sample["problem_id"]])))
    return rows
