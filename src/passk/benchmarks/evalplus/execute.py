"""Running EvalPlus programs: the task plan of a problem, and many programs through fork servers
with the judge outside the sandbox.

Why: evalplus forks twice per sample (base, plus) and judges inside the program's own interpreter;
here each distinct (problem, program) runs once, in a fork of a warm server inside the sandbox
(``passk.sandbox.forkserver``), which sends back only what the program returned, test by test;
this process judges (``passk.benchmarks.evalplus.judge``) and stops a program at its first wrong
output. Expected outputs never enter the sandbox.

The sandbox settings (``passk.sandbox.settings``) that matter here: ``min_time_limit`` and
``time_limit_factor`` (a test's limit is ``max(min_time_limit, factor * canonical runtime on this
machine)`` as in evalplus, plus ``factor`` times the time sending an output of the expected size
may take; loading the program gets ``min_time_limit``), ``timeout_per_task``
(caps the sum of test limits of base and of plus, as evalplus's ``EVALPLUS_TIMEOUT_PER_TASK``; a
program's wall clock is ``cap(base) + cap(plus) + min_time_limit + startup_slack``) and
``batch_size``: up to this many distinct programs share one sandbox (``passk.verify.batches``:
programs of small problems share, a slow problem's are spread); 1 gives every program a sandbox of
its own.
"""

from __future__ import annotations

import json
from pathlib import Path
from collections.abc import Sequence
from typing import Any

from passk.benchmarks.evalplus import harness as H
from passk.benchmarks.evalplus.judge import MBPP_OUTPUT_NOT_NONE_TASKS, NO_CODE, CheckJudge, ExpectedOutputs, Outcome, output_facts
from passk.benchmarks.evalplus.prepare import test_inputs
from passk.errors import DataError
from passk.sandbox import wire
from passk.sandbox.base import Sandbox
from passk.sandbox.session import Harness, Program, Servers, run_programs as run_in_sandboxes, step_limits
from passk.sandbox.settings import SandboxSettings

HARNESS_NAME = "harness_evalplus.py"
HARNESS_SOURCE = Path(H.__file__).read_bytes()
MIN_LINE_CAP = 1 << 20  # bytes one test's output may take, at least (more when the expected output is larger)
MIN_TOTAL_CAP = 16 << 20  # bytes all outputs of a program may take, at least
# Seconds to make plain, encode and relay one byte of output in the harness (about 0.1 s per MB on
# a loaded 2-core machine for Mbpp/255's 40-115 MB outputs of tuples, which the call itself makes
# in 0.2 s): added to a test's limit, times the factor, so that a correct program is never timed
# out by the verifier's own cost of sending what it returned.
SEND_SECONDS_PER_BYTE = 0.1 / 1e6

__all__ = ["NO_CODE", "Outcome", "TaskPlan", "run_programs", "chunk_cost", "batch_seconds", "batch_size_for"]


def not_none_task(problem: dict[str, Any]) -> bool:
    """Whether evalplus compares only "is not None" for this problem's outputs."""
    return problem["tests"]["dataset"] == "mbpp" and problem["tests"]["entry_point"] in MBPP_OUTPUT_NOT_NONE_TASKS


