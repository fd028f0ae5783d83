"""Running EvalPlus programs in the sandbox: the task plan of a problem, one program alone or many
through the fork server, and the judgement of what came back.

Why: evalplus forks twice per sample (base, plus) behind an in-process guard and re-runs identical
programs; here each distinct (problem, program) runs once in an isolated sandbox and its verdict is
shared by every sample that produced it. A pass needs the harness's ``done`` line carrying this
run's nonce and the number of tests (see ``passk.benchmarks.evalplus.harness``); an exit code of 0
alone is never a pass.

The sandbox settings (``passk.sandbox.settings``) that matter here: ``min_time_limit`` and
``time_limit_factor`` (a test's limit is ``max(min_time_limit, factor * canonical runtime on this
machine)`` as in evalplus), ``timeout_per_task`` (caps the sum of test limits of base and of plus,
as evalplus's ``EVALPLUS_TIMEOUT_PER_TASK``; the wall clock of one run is ``cap(base) + cap(plus) +
startup_slack``) and ``batch_size``: up to this many distinct programs run in one sandbox by a
fork server (``passk.sandbox.forkserver``: the tasks are loaded once, each program runs in a fork,
and the namespace is swept clean between programs); programs of small problems share a sandbox, a
slow problem's are spread over several (``pack_batches``); 1 gives every program a sandbox of its
own. Only backends that can run a program as PID 1 of its own pid namespace (bwrap) batch; any
program whose batched outcome is not a harness report or a timeout is run again on its own, so a
verdict never depends on which other programs shared its sandbox.
"""

from __future__ import annotations

import math
import secrets
from pathlib import Path
from typing import Any, NamedTuple

from passk.benchmarks.evalplus import harness as H
from passk.benchmarks.evalplus.prepare import test_inputs
from passk.errors import DataError, VerifierError
from passk.sandbox import forkserver
from passk.sandbox.base import RunResult, Sandbox
from passk.sandbox.run import json_lines, run_script
from passk.sandbox.settings import SandboxSettings

HARNESS_SOURCE = Path(H.__file__).read_bytes()
FORKSERVER_SOURCE = Path(forkserver.__file__).read_bytes()
REPORT_CAP = 64 << 10  # bytes of one program's report inside a batch


def run_harness(
    sandbox: Sandbox, settings: SandboxSettings, program: str, payload: dict[str, Any], *, wall: float, **limits: Any
) -> tuple[RunResult, list[dict[str, Any]]]:
    """Run the harness on ``program`` with task ``payload``; returns the result and its JSON report lines.

    The task goes through stdin: it can exceed the file-size limit and the scratch tmpfs.
    ``limits`` override fields of the run's limits (the ground truth's outputs need a larger cap).
    """
    payload = {**payload, "site": list(getattr(sandbox, "site_packages", ()) or ())}
    files = {"harness.py": HARNESS_SOURCE, "program.py": program.encode("utf-8", "surrogatepass")}
    res = run_script(sandbox, "harness.py", files=files, stdin=H.task_payload(**payload), limits=settings.limits(wall, **limits))
    return res, json_lines(res.stdout)


class TaskPlan:
    """Everything needed to run any program of one problem (built once per problem, reused per program)."""

    def __init__(self, problem: dict[str, Any], gt: dict[str, Any], settings: SandboxSettings) -> None:
        base, plus = test_inputs(problem, "base_input"), test_inputs(problem, "plus_input")
        plus_ids = list(range(len(plus)))
        if gt.get("plus_kept") is not None:  # inputs whose expected output the sandbox could not hold
            plus_ids = list(gt["plus_kept"])
            plus = [plus[i] for i in plus_ids]
        mn, fac = float(settings.min_time_limit), float(settings.time_limit_factor)
        tl_base = [max(mn, fac * t) for t in gt["base_time"]]
        tl_plus = [max(mn, fac * t) for t in gt["plus_time"]]
        if len(tl_base) != len(base) or len(tl_plus) != len(plus):
            raise DataError(f"ground truth of {problem['id']} does not match its tests (stale ground-truth file?)")
        cap = float(settings.timeout_per_task)
        self.wall = min(cap, sum(tl_base)) + min(cap, sum(tl_plus)) + mn + float(settings.startup_slack)
        self.payload = dict(
            mode="check",
            dataset=problem["tests"]["dataset"],
            entry_point=problem["tests"]["entry_point"],
            atol=problem["tests"].get("atol") or 0,
            inputs=base + plus,
            expected=gt["base"] + gt["plus"],
            time_limits=tl_base + tl_plus,
            plus_start=len(base),
            exec_limit=mn,
            labels=[f"base[{i}]" for i in range(len(base))] + [f"plus[{i}]" for i in plus_ids],
        )
        self.n = len(base) + len(plus)
        self.plus_start = len(base)
        # seconds one correct program takes (the canonical's measured runtime): orders the work
        self.cost = float(sum(gt["base_time"]) + sum(gt["plus_time"]))


