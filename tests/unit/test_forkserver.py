"""The fork server (many programs in one sandbox) gives every program the verdict a sandbox of its
own gives it; the server's clean-up walks any tree; the seccomp filter is a real BPF program."""

from __future__ import annotations

import dataclasses
import os
import time

import pytest

from passk.benchmarks.evalplus import execute as C
from passk.sandbox import forkserver, seccomp
from passk.sandbox.bwrap import BwrapSandbox
from passk.sandbox.session import Servers
from passk.sandbox.settings import SandboxSettings, make_sandbox

needs_bwrap = pytest.mark.skipif(not BwrapSandbox.available()[0], reason="bwrap unavailable")

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


@needs_bwrap
def test_batched_verdicts_equal_solo_verdicts():
    sandbox = make_sandbox(SETTINGS)
    plan = _plan()
    names = list(PROGRAMS)
    batched = C.run_programs(sandbox, SETTINGS, [(plan, PROGRAMS[n]) for n in names])
    solo = [C.run_programs(sandbox, SETTINGS, [(plan, PROGRAMS[n])])[0] for n in names]
    got = {n: b[0] for n, b in zip(names, batched)}
    assert got == {n: s[0] for n, s in zip(names, solo)}
    assert got == {
        "correct": "correct", "correct_float_noise": "correct", "wrong": "wrong", "wrong_late": "wrong", "crash": "runtime_error",
        "loop": "timeout", "memory": "memory", "sys_exit_module": "runtime_error", "os_exit_call": "runtime_error",
        "writes_files": "correct", "sees_no_other_files": "correct", "empty": "no_answer",
    }


@needs_bwrap
def test_long_outputs_stream_and_a_line_broken_off_is_a_wrong_output():
    """A long list of tuples is written in pieces (``wire.message_pieces``) and judged as one
    line; a program whose list turns out not to be plain data after some pieces were written, or
    that returns far more than the expected output, gets a non-pass verdict, and the next program
    in the same server is judged as usual."""
    n = 12_000
    problem = {"id": "Toy/1", "question": "def f(a):\n", "tests": {"dataset": "mbpp", "entry_point": "f", "atol": 0,
                                                                      "base_input": [[n]], "plus_input": [[n + 1]]}}
    expected = [[("a", i) for i in range(m)] for m in (n, n + 1)]
    gt = {"base": [expected[0]], "plus": [expected[1]], "base_time": [0.0], "plus_time": [0.0]}
    plan = C.TaskPlan(problem, gt, SETTINGS)
    programs = {
        "correct": "def f(a):\n    return [('a', i) for i in range(a)]\n",
        "unplain_at_the_end": "def f(a):\n    return [('a', i) for i in range(a - 1)] + [object()]\n",
        "far_too_long": "def f(a):\n    return [('a', i) for i in range(a * 300)]\n",
        "correct_again": "def f(a):\n    return [('a', i) for i in range(a)]\n",
    }
    got = C.run_programs(make_sandbox(SETTINGS), SETTINGS, [(plan, code) for code in programs.values()])
    statuses = dict(zip(programs, (g.status for g in got)))
    assert statuses["correct"] == statuses["correct_again"] == "correct", got
    assert statuses["unplain_at_the_end"] == "wrong" and statuses["far_too_long"] != "correct", got