class TaskPlan:
    """Everything needed to run and judge any program of one problem (built once per problem)."""

    def __init__(self, problem: dict[str, Any], gt: dict[str, Any], settings: SandboxSettings) -> None:
        base, plus = test_inputs(problem, "base_input"), test_inputs(problem, "plus_input")
        plus_ids = list(range(len(plus)))
        if gt.get("plus_kept") is not None:  # inputs the canonical solution could not run within the limits
            plus_ids = list(gt["plus_kept"])
            plus = [plus[i] for i in plus_ids]
        if len(gt["base_time"]) != len(base) or len(gt["plus_time"]) != len(plus) or len(gt["base"]) != len(base) or len(gt["plus"]) != len(plus):
            raise DataError(f"ground truth of {problem['id']} does not match its tests (stale ground-truth file?)")
        texts = gt.get("texts")
        if texts is None:  # given as decoded values (tests, tools): encoded here, as a ground-truth file holds them
            facts = [output_facts(wire.encode(v)) for v in [*gt["base"], *gt["plus"]]]
            texts = [text.encode("ascii") for text, _, _ in facts]
            floats, by_bytes = [f for _, f, _ in facts], [not nan for _, _, nan in facts]
        else:
            floats, by_bytes = gt["floats"], gt["by_bytes"]
        self.texts: list[bytes] = texts
        self.expected = ExpectedOutputs(texts)
        self.by_bytes = by_bytes
        # evalplus forces atol to 1e-6 after a float expected output: known per test once, not per program
        self.float_expected = floats
        sizes = gt.get("out_bytes") or [len(t) for t in texts]
        mn, fac = float(settings.min_time_limit), float(settings.time_limit_factor)
        # evalplus's limit covers the call only; here the output must also be made plain, encoded
        # and relayed before the next test's clock starts: the verifier's own cost, granted per byte
        limits = [max(mn, fac * t) + fac * SEND_SECONDS_PER_BYTE * size for t, size in zip(gt["base_time"] + gt["plus_time"], sizes)]
        tl_base, tl_plus = limits[: len(base)], limits[len(base) :]
        cap = float(settings.timeout_per_task)
        self.id = problem["id"]
        self.wall = min(cap, sum(tl_base)) + min(cap, sum(tl_plus)) + mn + float(settings.startup_slack)
        self.dataset = problem["tests"]["dataset"]
        self.entry_point = problem["tests"]["entry_point"]
        self.atol = problem["tests"].get("atol") or 0
        self.inputs = base + plus
        self.labels = [f"base[{i}]" for i in range(len(base))] + [f"plus[{i}]" for i in plus_ids]
        self.n = len(self.inputs)
        self.plus_start = len(base)
        self.line_cap = max(MIN_LINE_CAP, 2 * max(sizes, default=0) + 1024)
        self.total_cap = max(MIN_TOTAL_CAP, 2 * sum(sizes) + self.line_cap)
        self.limits = step_limits(mn, tl_base + tl_plus)
        # seconds one correct program takes (the canonical's measured runtime): orders the work
        self.cost = float(sum(gt["base_time"]) + sum(gt["plus_time"]))
        self._tasks: dict[tuple[str, ...], dict[str, Any]] = {}
        self._task_texts: dict[tuple[str, ...], str] = {}

    def task(self, site: tuple[str, ...]) -> dict[str, Any]:
        """The task sent into the sandbox: inputs and limits, no expected output (one object per site list)."""
        if site not in self._tasks:
            self._tasks[site] = {"mode": "check", "entry_point": self.entry_point, "not_none": self.dataset == "mbpp"
                                 and self.entry_point in MBPP_OUTPUT_NOT_NONE_TASKS, "inputs": wire.encode(self.inputs),
                                 "limits": self.limits, "site": list(site)}
        return self._tasks[site]

    def task_text(self, site: tuple[str, ...]) -> str:
        """``task(site)`` as the JSON text a fork server's job holds: encoded once per problem, not
        once per batch of its programs."""
        if site not in self._task_texts:
            self._task_texts[site] = json.dumps(self.task(site), ensure_ascii=True)
        return self._task_texts[site]

    def judge(self) -> CheckJudge:
        """A fresh judge for one run of one program."""
        return CheckJudge(self.dataset, self.entry_point, self.atol, self.inputs, self.expected, self.labels,
                          self.plus_start, self.line_cap, self.texts, self.float_expected, self.by_bytes)


def run_programs(sandbox: Sandbox, settings: SandboxSettings, entries: list[tuple[TaskPlan, str]],
                 servers: Servers | None = None) -> list[Outcome]:
    """Outcomes of (problem plan, program) entries, all in one batch (fresh sandboxes only where
    ``passk.sandbox.session`` needs them; ``servers``: fork servers kept between the run's batches);
    an empty program is ``no_answer`` without running."""
    out: list[Outcome | None] = [None] * len(entries)
    site = tuple(getattr(sandbox, "site_packages", ()) or ())
    todo = [i for i, (_, prog) in enumerate(entries) if prog.strip()]
    for i, (_, prog) in enumerate(entries):
        if not prog.strip():
            out[i] = NO_CODE
    if todo:
        plans = [entries[i][0] for i in todo]
        harness = Harness(HARNESS_NAME, HARNESS_SOURCE, max(p.line_cap for p in plans), max(p.total_cap for p in plans))
        programs = [Program(entries[i][0].task_text(site), entries[i][1], entries[i][0].wall, entries[i][0].judge) for i in todo]
        for i, outcome in zip(todo, run_in_sandboxes(sandbox, settings.limits(max(p.wall for p in plans)), harness, programs, servers)):
            out[i] = outcome
    return [o for o in out if o is not None]


BATCH_SECONDS = 1.0  # a batch of this much canonical runtime already hides the ~0.1 s sandbox start
STARTUP_SECONDS = 0.05  # what one more program adds to a batch besides its tests (fork, sweep)


def batch_seconds(plans: list[TaskPlan], workers: int) -> float:
    """The canonical runtime one batch may hold: ``BATCH_SECONDS``, or more when there is so much
    work that a batch of an eighth of one worker's share still leaves the tail short."""
    total = sum(p.cost + STARTUP_SECONDS for p in plans)
    return max(BATCH_SECONDS, total / (8 * max(1, workers)))


def batch_size_for(plan: TaskPlan, batch_size: int, seconds: float = BATCH_SECONDS) -> int:
    """How many programs of ``plan``'s problem share a sandbox: up to ``batch_size``, fewer when slow."""
    return max(1, min(batch_size, int(seconds / max(plan.cost + STARTUP_SECONDS, 1e-3))))


def chunk_cost(chunk: Sequence[tuple[TaskPlan, Any]]) -> float:
    """Estimated seconds of a chunk of (plan, program) entries: the canonical runtime of each, plus
    ``STARTUP_SECONDS``. Orders the work and bounds a batch (``passk.verify.batches``)."""
    return sum(plan.cost + STARTUP_SECONDS for plan, _ in chunk)
