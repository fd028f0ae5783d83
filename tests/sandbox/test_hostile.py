"""Hostile programs, each verified as a HumanEval-style sample: every one gets a non-pass verdict,
every correct program (before, between and after them) passes, every sample gets a verdict, and
the host is unchanged (canary intact, no file planted, no process, SysV IPC object, POSIX queue or
key left, no connection received). They all run in one call of the EvalPlus verifier, so they share
fork servers with each other and with the correct programs.

Backends: bwrap as this user (with a cgroup where one can be written), bwrap with cgroups made
unavailable (what an unprivileged user gets; ``.ci/run`` also runs this file as an unprivileged
user), and docker when a daemon and the image are there. The programs are in
``hostile_programs.py``; the toy task has a hand-made ground truth, so no benchmark data is needed.
"""

from __future__ import annotations

import gzip
import json
import os
import socket
import threading
import time
from pathlib import Path

import pytest

from passk.benchmarks.evalplus import execute as code_mod
from passk.benchmarks.evalplus.verify import verify as verify_evalplus
from passk.sandbox import _cgroup, bwrap
from passk.verify.family import VerifyContext

from hostile_programs import GOOD, GOOD_AND_CLEAN, hostile

DOCKER_IMAGE = os.environ.get("PASSK_DOCKER_IMAGE", "passk-sandbox:latest")
PROMPT = 'def add(a, b):\n    """Return a + b."""\n'
INPUTS = [[1, 2], [3, 4], [10, -5]]
# correct programs placed right after the hostile ones whose effect a neighbour could inherit
AFTER = ("tamper_server_limits", "sched_idle_server", "ioprio_idle_server", "sysv_objects_left", "posix_mqueue_left",
         "deep_directories", "many_files", "daemon_outlives_program", "dev_shm_fill", "sysv_shm_hold", "descriptor_spam")


def _docker_ready() -> tuple[bool, str]:
    """A daemon answers and the sandbox image is there (docker/build-local.sh builds it offline)."""
    import subprocess

    from passk.sandbox.docker import DockerSandbox

    ok, why = DockerSandbox.available()
    if not ok:
        return False, why
    res = subprocess.run(["docker", "image", "inspect", DOCKER_IMAGE], capture_output=True)
    if res.returncode != 0:
        return False, f"image {DOCKER_IMAGE} is not built (run docker/build-local.sh)"
    return True, ""


BWRAP = (bwrap.BwrapSandbox.available()[0], "bwrap unavailable: " + bwrap.BwrapSandbox.available()[1])
BACKENDS = [
    pytest.param({}, False, id="bwrap", marks=pytest.mark.skipif(not BWRAP[0], reason=BWRAP[1])),
    pytest.param({}, True, id="bwrap-no-cgroup", marks=pytest.mark.skipif(not BWRAP[0], reason=BWRAP[1])),
    pytest.param({"backend": "docker", "docker_image": DOCKER_IMAGE}, False, id="docker",
                 marks=[pytest.mark.docker, pytest.mark.skipif(not _docker_ready()[0], reason="docker tests skipped: " + _docker_ready()[1])]),
]


@pytest.fixture()
def listener():
    """A TCP and a UDP listener on loopback (one port) that record anything received."""
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(8)
    srv.settimeout(0.2)
    port = srv.getsockname()[1]
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    udp.bind(("127.0.0.1", port))
    udp.settimeout(0.2)
    got: list[bytes] = []
    stop = threading.Event()

    def loop() -> None:
        while not stop.is_set():
            try:
                conn, _ = srv.accept()
                got.append(conn.recv(100))
                conn.close()
            except OSError:
                pass
            try:
                got.append(udp.recv(100))
            except OSError:
                pass

    t = threading.Thread(target=loop, daemon=True)
    t.start()
    yield port, got
    stop.set()
    t.join(2)
    srv.close()
    udp.close()