@needs_bwrap
def test_a_program_that_closes_its_output_is_still_timed_and_seen_to_exit():
    """After a program's output closes, the server waits for its exit on a pidfd (no polling): one
    that goes on running is still stopped at its time limit, one that exits is seen at once. Many
    short outputs (framed in batches, one write per read) are each judged as before."""
    plan = _plan()
    programs = {
        "closes_then_loops": "import os\ndef add(a, b):\n    os.closerange(0, 1 << 16)\n    while True:\n        pass\n",
        "closes_then_exits": "import os\ndef add(a, b):\n    os.closerange(0, 1 << 16)\n    os._exit(0)\n",
        "correct": PROGRAMS["correct"],
    }
    t0 = time.monotonic()
    got = C.run_programs(make_sandbox(SETTINGS), SETTINGS, [(plan, code) for code in programs.values()])
    statuses = dict(zip(programs, (g.status for g in got)))
    assert statuses == {"closes_then_loops": "timeout", "closes_then_exits": "runtime_error", "correct": "correct"}, got
    assert time.monotonic() - t0 < 30  # the loop ends at its limit (a few seconds), not the server's lease
    if hasattr(os, "pidfd_open"):
        watch = forkserver._exit_watch(os.getpid())
        assert watch is not None
        os.close(watch)
    # 3,000 tests: their short outputs reach the host in batches of frames; each is still judged
    n = 3000
    many = {"id": "Toy/2", "question": "def add(a, b):\n", "tests": {"dataset": "humaneval", "entry_point": "add", "atol": 0,
            "base_input": [[i, 1] for i in range(n)], "plus_input": [[1, 1]]}}
    gt = {"base": [i + 1 for i in range(n)], "plus": [2], "base_time": [0.0] * n, "plus_time": [0.0]}
    plan = C.TaskPlan(many, gt, SETTINGS)
    wrong_at = {"correct": PROGRAMS["correct"], "wrong_last_base": f"def add(a, b):\n    return a + b + (a == {n - 1})\n",
                "wrong_plus": "def add(a, b):\n    return a + b + (a == b == 1)\n", "correct_again": PROGRAMS["correct"]}
    got = C.run_programs(make_sandbox(SETTINGS), SETTINGS, [(plan, code) for code in wrong_at.values()])
    assert [g.status for g in got] == ["correct", "wrong", "wrong", "correct"], got
    assert f"base input {n - 1}" in got[1].detail or str(n - 1) in got[1].detail, got[1]


@needs_bwrap
def test_batch_size_one_never_shares_a_sandbox(monkeypatch):
    from passk.benchmarks.evalplus import verify as V

    calls, kept = [], []
    real = V.run_programs
    monkeypatch.setattr(V, "run_programs", lambda sb, st, entries, servers: calls.append(len(entries)) or kept.append(servers) or real(sb, st, entries, servers))
    settings = dataclasses.replace(SETTINGS, batch_size=1)
    rows = V.verify({"Toy/0": PROBLEM}, [{"problem_id": "Toy/0", "sample_index": i, "solution": PROGRAMS[n]} for i, n in enumerate(["correct", "wrong"])],
                    V.VerifyContext(bench={}, workers=1, sandbox=dataclasses.asdict(settings) | {"site_packages": None},
                                    groundtruth=_gt_file()))
    assert [r["status"] for r in rows] == ["correct", "wrong"] and calls == [1, 1]
    assert kept[0] is kept[1] and kept[0].started == 2  # no server went on to the next batch


def _gt_file() -> str:
    import gzip
    import json
    import tempfile

    path = os.path.join(tempfile.mkdtemp(), "gt.json.gz")  # a format-2 fixture
    with gzip.open(path, "wt") as fh:
        json.dump({"meta": {}, "tasks": {"Toy/0": GT}}, fh)
    return path


def test_server_refuses_to_run_outside_a_private_pid_namespace(monkeypatch, capsys):
    monkeypatch.setattr(forkserver, "_prctl", lambda *a: None)
    monkeypatch.setattr(forkserver.signal, "signal", lambda *a: None)
    monkeypatch.setattr(forkserver.sys, "argv", ["forkserver.py"])
    r, w = os.pipe()
    monkeypatch.setattr(forkserver.os, "dup", lambda fd: w if fd == 1 else os.dup(fd))
    assert forkserver.main() == 2  # kill(-1) here would hit every process of this user
    os.close(w)
    assert b"not PID 1" in os.read(r, 65536)
    os.close(r)


@needs_bwrap
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
    got = C.run_programs(make_sandbox(SETTINGS), SETTINGS, entries)
    assert [g[0] for g in got] == ["correct", "correct", "runtime_error", "runtime_error", "wrong"]


def _servers_alive() -> set[int]:
    """Fork servers running on this machine (their command line names forkserver.py)."""
    alive = set()
    for pid in os.listdir("/proc"):
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as fh:
                argv = fh.read().split(b"\0")
            if b"forkserver.py" in argv and b"python" in os.path.basename(argv[0]):  # not bwrap's own command line
                alive.add(int(pid))
        except (OSError, ValueError):
            pass
    return alive


