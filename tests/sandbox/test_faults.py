"""Faults stop the run loudly, limits bind the program and nothing else, any checkout path works.

- a sandbox that cannot start, or a server that dies under a program run alone, is a
  ``VerifierError`` after one retry, never a verdict;
- a canonical solution that raises stops the ground truth (``DataError`` naming the input); one that
  exceeds the limits on a plus input has that input dropped and listed with its reason;
- a program's process cap counts only the program: not the verifier's own threads, not the other
  sandboxes running at the same time;
- read-only binds under /tmp and paths with spaces are visible inside the sandbox.
"""

from __future__ import annotations

import os
import threading
import time

import pytest

from passk.benchmarks.evalplus import execute as C
from passk.benchmarks.evalplus.groundtruth import compute_groundtruth, read_groundtruth
from passk.errors import DataError, VerifierError
from passk.io import write_jsonl
from passk.sandbox import bwrap, session
from passk.sandbox.base import Sandbox, SandboxLimits, Spawned
from passk.sandbox.bwrap import BwrapSandbox
from passk.sandbox.settings import SandboxSettings, make_sandbox

needs_bwrap = pytest.mark.skipif(not bwrap.BwrapSandbox.available()[0], reason="bwrap unavailable")
SETTINGS = SandboxSettings.from_config({"min_time_limit": 2.0, "startup_slack": 4.0, "timeout_per_task": 5.0, "memory_mb": 512, "max_processes": 16})
PROBLEM = {"id": "Toy/0", "question": "def add(a, b):\n",
           "tests": {"dataset": "humaneval", "entry_point": "add", "atol": 0, "base_input": [[1, 2]], "plus_input": [[3, 4]],
                     "canonical_solution": "    return a + b\n"}}
GT = {"base": [3], "plus": [7], "base_time": [0.0], "plus_time": [0.0]}


class BrokenSandbox(Sandbox):
    """Starts something that is not a fork server (``mode``: "exit" ends at once, "die" after one
    program started)."""

    name = "broken"

    def __init__(self, real: Sandbox, mode: str) -> None:
        self.real, self.mode, self.spawns = real, mode, 0
        self.python, self.site_packages = real.python, real.site_packages

    @classmethod
    def available(cls) -> tuple[bool, str]:
        return True, ""

    def spawn(self, argv: list[str], *, files: dict[str, bytes], limits: SandboxLimits) -> Spawned:
        self.spawns += 1
        if self.mode == "exit":
            argv = ["/bin/sh", "-c", "echo 'bwrap: something broke' >&2; exit 1"]
        else:  # the server starts the program, then is killed: a fault no program can cause
            files = {**files, "forkserver.py": files["forkserver.py"].replace(
                b"        self.frame(b\"S\", index)\n", b"        self.frame(b\"S\", index)\n        os.kill(os.getpid(), 9) if False else os._exit(9)\n", 1)}
        return self.real.spawn(argv, files=files, limits=limits)


@needs_bwrap
@pytest.mark.parametrize("mode", ["exit", "die"])
def test_a_sandbox_fault_is_a_verifier_error_after_one_retry(mode):
    box = BrokenSandbox(make_sandbox(SETTINGS), mode)
    plan = C.TaskPlan(PROBLEM, GT, SETTINGS)
    with pytest.raises(VerifierError, match="broken sandbox"):
        C.run_programs(box, SETTINGS, [(plan, "def add(a, b):\n    return a + b\n")])
    assert box.spawns == 2  # one retry, then the job fails with the cause named


def _problems(tmp_path, canonical: str, plus: list) -> str:
    path = tmp_path / "problems.jsonl"
    write_jsonl(path, [{"id": "Toy/0", "benchmark": "toy", "index": 0, "question": "def add(a, b):\n",
                        "tests": {**PROBLEM["tests"], "canonical_solution": canonical, "plus_input": plus}}])
    return str(path)