# the harness's names for a failed test -> verdict statuses
STATUS_OF = {"fail": "wrong", "timeout": "timeout", "error": "runtime_error", "memory": "memory"}
class Outcome(NamedTuple):
    """A program's verdict on one problem: its status, a detail, and whether its base tests all passed
    (None when the run ended without saying how far it got: a wall-clock kill, a crash)."""

    status: str
    detail: str
    base_passed: bool | None


NO_CODE = Outcome("no_answer", "no code could be extracted from the completion", False)


def reported_verdict(lines: list[dict[str, Any]], nonce: str, n: int, plus_start: int) -> Outcome | None:
    """What the harness itself reported: its nonce-signed pass over all ``n`` tests, or its first
    failure (tests run base first; a first failure at index ``plus_start`` or later passed base)."""
    for ln in lines:
        if ln.get("done") == nonce and ln.get("n") == n:
            return Outcome("correct", "", True)
    for ln in lines:
        if "t" in ln and ln.get("s") in STATUS_OF:
            failed_at = ln["t"] if isinstance(ln["t"], int) and not isinstance(ln["t"], bool) else -1
            return Outcome(STATUS_OF[ln["s"]], str(ln.get("d", ""))[:1000], failed_at >= plus_start)
    return None


def judge(res: RunResult, lines: list[dict[str, Any]], nonce: str, n: int, plus_start: int) -> Outcome:
    """The outcome of one run: correct only with the harness's nonce-signed count of passed tests.

    A run the sandbox itself could not carry out is no verdict: it raises ``VerifierError``.
    """
    if res.error:
        raise VerifierError(f"the sandbox failed to run a program: {res.error[:500]}")
    reported = reported_verdict(lines, nonce, n, plus_start)
    if reported is not None:
        return reported
    if res.timed_out:
        return Outcome("timeout", f"killed at the wall-clock limit ({res.wall_seconds:.1f}s)", None)
    if res.memory_exceeded:
        return Outcome("memory", "memory limit exceeded", None)
    if res.output_truncated:
        return Outcome("runtime_error", "output exceeded the cap; run stopped", None)
    if res.signal is not None:
        return Outcome("runtime_error", f"killed by signal {res.signal} before finishing the tests", None)
    tail = res.stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or [""]
    return Outcome("runtime_error", f"exited with code {res.exit_code} before finishing the tests {tail[0][:200]}".strip(), None)


def run_program(sandbox: Sandbox, settings: SandboxSettings, plan: TaskPlan, program: str) -> Outcome:
    """The outcome of one program against one problem's tests, in a sandbox of its own."""
    if not program.strip():
        return NO_CODE
    nonce = secrets.token_hex(16)
    res, lines = run_harness(sandbox, settings, program, {**plan.payload, "nonce": nonce}, wall=plan.wall)
    return judge(res, lines, nonce, plan.n, plan.plus_start)


def batch_verdict(event: dict[str, Any], nonce: str, n: int, plus_start: int) -> Outcome | None:
    """The verdict of one fork-server ``end`` event, or None when only a run of its own can tell.

    Trusted: the harness's signed pass, its first-failure line, and the server's wall-clock kill.
    Anything else (an exit or signal before any report, a flooded report, a tainted server) is
    judged again alone, where stderr, the cgroup's memory counter and the exit code are all seen.
    """
    if event.get("tainted"):
        return None
    reported = reported_verdict([ln for ln in event.get("lines", []) if isinstance(ln, dict)], nonce, n, plus_start)
    if reported is not None:
        return reported
    if event.get("killed") == "wall":
        return Outcome("timeout", f"killed at the wall-clock limit ({float(event.get('secs', 0.0)):.1f}s)", None)
    return None


def run_batch(sandbox: Sandbox, settings: SandboxSettings, entries: list[tuple[TaskPlan, str]]) -> tuple[dict[int, Outcome], set[int]]:
    """Run ``entries`` (problem plan, program) in one sandbox through the fork server.

    Returns the verdicts it could establish (by position in ``entries``) and the positions that
    must be run alone: the program that was running when the server stopped or was tainted, and
    those whose outcome ``batch_verdict`` does not trust. Positions in neither were not reached.
    """
    nonces = [secrets.token_hex(16) for _ in entries]
    site = list(getattr(sandbox, "site_packages", ()) or ())
    task_of: dict[int, int] = {}
    tasks: list[dict[str, Any]] = []
    for plan, _ in entries:
        if id(plan) not in task_of:
            task_of[id(plan)] = len(tasks)
            tasks.append({**plan.payload, "site": site})
    job = {
        "harness": "harness.py",
        "tasks": tasks,
        "programs": [
            [i, task_of[id(plan)], prog, nonces[i], plan.wall, math.ceil(plan.wall) + 1] for i, (plan, prog) in enumerate(entries)
        ],
        "memory_bytes": int(settings.memory_mb) << 20,
        "report_cap": REPORT_CAP,
    }
    stdin = H.task_payload(**job)
    # The server itself holds the tasks (up to ~5x their pickle in objects) beside each program's cap.
    overhead_mb = 1024 + 8 * (len(stdin) >> 20)
    limits = settings.limits(
        sum(plan.wall for plan, _ in entries) + 30.0,
        memory_mb=int(settings.memory_mb) + overhead_mb,
        max_output_bytes=len(entries) * (REPORT_CAP + 4096) + 65536,
    )
    res = run_script(
        sandbox,
        "forkserver.py",
        files={"forkserver.py": FORKSERVER_SOURCE, "harness.py": HARNESS_SOURCE},
        stdin=stdin,
        limits=limits,
        idle_seconds=max(plan.wall for plan, _ in entries) + 30.0,
        as_pid1=True,
    )
    done: dict[int, Outcome] = {}
    alone: set[int] = set()
    started: list[int] = []
    ended: set[int] = set()
    for ev in json_lines(res.stdout):
        i = ev.get("p")
        if not isinstance(i, int) or not 0 <= i < len(entries):
            continue
        if ev.get("ev") == "start":
            started.append(i)
        elif ev.get("ev") == "end":
            ended.add(i)
            verdict = batch_verdict(ev, nonces[i], entries[i][0].n, entries[i][0].plus_start)
            if verdict is None:
                alone.add(i)
            else:
                done[i] = verdict
    if started and started[-1] not in ended:
        alone.add(started[-1])  # running when the server stopped: it may be why
    return done, alone


