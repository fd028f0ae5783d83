"""Verify LiveCodeBench samples: extract the program, run its tests in the sandbox, judge outside it.

Why this shape:

- **The same judge and batching as EvalPlus** (``passk.sandbox.session``): the distinct programs
  of a shard run through fork servers (up to ``sandbox.batch_size`` per sandbox, programs of one
  problem together); inside, the harness (``passk.benchmarks.livecodebench.harness``) sends back
  what each program printed or returned, test by test; this process judges it
  (``passk.benchmarks.livecodebench.judge``) and stops a program at its first wrong output. The
  expected outputs never enter the sandbox. Identical programs of a problem run once.
- **Semantics** are LiveCodeBench's ``testing_util.py``, with a per-test limit (``timeout``,
  default 6 s as ``lcb_runner``, enforced by the server's clock) and a wall clock of
  ``(timeout + 1) * (n_tests + 1) + 5`` s, LCB's own global budget.

Statuses (``passk.records.verdicts``): ``correct``, ``wrong``, ``no_answer`` (nothing extracted),
``timeout``, ``runtime_error`` (including compile errors and early exits), ``memory``. A sandbox
fault is a ``VerifierError``, and a problem without tests a ``DataError``: neither is a verdict.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from passk.benchmarks.livecodebench import harness
from passk.benchmarks.livecodebench.judge import LcbJudge, Outcome
from passk.errors import DataError
from passk.prompts import prompt_prefill, prompt_thinks
from passk.records.verdicts import verdict_row
from passk.sandbox.base import Sandbox
from passk.sandbox.session import Harness, Program, Servers, run_programs, step_limits
from passk.sandbox.settings import SandboxSettings, make_sandbox
from passk.verify.batches import BatchQueue, batch_programs, run_batches
from passk.verify.family import VerifyContext
from passk.verify.programs import FENCE, last_fenced_block, opening_fence, reasoning_program, restore_prefill

HARNESS_NAME = "harness_lcb.py"
HARNESS_SOURCE = Path(harness.__file__).read_bytes()
DEFAULT_TIMEOUT = 6.0  # seconds per test, lcb_runner's default


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


class ProblemPlan:
    """Everything needed to run and judge any program of one problem."""

    def __init__(self, problem: dict[str, Any], timeout: float) -> None:
        inputs, outputs, fn_name = problem_tests(problem)
        self.id = problem.get("id")
        self.call_based = bool(fn_name)
        if self.call_based:
            try:
                self.expected: list[Any] = [json.loads(out) for out in outputs]
                for inp in inputs:  # the harness parses them inside the sandbox: bad data is ours, not the program's
                    for line in inp.split("\n"):
                        json.loads(line)
            except ValueError as exc:
                raise DataError(f"problem {self.id!r}: test data is not JSON ({exc})") from None
        else:
            self.expected = list(outputs)
        self.n = len(inputs)
        self.wall = (float(timeout) + 1.0) * (self.n + 1) + 5.0
        biggest = max(len(json.dumps(o)) for o in outputs)
        self.line_cap = max(1 << 20, 4 * biggest + (1 << 20))
        self.total_cap = max(16 << 20, 2 * sum(len(json.dumps(o)) for o in outputs) + self.line_cap)
        self.fn_name = fn_name
        self.inputs = inputs
        self.limits = step_limits(timeout, [timeout] * self.n)
        self.input_bytes = sum(len(x) for x in inputs)
        self._tasks: dict[tuple[str, ...], dict[str, Any]] = {}

    def task(self, site: tuple[str, ...]) -> dict[str, Any]:
        """The task sent into the sandbox (inputs and limits, never the expected outputs)."""
        if site not in self._tasks:
            self._tasks[site] = {"fn_name": self.fn_name, "inputs": self.inputs, "limits": self.limits, "site": list(site)}
        return self._tasks[site]

    def judge(self) -> LcbJudge:
        return LcbJudge(self.expected, self.call_based)


def run_batch(sandbox: Sandbox, settings: SandboxSettings, entries: list[tuple[ProblemPlan, str]], memory_mb: int,
              servers: Servers | None = None) -> list[Outcome]:
    """Outcomes of (problem plan, program) entries through fork servers (``passk.sandbox.session``;
    ``servers``: those kept between a run's batches)."""
    plans = [plan for plan, _ in entries]
    biggest = max(p.input_bytes for p in plans)
    limits = settings.limits(max(p.wall for p in plans), memory_mb=int(memory_mb),
                             # one test's input and the output file (4x the largest expected output) + slack
                             scratch_mb=int(settings.scratch_mb) + (2 * biggest + 4 * max(p.line_cap for p in plans)) // (1 << 20),
                             max_file_bytes=max(int(settings.max_file_bytes), max(p.line_cap for p in plans), biggest + (1 << 20)))
    spec = Harness(HARNESS_NAME, HARNESS_SOURCE, max(p.line_cap for p in plans), max(p.total_cap for p in plans))
    site = tuple(getattr(sandbox, "site_packages", ()) or ())
    programs = [Program(plan.task(site), code, plan.wall, plan.judge) for plan, code in entries]
    return run_programs(sandbox, limits, spec, programs, servers)


# ----------------------------------------------------------------------------- shards

NO_CODE = Outcome("no_answer", "no code extracted")
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

    plans = {pid: ProblemPlan(problems[pid], timeout) for pid in {k[0] for k in jobs}}
    # programs in problem order, batches filled in that order (a problem's programs together, small
    # problems sharing) and cut as workers free up (``passk.verify.batches``)
    queue = BatchQueue([[key] for key in sorted(jobs, key=lambda k: k[0])], batch_programs(settings.batch_size), int(ctx.workers))

    with Servers(settings.batch_size) as servers:  # a server goes on to the next batch, up to batch_size programs
        def work(batch: list[tuple[str, str]]) -> list[tuple[tuple[str, str], Outcome]]:
            got = run_batch(box, settings, [(plans[pid], code) for pid, code in batch], memory_mb, servers)
            return list(zip(batch, got))

        outcomes = dict(run_batches(queue, int(ctx.workers), work))
    rows = []
    for sample, code, why in zip(samples, extracted, why_none):
        status, detail = outcomes[(sample["problem_id"], code)] if code.strip() else (NO_CODE[0], why)
        rows.append(verdict_row(sample, status, extracted=code, detail=detail, tests=which_tests(problems[sample["problem_id"]])))
    return rows