@needs_bwrap
def test_a_canonical_solution_that_raises_stops_the_ground_truth(tmp_path):
    problems = _problems(tmp_path, "    if a == 3:\n        raise ValueError('bad')\n    return a + b\n", [[3, 4]])
    with pytest.raises(DataError, match="canonical solution of Toy/0 failed on its plus input 0: ValueError: bad"):
        compute_groundtruth(problems, tmp_path / "gt.jsonl.zst", {"memory_mb": 512})


@needs_bwrap
def test_only_inputs_beyond_the_limits_are_dropped_and_each_is_listed(tmp_path, monkeypatch):
    from passk.benchmarks.evalplus import groundtruth as G

    monkeypatch.setattr(G, "RECORD_TEST_SECONDS", 2.0)
    canonical = "    import time\n    if a == 99:\n        time.sleep(30)\n    return a + b\n"  # beyond the (shortened) limit
    problems = _problems(tmp_path, canonical, [[3, 4], [99, 0], [5, 6]])
    out = tmp_path / "gt.jsonl.zst"
    compute_groundtruth(problems, out, {"memory_mb": 512})
    gt = read_groundtruth(out)
    entry = gt["tasks"]["Toy/0"]
    assert entry["plus"] == [7, 11] and entry["plus_kept"] == [0, 2]
    assert [d["index"] for d in entry["plus_dropped"]] == [1] and "time limit" in entry["plus_dropped"][0]["why"]
    assert gt["meta"]["dropped_plus_inputs"] == {"Toy/0": entry["plus_dropped"]}


@needs_bwrap
def test_inputs_beyond_the_limits_are_skipped_without_running_input_by_input(tmp_path, monkeypatch):
    """Mbpp/255's case: the run resumes after each input the canonical solution cannot run within
    the limits, so there is one more program per dropped input, never one per input."""
    from passk.benchmarks.evalplus import groundtruth as G

    programs: list[int] = []
    real = G.run_programs

    def counting(sandbox, limits, harness, batch, servers=None):
        programs.extend(len(p.task["inputs"]) for p in batch)
        return real(sandbox, limits, harness, batch, servers)

    monkeypatch.setattr(G, "run_programs", counting)
    canonical = "    if a == 99:\n        raise MemoryError\n    return a + b\n"  # what an output too big to hold raises
    problems = _problems(tmp_path, canonical, [[3, 4], [99, 0], [99, 1], [5, 6], [1, 1], [99, 2]])
    out = tmp_path / "gt.jsonl.zst"
    compute_groundtruth(problems, out, {"memory_mb": 512})
    entry = read_groundtruth(out)["tasks"]["Toy/0"]
    assert entry["plus"] == [7, 11, 2] and entry["plus_kept"] == [0, 3, 4] and len(entry["plus_time"]) == 3
    assert [d["index"] for d in entry["plus_dropped"]] == [1, 2, 5]
    assert all("memory limit on plus input" in d["why"] for d in entry["plus_dropped"])
    assert "plus input 5" in entry["plus_dropped"][2]["why"]
    # base, all plus; then resumed after input 1 (inputs 2-5) and after input 2 (inputs 3-5); none after the last
    assert programs == [1, 6, 4, 3]


