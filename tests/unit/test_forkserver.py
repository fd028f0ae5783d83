"""The fork server (many programs of one problem in one sandbox) gives every program the verdict a
sandbox of its own gives it, and hands back to a run of its own whatever it cannot vouch for."""

from __future__ import annotations

import dataclasses

import pytest

from passk.benchmarks.evalplus import execute as C
from passk.sandbox import forkserver
from passk.sandbox.bwrap import BwrapSandbox
from passk.sandbox.settings import SandboxSettings, make_sandbox

pytestmark = pytest.mark.skipif(not BwrapSandbox.available()[0], reason="bwrap unavailable")

PROBLEM = {
    "id": "Toy/0",
    "question": "def add(a, b):\n",
    "tests": {"dataset": "humaneval", "entry_point": "add", "atol": 0, "base_input": [[1, 2], [3, 4]], "plus_input": [[10, -5], [0.5, 0.25]]},
}
GT = {"base": [3, 7], "plus": [5, 0.75], "base_time": [0.0, 0.0], "plus_time": [0.0, 0.0]}
SETTINGS = SandboxSettings.from_config({"min_time_limit": 1.0, "startup_slack": 5.0, "timeout_per_task": 2.0, "memory_mb": 512})

PROGRAMS = {
    "correct": "def add(a, b):\n    return a + b\n",
    "correct_float_noise": "def add(a, b):\n    return a + b + (1e-9 if isinstance(a, float) else 0)\n",
    "wrong": "def add(a, b):\n    return a - b\n",
    "wrong_late": "def add(a, b):\n    return a + b if isinstance(a, int) else 0.0\n",
    "crash": "def add(a, b):\n    raise ValueError('no')\n",
    "loop": "def add(a, b):\n    while True:\n        pass\n",
    "memory": "def add(a, b):\n    x = bytearray(10 ** 10)\n    return a + b\n",
    "sys_exit_module": "import sys\nsys.exit(0)\n",
    "os_exit_call": "import os\ndef add(a, b):\n    os._exit(0)\n",
    "writes_files": "import os\ndef add(a, b):\n    open('f.txt', 'w').write('x')\n    open('/tmp/shared.txt', 'w').write('x')\n    return a + b\n",
    "sees_no_other_files": "import os\ndef add(a, b):\n    assert not os.path.exists('/tmp/shared.txt') and not os.path.exists('f.txt'), os.listdir('/tmp')\n    return a + b\n",
    "empty": "",
}


def _plan() -> C.TaskPlan:
    return C.TaskPlan(PROBLEM, GT, SETTINGS)


def test_batched_verdicts_equal_solo_verdicts():
    sandbox = make_sandbox(SETTINGS)
    plan = _plan()
    names = list(PROGRAMS)
    batched = C.run_programs(sandbox, SETTINGS, [(plan, PROGRAMS[n]) for n in names])
    solo = [C.run_program(sandbox, SETTINGS, plan, PROGRAMS[n]) for n in names]
    got = {n: b[0] for n, b in zip(names, batched)}
    assert got == {n: s[0] for n, s in zip(names, solo)}
    assert got == {
        "correct": "correct", "correct_float_noise": "correct", "wrong": "wrong", "wrong_late": "wrong", "crash": "runtime_error",
        "loop": "timeout", "memory": "memory", "sys_exit_module": "runtime_error", "os_exit_call": "runtime_error",
        "writes_files": "correct", "sees_no_other_files": "correct", "empty": "no_answer",
    }


def test_untrusted_outcomes_run_alone_and_the_rest_stay_batched():
    sandbox = make_sandbox(SETTINGS)
    names = ["correct", "os_exit_call", "wrong", "loop", "crash"]
    plan = _plan()
    done, alone = C.run_batch(sandbox, SETTINGS, [(plan, PROGRAMS[n]) for n in names])
    assert alone == {1}  # exited before any report: only a run of its own sees why
    assert {names[i]: v[0] for i, v in done.items()} == {"correct": "correct", "wrong": "wrong", "loop": "timeout", "crash": "runtime_error"}


def test_batch_verdict_trusts_only_reports_and_wall_clock():
    ev = {"lines": [{"done": "n1", "n": 4}], "killed": None, "tainted": ""}
    assert C.batch_verdict(ev, "n1", 4, 2) == ("correct", "", True)
    assert C.batch_verdict(ev, "other", 4, 2) is None  # someone else's nonce
    assert C.batch_verdict({**ev, "tainted": "limits changed"}, "n1", 4, 2) is None
    assert C.batch_verdict({"lines": [], "killed": "wall", "secs": 3.0}, "n1", 4, 2)[0] == "timeout"
    assert C.batch_verdict({"lines": [], "killed": "output"}, "n1", 4, 2) is None
    assert C.batch_verdict({"lines": [], "exit": 0}, "n1", 4, 2) is None


def test_batch_size_one_never_batches(monkeypatch):
    calls = []
    monkeypatch.setattr(C, "run_batch", lambda *a, **k: calls.append(a) or ({}, set()))
    sandbox = make_sandbox(SETTINGS)
    settings = dataclasses.replace(SETTINGS, batch_size=1)
    plan = _plan()
    got = C.run_programs(sandbox, settings, [(plan, PROGRAMS["correct"]), (plan, PROGRAMS["wrong"])])
    assert [g[0] for g in got] == ["correct", "wrong"] and calls == []