BATCH_SECONDS = 1.0  # a batch of this much canonical runtime already hides the ~0.1 s sandbox start
STARTUP_SECONDS = 0.05  # what one more program adds to a batch besides its tests (fork, sweep)


def batch_seconds(plans: list[TaskPlan], workers: int) -> float:
    """The canonical runtime one batch may hold: ``BATCH_SECONDS``, or more when there is so much
    work that a batch of an eighth of one worker's share still leaves the tail short.

    The items are handed out costliest first (longest-processing-time order), so large batches
    run early and the small ones balance the workers at the end.
    """
    total = sum(p.cost + STARTUP_SECONDS for p in plans)
    return max(BATCH_SECONDS, total / (8 * max(1, workers)))


def batch_size_for(plan: TaskPlan, batch_size: int, seconds: float = BATCH_SECONDS) -> int:
    """How many programs of ``plan``'s problem share a sandbox: up to ``batch_size``, fewer when slow."""
    return max(1, min(batch_size, int(seconds / max(plan.cost + STARTUP_SECONDS, 1e-3))))


def pack_batches(
    chunks: list[list[tuple[TaskPlan, Any]]], batch_size: int, seconds: float = BATCH_SECONDS
) -> list[list[tuple[TaskPlan, Any]]]:
    """Chunks of programs (each of one problem) packed into batches of at most ``batch_size``
    programs and about ``seconds`` of canonical runtime, the costliest batches first.

    Small problems share a sandbox too (MBPP+ has 378 problems of a few ms each: a sandbox per
    problem would cost more than their tests); a slow problem keeps its batches to itself.
    """
    def cost(chunk: list[tuple[TaskPlan, Any]]) -> float:
        return sum(plan.cost + STARTUP_SECONDS for plan, _ in chunk)

    batches: list[list[tuple[TaskPlan, Any]]] = []
    current: list[tuple[TaskPlan, Any]] = []
    current_cost = 0.0
    for chunk in sorted(chunks, key=cost, reverse=True):
        chunk_cost = cost(chunk)
        if current and (len(current) + len(chunk) > batch_size or current_cost + chunk_cost > seconds):
            batches.append(current)
            current, current_cost = [], 0.0
        current += chunk
        current_cost += chunk_cost
    if current:
        batches.append(current)
    batches.sort(key=cost, reverse=True)
    return batches


def run_programs(sandbox: Sandbox, settings: SandboxSettings, entries: list[tuple[TaskPlan, str]]) -> list[Outcome]:
    """Verdicts of (problem plan, program) entries, batched where the backend allows.

    Rounds of batches until every program has a verdict; a round that settles nothing (the
    sandbox cannot start, say) hands the rest to runs of their own, so this always ends.
    """
    verdicts: dict[int, Outcome] = {}
    todo = []
    for i, (_, prog) in enumerate(entries):
        if prog.strip():
            todo.append(i)
        else:
            verdicts[i] = NO_CODE  # not batched: the harness would call it a missing entry point
    alone: set[int] = set()
    batching = int(settings.batch_size) > 1 and getattr(sandbox, "supports_pid1", False)
    while batching and len(todo) > 1:
        done, solo = run_batch(sandbox, settings, [entries[i] for i in todo])
        for j, verdict in done.items():
            verdicts[todo[j]] = verdict
        alone |= {todo[j] for j in solo}
        rest = [i for i in todo if i not in verdicts and i not in alone]
        if len(rest) == len(todo):
            break
        todo = rest
    for i in sorted(alone | set(todo)):
        if i not in verdicts:
            plan, prog = entries[i]
            verdicts[i] = run_program(sandbox, settings, plan, prog)
    return [verdicts[i] for i in range(len(entries))]