@needs_bwrap
def test_an_output_over_the_record_cap_is_dropped_while_it_streams(tmp_path, monkeypatch):
    """Mbpp/255's input 85 in small: an expected output over the record line cap is dropped at the
    output cap (listed with that reason) while it is still being encoded and sent, the inputs after
    it are kept, and an output just under the cap is kept whole."""
    from passk.benchmarks.evalplus import groundtruth as G
    from passk.sandbox import wire

    monkeypatch.setattr(G, "RECORD", session.Harness(G.HARNESS_NAME, G.HARNESS_SOURCE, line_cap=1 << 20, total_cap=64 << 20))
    # a == 99: 400,000 tuples (about 12 MB encoded; a second to make); a == 50: 10,000 of them (0.7 MB)
    canonical = ("    from itertools import product\n    if a in (50, 99):\n"
                 "        return list(product('ab', repeat=b))[:10000 if a == 50 else 400000]\n    return a + b\n")
    problems = _problems(tmp_path, canonical, [[3, 4], [99, 19], [50, 14], [5, 6]])
    out = tmp_path / "gt.jsonl.zst"
    t0 = time.monotonic()
    compute_groundtruth(problems, out, {"memory_mb": 512})
    assert time.monotonic() - t0 < 60
    entry = read_groundtruth(out)["tasks"]["Toy/0"]
    assert entry["plus_kept"] == [0, 2, 3] and [d["index"] for d in entry["plus_dropped"]] == [1]
    assert "output cap on plus input 1" in entry["plus_dropped"][0]["why"]
    kept = wire.decode(entry["plus"][1])
    assert len(kept) == 10000 and kept[0] == ("a",) * 14 and entry["plus"][2] == 11
    assert wire.STREAM_CHUNK < 10000  # the kept output was streamed in pieces, and read back whole


@needs_bwrap
def test_the_process_cap_counts_the_program_only():
    """16 processes/threads a program: with 64 threads of our own and two sandboxes at once, a program
    using 12 still runs, and one asking for 40 does not."""
    threads_ok = "import threading, time\ndef add(a, b):\n    ts = [threading.Thread(target=time.sleep, args=(0.5,)) for _ in range(11)]\n" \
                 "    [t.start() for t in ts]\n    [t.join() for t in ts]\n    return a + b\n"
    too_many = threads_ok.replace("range(11)", "range(40)")
    stop = threading.Event()
    ours = [threading.Thread(target=stop.wait) for _ in range(64)]
    [t.start() for t in ours]
    try:
        plan = C.TaskPlan(PROBLEM, GT, SETTINGS)
        box = make_sandbox(SETTINGS)
        results: list = []

        def run() -> None:
            results.extend(C.run_programs(box, SETTINGS, [(plan, threads_ok), (plan, threads_ok + "# 2\n"), (plan, too_many)]))

        workers = [threading.Thread(target=run) for _ in range(2)]
        [w.start() for w in workers]
        [w.join() for w in workers]
    finally:
        stop.set()
        [t.join() for t in ours]
    assert [r.status for r in results] == ["correct", "correct", "runtime_error"] * 2, results


@needs_bwrap
def test_binds_under_tmp_and_paths_with_spaces_are_seen(tmp_path):
    """What a checkout under /tmp (or anywhere with spaces in its path) needs: its read-only binds
    are mounted over the scratch tmpfs, not hidden by it, and the clean-up between programs leaves them."""
    data = tmp_path / "a checkout with spaces" / ".venv"
    data.mkdir(parents=True)
    (data / "marker").write_text("here")
    box = BwrapSandbox(ro_binds=[str(data)])
    probe = f"import os\ndef add(a, b):\n    return a + b if open({str(data / 'marker')!r}).read() == 'here' else a - b\n"
    plan = C.TaskPlan(PROBLEM, GT, SETTINGS)
    got = C.run_programs(box, SETTINGS, [(plan, probe), (plan, probe + "# again, after the clean-up\n")])
    assert [g.status for g in got] == ["correct", "correct"], got


def test_no_cgroup_is_said_once(monkeypatch, caplog):
    from passk.sandbox import _cgroup

    monkeypatch.setattr(_cgroup, "_mode_cache", "none")
    monkeypatch.setattr(session, "_noted", set())
    box = BwrapSandbox.__new__(BwrapSandbox)
    box.use_cgroup = True
    notes = box.notes()
    assert notes and "no writable cgroup" in notes[0] and "per address space" in notes[0]
    with caplog.at_level("WARNING"):
        session.note_once(notes)
        session.note_once(notes)
    assert sum("no writable cgroup" in r.message for r in caplog.records) == 1