def test_server_refuses_to_run_outside_a_private_pid_namespace(monkeypatch, capsys):
    monkeypatch.setattr(forkserver, "_prctl", lambda *a: None)
    monkeypatch.setattr(forkserver.signal, "signal", lambda *a: None)
    assert forkserver.main() == 2  # kill(-1) here would hit every process of this user
    assert "not PID 1" in capsys.readouterr().err


def test_programs_of_several_problems_share_a_server():
    """Small problems are packed into one sandbox; each program is judged against its own problem."""
    other = {
        "id": "Toy/1",
        "question": "def mul(a, b):\n",
        "tests": {"dataset": "humaneval", "entry_point": "mul", "atol": 0, "base_input": [[2, 3]], "plus_input": [[4, 5], [0, 9]]},
    }
    plan_add = _plan()
    plan_mul = C.TaskPlan(other, {"base": [6], "plus": [20, 0], "base_time": [0.0], "plus_time": [0.0, 0.0]}, SETTINGS)
    entries = [
        (plan_add, PROGRAMS["correct"]),
        (plan_mul, "def mul(a, b):\n    return a * b\n"),
        (plan_mul, PROGRAMS["correct"]),  # add() is no answer to mul's problem
        (plan_add, "def mul(a, b):\n    return a * b\n"),
        (plan_mul, "def mul(a, b):\n    return a + b\n"),
    ]
    done, alone = C.run_batch(make_sandbox(SETTINGS), SETTINGS, entries)
    assert alone == set()
    assert [done[i][0] for i in range(len(entries))] == ["correct", "correct", "runtime_error", "runtime_error", "wrong"]


def test_pack_batches_keeps_slow_problems_apart():
    def plan(cost: float) -> C.TaskPlan:
        p = C.TaskPlan.__new__(C.TaskPlan)
        p.cost = cost
        return p

    fast = [plan(0.001) for _ in range(40)]
    slow = plan(5.0)
    chunks = [[(p, f"f{i}-{j}") for j in range(3)] for i, p in enumerate(fast)]
    size = C.batch_size_for(slow, 32)
    assert size == 1
    chunks += [[(slow, f"s{j}")] for j in range(4)]
    batches = C.pack_batches(chunks, 32)
    assert sorted(x for b in batches for _, x in b) == sorted(x for c in chunks for _, x in c)
    assert all(len(b) <= 32 for b in batches)
    assert [len(b) for b in batches[:4]] == [1, 1, 1, 1] and all(b[0][0] is slow for b in batches[:4])
    for b in batches:  # a problem's chunk is never split across batches
        for c in chunks:
            names = {x for _, x in c}
            inside = names & {x for _, x in b}
            assert inside in (set(), names)


def test_batch_seconds_grow_with_the_work_but_never_below_the_floor():
    def plan(cost: float) -> C.TaskPlan:
        p = C.TaskPlan.__new__(C.TaskPlan)
        p.cost = cost
        return p

    assert C.batch_seconds([plan(0.001)] * 10, workers=2) == C.BATCH_SECONDS
    many = [plan(1.0)] * 160  # 168 s of work over 2 workers: batches of ~10 s, 16 or more of them
    secs = C.batch_seconds(many, workers=2)
    assert secs == pytest.approx(160 * 1.05 / 16)
    assert C.batch_size_for(plan(1.0), 32, secs) == 10 and C.batch_size_for(plan(20.0), 32, secs) == 1


def test_a_process_left_holding_the_report_pipe_does_not_stall_the_batch():
    """The report is complete when the program's process exits, even if a process it forked keeps
    the pipe open: the server does not wait for EOF until the wall clock (then sweeps the rest)."""
    import time

    lingering = "import os, time\ndef add(a, b):\n    if os.fork() == 0:\n        time.sleep(60)\n        os._exit(0)\n    return a + b\n"
    plan = _plan()
    t0 = time.monotonic()
    done, alone = C.run_batch(make_sandbox(SETTINGS), SETTINGS, [(plan, lingering), (plan, PROGRAMS["correct"])])
    elapsed = time.monotonic() - t0
    assert alone == set() and done[0][0] == "correct" and done[1][0] == "correct", (done, alone)
    assert elapsed < plan.wall / 2, f"{elapsed:.1f}s: waited for the lingering process (wall {plan.wall}s)"


def test_base_passed_says_whether_the_base_tests_passed():
    """A program right on the base tests and wrong on plus is wrong with base_passed true: the
    false-positive rate of the base tests (issue 15) is counted from it, batched or alone."""
    sandbox = make_sandbox(SETTINGS)
    plan = _plan()
    names = ["correct", "wrong_late", "wrong", "empty"]
    batched = C.run_programs(sandbox, SETTINGS, [(plan, PROGRAMS[n]) for n in names])
    solo = [C.run_program(sandbox, SETTINGS, plan, PROGRAMS[n]) for n in names]
    for got in (batched, solo):
        assert [(o.status, o.base_passed) for o in got] == [("correct", True), ("wrong", True), ("wrong", False), ("no_answer", False)]