@needs_bwrap
def test_a_clean_server_goes_on_to_the_next_batch_up_to_batch_size():
    """Batches are for scheduling, sandboxes for isolation: a server that ends a batch cleanly takes
    the next, until it has run ``batch_size`` programs; verdicts are those of sandboxes of their own."""
    sandbox = make_sandbox(SETTINGS)
    plan = _plan()
    names = [n for n in PROGRAMS if n != "empty"]  # 11 programs (a crash, a loop, a memory hog among them)
    before = _servers_alive()
    with Servers(4) as servers:
        got = []
        for i in range(0, len(names), 2):  # batches of 2, 2, 2, 2, 2, 1: two batches per server
            got += C.run_programs(sandbox, SETTINGS, [(plan, PROGRAMS[n]) for n in names[i : i + 2]], servers)
        assert servers.started == 3
        assert len(_servers_alive() - before) == 1  # the third, idle, until the run ends
    assert _servers_alive() - before == set()
    solo = [C.run_programs(sandbox, SETTINGS, [(plan, PROGRAMS[n])])[0] for n in names]
    assert [g[0] for g in got] == [s[0] for s in solo]
    assert "timeout" in [g[0] for g in got] and "memory" in [g[0] for g in got]


@needs_bwrap
def test_a_tainted_server_is_not_kept_and_one_program_per_sandbox_keeps_none():
    """A program that changes the server's scheduling taints it: the next batch gets a fresh
    sandbox. ``batch_size`` 1 never lets two programs share one, across batches too."""
    idle = ("import os\ndef add(a, b):\n    for pid in (1, 0):\n        try:\n"
            "            os.sched_setscheduler(pid, os.SCHED_IDLE, os.sched_param(0))\n        except OSError:\n"
            "            pass\n    return a - b\n")
    sandbox = make_sandbox(SETTINGS)
    plan = _plan()
    with Servers(32) as servers:
        first = C.run_programs(sandbox, SETTINGS, [(plan, PROGRAMS["correct"]), (plan, idle)], servers)
        second = C.run_programs(sandbox, SETTINGS, [(plan, PROGRAMS["correct"])], servers)
        assert servers.started == 2
    assert [o[0] for o in first + second] == ["correct", "wrong", "correct"]
    with Servers(1) as servers:
        for _ in range(3):
            assert C.run_programs(sandbox, SETTINGS, [(plan, PROGRAMS["correct"])], servers)[0][0] == "correct"
        assert servers.started == 3


@needs_bwrap
def test_a_kept_server_that_died_while_idle_is_replaced_not_a_fault():
    import signal

    sandbox = make_sandbox(SETTINGS)
    plan = _plan()
    with Servers(32) as servers:
        assert C.run_programs(sandbox, SETTINGS, [(plan, PROGRAMS["correct"])], servers)[0][0] == "correct"
        (live,) = servers._idle
        os.killpg(live.spawned.proc.pid, signal.SIGKILL)
        live.spawned.proc.wait()
        got = C.run_programs(sandbox, SETTINGS, [(plan, PROGRAMS["correct"]), (plan, PROGRAMS["wrong"])], servers)
        assert [g[0] for g in got] == ["correct", "wrong"] and servers.started == 2


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


@needs_bwrap
def test_a_process_left_holding_the_pipe_does_not_stall_the_batch():
    """A program's run is over when its process exits, even if a process it forked keeps the pipe
    open: the server does not wait for EOF until the wall clock (it sweeps the rest)."""
    lingering = "import os, time\ndef add(a, b):\n    if os.fork() == 0:\n        time.sleep(60)\n        os._exit(0)\n    return a + b\n"
    plan = _plan()
    t0 = time.monotonic()
    got = C.run_programs(make_sandbox(SETTINGS), SETTINGS, [(plan, lingering), (plan, PROGRAMS["correct"])])
    elapsed = time.monotonic() - t0
    assert [g[0] for g in got] == ["correct", "correct"], got
    assert elapsed < plan.wall / 2, f"{elapsed:.1f}s: waited for the lingering process (wall {plan.wall}s)"