def _children() -> set[int]:
    me = os.getpid()
    out = set()
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                stat = (d / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == me:
                out.add(int(d.name))
    return out


def _host_state() -> dict[str, object]:
    """What a program must not be able to leave on the host."""
    def sysv(kind: str) -> list[str]:
        try:
            return sorted(line.split()[0] for line in Path(f"/proc/sysvipc/{kind}").read_text().splitlines()[1:])
        except OSError:
            return []

    keys = Path("/proc/keys").read_text() if Path("/proc/keys").exists() else ""
    return {
        "sysv": {k: [x for x in sysv(k) if x.lower().startswith("5a5a") or x in ("1515847681", "1515847682", "1515847683")] for k in ("shm", "sem", "msg")},
        "mqueue": sorted(os.listdir("/dev/mqueue")) if os.path.isdir("/dev/mqueue") else [],
        "keys": [line for line in keys.splitlines() if "passk_hostile" in line],
        "planted": [p for p in ("/tmp/planted", "/pwned_ctypes", "/tmp/pwned_ctypes", "/usr/passk_pwned", "/dev/shm/fill") if os.path.exists(p)],
    }


def _containers() -> set[str]:
    import subprocess

    res = subprocess.run(["docker", "ps", "-aq"], capture_output=True, text=True)
    return set(res.stdout.split()) if res.returncode == 0 else set()


@pytest.mark.parametrize("backend_cfg,no_cgroup", BACKENDS)
def test_hostile_programs(tmp_path, listener, monkeypatch, backend_cfg, no_cgroup):
    port, received = listener
    canary = tmp_path / "canary.txt"
    canary.write_text("intact")
    monkeypatch.setenv("PASSK_TEST_SECRET", "s3cret")
    if no_cgroup:
        monkeypatch.setattr(_cgroup, "_mode_cache", "none")
    gt = tmp_path / "gt.json.gz"  # a format-2 fixture (one gzip member)
    with gzip.open(gt, "wt") as fh:
        json.dump({"meta": {}, "tasks": {"Toy/0": {"base": [3, 7], "plus": [5], "base_time": [0.0, 0.0], "plus_time": [0.0]}}}, fh)
    problem = {
        "id": "Toy/0",
        "question": PROMPT,
        "tests": {"dataset": "humaneval", "entry_point": "add", "atol": 0, "base_input": INPUTS[:2], "plus_input": INPUTS[2:], "canonical_solution": "    return a + b\n"},
    }
    progs = hostile(str(canary), port)
    assert len(progs) >= 60
    names = ["good_first", "good_first_clean"]
    progs["good_first"], progs["good_first_clean"] = GOOD, GOOD_AND_CLEAN
    for n in list(hostile(str(canary), port)):
        names.append(n)
        if n in AFTER:
            progs[f"good_after_{n}"] = GOOD_AND_CLEAN + f"# after {n}\n"
            names.append(f"good_after_{n}")
    names += ["good_last", "good_last_clean"]
    progs["good_last"], progs["good_last_clean"] = GOOD + "# last\n", GOOD_AND_CLEAN + "# last\n"
    samples = [{"problem_id": "Toy/0", "sample_index": i, "solution": progs[n]} for i, n in enumerate(names)]
    # batches as large as batch_size allows (the toy task's cost would otherwise cut them short)
    monkeypatch.setattr(code_mod, "BATCH_SECONDS", 1000.0)
    before = _children()
    host_before = _host_state()
    containers_before = _containers() if backend_cfg else set()
    t0 = time.time()
    sandbox_cfg = {"min_time_limit": 1.0, "startup_slack": 4.0, "timeout_per_task": 3.0, "memory_mb": 512, "max_processes": 16,
                   "batch_size": 40, **backend_cfg}
    rows = verify_evalplus(
        {"Toy/0": problem},
        samples,
        VerifyContext(bench={"dataset": "humaneval_plus"}, workers=2, sandbox=sandbox_cfg, groundtruth=str(gt)),
    )
    elapsed = time.time() - t0
    assert [r["sample_index"] for r in rows] == list(range(len(samples)))  # every sample a verdict
    by = {names[r["sample_index"]]: r for r in rows}
    print(f"\n{len(names)} programs in {elapsed:.1f}s")
    for n in names:
        print(f"  {n:32s} {by[n]['status']:14s} {by[n]['detail'][:110]}")
    bad = {n: (r["status"], r["detail"]) for n, r in by.items() if not n.startswith("good") and r["correct"]}
    assert not bad, f"hostile programs passed: {bad}"
    not_good = {n: (r["status"], r["detail"]) for n, r in by.items() if n.startswith("good") and not r["correct"]}
    assert not not_good, f"correct programs did not pass: {not_good}"
    assert canary.read_text() == "intact"
    assert os.path.exists("/usr/bin/env") and b"pwned" not in Path("/usr/bin/env").read_bytes()[:10]
    time.sleep(0.5)
    assert received == [], f"a sandboxed program reached the loopback listener: {received}"
    assert _children() - before == set(), "processes left behind"
    assert _host_state() == host_before, "the host changed"
    if backend_cfg:
        assert _containers() - containers_before == set(), "containers left behind"
    # Statuses come from the verifier's evidence, never from what a program printed.
    assert by["stderr_claims_bwrap"]["status"] == "runtime_error"
    assert by["stderr_claims_memory"]["status"] == "runtime_error"
    assert by["infinite_loop"]["status"] == "timeout"
    assert by["cancel_alarm_then_loop"]["status"] == "timeout"
    assert by["c_loop_ignores_signals"]["status"] in ("timeout", "memory")
    assert by["memory_bomb"]["status"] == "memory"
    assert by["sysv_shm_hold"]["status"] in ("memory", "timeout")  # filling 100 MB segments is slow on a loaded machine
    assert by["memfd_hold"]["status"] in ("memory", "timeout")
    assert by["sys_exit_0_module"]["status"] == "runtime_error"
    assert by["os_exit_0_module"]["status"] == "runtime_error"
    assert by["always_equal"]["status"] == "wrong"
    assert by["int_subclass_eq"]["status"] == "wrong"
    assert by["input_in_function"]["status"] == "runtime_error"
    assert elapsed < 600