@needs_bwrap
def test_base_passed_says_whether_the_base_tests_passed():
    """A program right on the base tests and wrong on plus is wrong with base_passed true: the
    false-positive rate of the base tests (issue 15) is counted from it, batched or alone."""
    sandbox = make_sandbox(SETTINGS)
    plan = _plan()
    names = ["correct", "wrong_late", "wrong", "empty"]
    batched = C.run_programs(sandbox, SETTINGS, [(plan, PROGRAMS[n]) for n in names])
    solo = [C.run_programs(sandbox, SETTINGS, [(plan, PROGRAMS[n])])[0] for n in names]
    for got in (batched, solo):
        assert [(o.status, o.base_passed) for o in got] == [("correct", True), ("wrong", True), ("wrong", False), ("no_answer", False)]


def test_wipe_removes_any_tree_and_keeps_what_it_is_told(tmp_path):
    """Deeper than PATH_MAX, unreadable directories, symlinks out: removed without recursion; kept
    paths (the server's files, mount points and the directories leading to them) stay."""
    root = tmp_path / "scratch"
    root.mkdir()
    (root / "harness.py").write_text("keep")
    (root / "mnt" / "venv").mkdir(parents=True)
    (root / "mnt" / "venv" / "lib").write_text("keep")
    (root / "mnt" / "planted").write_text("x")
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "precious").write_text("keep")
    (root / "link").symlink_to(outside)
    deep = os.open(root, os.O_RDONLY)
    for _ in range(1100):  # nested far beyond PATH_MAX (4096) with 8-character names
        os.mkdir("d" * 8, dir_fd=deep)
        nxt = os.open("d" * 8, os.O_RDONLY, dir_fd=deep)
        os.close(deep)
        deep = nxt
    with open(os.open("leaf", os.O_WRONLY | os.O_CREAT, dir_fd=deep), "w") as fh:
        fh.write("x")
    os.close(deep)
    (root / "locked").mkdir()
    (root / "locked" / "f").write_text("x")
    os.chmod(root / "locked", 0)
    keep = {f"{root}/harness.py", f"{root}/mnt/venv"}
    forkserver.wipe(str(root), keep, time.monotonic() + 60)
    assert sorted(os.listdir(root)) == ["harness.py", "mnt"]
    assert os.listdir(root / "mnt") == ["venv"] and (root / "mnt" / "venv" / "lib").read_text() == "keep"
    assert (outside / "precious").read_text() == "keep"


def test_wipe_gives_up_loudly_at_its_deadline(tmp_path):
    (tmp_path / "a").mkdir()
    with pytest.raises(forkserver.Tainted, match="took too long"):
        forkserver.wipe(str(tmp_path), set(), time.monotonic() - 1)


def test_seccomp_filter_denies_and_allows():
    """The hand-built BPF program, installed in a forked child: denied calls fail with EPERM,
    clone3 with ENOSYS (so threads fall back to clone), namespace flags on clone with EPERM; fork,
    threads and subprocesses still work."""
    import ctypes

    if os.uname().machine not in seccomp.ARCHES:
        pytest.skip("no table for this architecture")
    assert len(seccomp.program()) % 8 == 0
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            seccomp.install()
            libc = ctypes.CDLL(None, use_errno=True)
            nrs = seccomp.ARCHES[os.uname().machine][1]
            out = []
            for name in ("io_uring_setup", "add_key", "keyctl", "ptrace", "perf_event_open", "bpf", "userfaultfd", "unshare", "mount", "setns"):
                ctypes.set_errno(0)
                res = libc.syscall(nrs[name], 0, 0, 0, 0, 0)
                out.append(f"{name}={res}/{ctypes.get_errno()}")
            import subprocess
            import threading

            t = threading.Thread(target=lambda: None)
            t.start()
            t.join()
            out.append("sub=" + subprocess.run(["/bin/echo", "ok"], capture_output=True).stdout.decode().strip())
            os.write(w, " ".join(out).encode())
        finally:
            os._exit(0)
    os.close(w)
    os.waitpid(pid, 0)
    got = os.read(r, 65536).decode()
    os.close(r)
    for name in ("io_uring_setup", "add_key", "keyctl", "ptrace", "perf_event_open", "bpf", "userfaultfd", "unshare", "mount", "setns"):
        assert f"{name}=-1/1" in got, got
    assert "sub=ok" in got
