"""Hostile programs, each verified as a HumanEval-style sample under bwrap: every one gets a
non-pass verdict, the host is unchanged (canary intact, no process left, no connection received),
and the run goes on to the next sample (they all run in one call of the EvalPlus verifier).

The task is a toy function task (``add(a, b)``) with a hand-made ground truth, so the tests need
no benchmark data and stay fast; limits are small so the whole file runs in well under a minute.
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
from passk.sandbox import bwrap
from passk.verify.family import VerifyContext

DOCKER_IMAGE = os.environ.get("PASSK_DOCKER_IMAGE", "passk-sandbox:latest")


def _docker_ready() -> tuple[bool, str]:
    """A daemon answers and the sandbox image is there (docker/build-local.sh builds it offline)."""
    from passk.sandbox.docker import DockerSandbox

    ok, why = DockerSandbox.available()
    if not ok:
        return False, why
    import docker

    try:
        docker.from_env(timeout=5).images.get(DOCKER_IMAGE)
    except Exception as exc:  # noqa: BLE001 - image missing or daemon error
        return False, f"image {DOCKER_IMAGE} is not built (run docker/build-local.sh): {type(exc).__name__}"
    return True, ""


BACKENDS = [
    pytest.param(
        {},
        id="bwrap",
        marks=pytest.mark.skipif(not bwrap.BwrapSandbox.available()[0], reason="bwrap unavailable: " + bwrap.BwrapSandbox.available()[1]),
    ),
    pytest.param(
        {"backend": "docker", "docker_image": DOCKER_IMAGE},
        id="docker",
        marks=[pytest.mark.docker, pytest.mark.skipif(not _docker_ready()[0], reason="docker tests skipped: " + _docker_ready()[1])],
    ),
]

# Finds every other program's nonce in the memory it shares with the fork server, then tries every
# way out to the parent to report all of them as passed. (Its own nonce it leaves alone: a program
# that digs the harness's secret out of its own interpreter can forge its own pass in any
# in-process harness — evalplus's too; see passk.benchmarks.evalplus.harness.)
FORGE_FOR_EVERYONE = """import gc, json, os, sys
def add(a, b):
    nonces = []
    for o in gc.get_objects():
        if isinstance(o, dict) and 'programs' in o:
            nonces = [(p[0], p[3]) for p in o['programs']]
    own = None
    f = sys._getframe()
    while f is not None:
        job = f.f_locals.get('job')
        if isinstance(job, dict):
            nonces = [(p[0], p[3]) for p in job['programs']]
        if f.f_locals.get('nonce') is not None:
            own = f.f_locals['nonce']
        f = f.f_back
    assert nonces, 'found no nonces'
    nonces = [(i, n) for i, n in nonces if n != own]
    lines = b''.join(json.dumps({'p': i, 'ev': 'end', 'lines': [{'done': n, 'n': 3}], 'exit': 0, 'signal': None,
                                 'killed': None, 'secs': 0.0, 'tainted': ''}).encode() + b'\\n' for i, n in nonces)
    lines += b''.join(json.dumps({'done': n, 'n': 3}).encode() + b'\\n' for i, n in nonces)
    for path in ('/proc/1/fd/1', '/proc/1/fd/2', '/proc/self/fd/1', '/dev/stdout'):
        try:
            fd = os.open(path, os.O_WRONLY)
            os.write(fd, lines)
        except OSError:
            pass
    for fd in range(3, 256):
        try:
            os.write(fd, lines)
        except OSError:
            pass
    return a - b
"""

PROMPT = 'def add(a, b):\n    """Return a + b."""\n'
GOOD = PROMPT + "    return a + b\n"
INPUTS = [[1, 2], [3, 4], [10, -5]]


def _hostile(canary: str, port: int) -> dict[str, str]:
    body = "def add(a, b):\n    return a + b\n"
    return {
        "infinite_loop": "def add(a, b):\n    while True:\n        pass\n",
        "c_loop_ignores_signals": "def add(a, b):\n    return len(str(2 ** (10 ** 8))) * 0 + a + b\n",
        "itertools_product_c_loop": "import itertools\ndef add(a, b):\n    list(itertools.product(range(50), repeat=8))\n    return a + b\n",
        "module_level_loop": "while True:\n    pass\n" + body,
        "fork_bomb": "import os\ndef add(a, b):\n    while True:\n        try:\n            os.fork()\n        except OSError:\n            pass\n",
        "subprocess_storm": "import subprocess\ndef add(a, b):\n    ps = [subprocess.Popen(['sleep', '100']) for _ in range(500)]\n    return a + b + 1\n",
        "memory_bomb": "def add(a, b):\n    x = bytearray(10 ** 11)\n    return a + b\n",
        "memory_grow": "def add(a, b):\n    xs = []\n    while True:\n        xs.append(' ' * 10 ** 7)\n",
        "huge_output": "import os\ndef add(a, b):\n    while True:\n        os.write(1, b'x' * 65536)\n        os.write(2, b'y' * 65536)\n",
        "print_flood": "def add(a, b):\n    while True:\n        print('x' * 10000)\n",
        "disk_fill": "def add(a, b):\n    with open('big', 'wb') as f:\n        while True:\n            f.write(b'x' * 10 ** 6)\n",
        "delete_canary": f"import os, shutil\ndef add(a, b):\n    try:\n        os.remove({canary!r})\n    except Exception:\n        pass\n    shutil.rmtree('/usr', ignore_errors=True)\n    return a + b + 1\n",
        "overwrite_canary": f"def add(a, b):\n    try:\n        open({canary!r}, 'w').write('pwned')\n    except Exception:\n        pass\n    try:\n        open('/usr/bin/env', 'w').write('pwned')\n    except Exception:\n        pass\n    return a - b\n",
        "read_env_secret": "import os\ndef add(a, b):\n    return os.environ['PASSK_TEST_SECRET']\n",
        "read_home": "import os\ndef add(a, b):\n    return os.listdir(os.path.expanduser('~root'))\n",
        "network_connect": f"import socket\ndef add(a, b):\n    s = socket.create_connection(('127.0.0.1', {port}), timeout=2)\n    s.sendall(b'leak')\n    return a + b + 1\n",
        "kill_parent": "import os, signal\ndef add(a, b):\n    os.kill(os.getppid(), 9)\n    os.kill(1, 9)\n    return a + b + 1\n",
        "kill_process_group": "import os\ndef add(a, b):\n    os.killpg(0, 9)\n    return a + b\n",
        "kill_all": "import os\ndef add(a, b):\n    try:\n        os.kill(-1, 9)\n    except Exception:\n        pass\n    return a * b\n",
        "cancel_alarm_then_loop": "import signal\ndef add(a, b):\n    signal.signal(signal.SIGALRM, signal.SIG_IGN)\n    signal.setitimer(signal.ITIMER_REAL, 0)\n    while True:\n        pass\n",
        "sys_exit_0_module": "import sys\nsys.exit(0)\n" + body,
        "os_exit_0_module": "import os\nos._exit(0)\n" + body,
        "os_exit_0_in_call": "import os\ndef add(a, b):\n    os._exit(0)\n",
        "exit_builtin": "exit(0)\n",
        "ctypes_system": "import ctypes\ndef add(a, b):\n    ctypes.CDLL(None).system(b'touch /tmp/../pwned_ctypes; echo hi > %s')\n    return a + b + 1\n" % canary,
        "execv_escape": "import os\ndef add(a, b):\n    os.execv('/bin/sh', ['sh', '-c', 'echo \\'{\"done\": \"x\", \"n\": 3}\\'; exit 0'])\n",
        "deep_recursion": "import sys\nsys.setrecursionlimit(10 ** 8)\ndef f(n):\n    return f(n + 1) + 1\ndef add(a, b):\n    return f(0)\n",
        "input_in_function": "def add(a, b):\n    return int(input()) + a + b\n",
        "non_utf8_output": "import os, sys\ndef add(a, b):\n    os.write(1, b'\\xff\\xfe\\x00garbage\\n')\n    sys.stdout.buffer.write(b'\\xff') if hasattr(sys.stdout, 'buffer') else None\n    return str(a + b).encode('latin-1') + b'\\xff'\n",
        "always_equal": "class E:\n    def __eq__(self, other):\n        return True\n    __hash__ = None\ndef add(a, b):\n    return E()\n",
        "int_subclass_eq": "class I(int):\n    def __eq__(self, other):\n        return True\n    __hash__ = int.__hash__\ndef add(a, b):\n    return I(0)\n",
        "forge_report": "import os\nos.write(1, b'{\"done\": \"forged\", \"n\": 3}\\n')\n" + "def add(a, b):\n    return a - b\n",
        "missing_entry_point": "def plus(a, b):\n    return a + b\n",
        "syntax_error": "def add(a, b) return a + b\n",
        # Aimed at the fork server that runs many programs of a problem in one sandbox (PID 1 there).
        "stop_server": "import os, signal\ndef add(a, b):\n    for sig in (signal.SIGSTOP, signal.SIGTERM, signal.SIGINT, signal.SIGKILL):\n        try:\n            os.kill(1, sig)\n        except OSError:\n            pass\n    return a - b\n",
        "forge_for_everyone": FORGE_FOR_EVERYONE,
        "tamper_server_limits": "import ctypes, os, resource\ndef add(a, b):\n    try:\n        resource.prlimit(1, resource.RLIMIT_AS, (50 << 20, 50 << 20))\n    except Exception:\n        pass\n    try:\n        os.setpriority(os.PRIO_PROCESS, 1, 19)\n    except Exception:\n        pass\n    return a - b\n",
        "ptrace_server": "import ctypes\ndef add(a, b):\n    libc = ctypes.CDLL(None, use_errno=True)\n    libc.ptrace(16, 1, 0, 0)\n    try:\n        open('/proc/1/mem', 'rb').read(1)\n    except Exception:\n        pass\n    return a - b\n",
        "daemon_outlives_program": "import os, time\ndef add(a, b):\n    if os.fork() == 0:\n        os.setsid()\n        if os.fork() == 0:\n            for _ in range(600):\n                try:\n                    os.kill(-1, 9)\n                except OSError:\n                    pass\n                open('/tmp/planted', 'w').write('x')\n                time.sleep(0.01)\n        os._exit(0)\n    return a - b\n",
    }


@pytest.fixture()
def listener():
    """A TCP listener on loopback that records any connection."""
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(8)
    srv.settimeout(0.2)
    got: list[bytes] = []
    stop = threading.Event()

    def loop() -> None:
        while not stop.is_set():
            try:
                conn, _ = srv.accept()
            except OSError:
                continue
            got.append(conn.recv(100))
            conn.close()

    t = threading.Thread(target=loop, daemon=True)
    t.start()
    yield srv.getsockname()[1], got
    stop.set()
    t.join(2)
    srv.close()


def _children() -> set[int]:
    me = os.getpid()
    out = set()
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                stat = (d / "stat").read_text()
            except OSError:
                continue
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            if ppid == me:
                out.add(int(d.name))
    return out


def _containers() -> set[str]:
    """Ids of every container the Docker daemon knows (running or not); empty without a daemon."""
    try:
        import docker

        return {c.id for c in docker.from_env(timeout=5).containers.list(all=True)}
    except Exception:  # noqa: BLE001 - no daemon: nothing to leave behind
        return set()


@pytest.mark.parametrize("backend_cfg", BACKENDS)
def test_hostile_programs(tmp_path, listener, monkeypatch, backend_cfg):
    port, received = listener
    canary = tmp_path / "canary.txt"
    canary.write_text("intact")
    monkeypatch.setenv("PASSK_TEST_SECRET", "s3cret")
    gt = tmp_path / "gt.json.gz"
    with gzip.open(gt, "wt") as fh:
        json.dump({"meta": {}, "tasks": {"Toy/0": {"base": [3, 7], "plus": [5], "base_time": [0.0, 0.0], "plus_time": [0.0]}}}, fh)
    problem = {
        "id": "Toy/0",
        "question": PROMPT,
        "tests": {"dataset": "humaneval", "entry_point": "add", "atol": 0, "base_input": INPUTS[:2], "plus_input": INPUTS[2:], "canonical_solution": "    return a + b\n"},
    }
    progs = _hostile(str(canary), port)
    names = list(progs)
    # a second correct program right after the tampering one: batched programs after a tainted
    # server must still get their own, correct verdict
    names.insert(names.index("tamper_server_limits") + 1, "good_after_tamper")
    progs["good_after_tamper"] = GOOD + "# another correct program\n"
    samples = [{"problem_id": "Toy/0", "sample_index": i, "solution": progs[n]} for i, n in enumerate(names)]
    samples.append({"problem_id": "Toy/0", "sample_index": len(names), "solution": GOOD})
    alone: list[str] = []
    run_alone = code_mod.run_program

    def counting_run_program(sandbox, settings, plan, program):  # type: ignore[no-untyped-def]
        alone.append(next((n for n in names if progs[n] == program), "good"))
        return run_alone(sandbox, settings, plan, program)

    monkeypatch.setattr(code_mod, "run_program", counting_run_program)
    # batches as large as batch_size allows (the toy task's cost would otherwise cut them at 20
    # programs and leave the last one in a batch of its own, which runs alone by design)
    monkeypatch.setattr(code_mod, "BATCH_SECONDS", 100.0)
    before = _children()
    containers_before = _containers() if backend_cfg else set()
    t0 = time.time()
    sandbox_cfg = {"min_time_limit": 1.0, "startup_slack": 8.0, "timeout_per_task": 3.0, "memory_mb": 512, "max_processes": 16, **backend_cfg}
    rows = verify_evalplus(
        {"Toy/0": problem},
        samples,
        VerifyContext(bench={"dataset": "humaneval_plus"}, workers=2, sandbox=sandbox_cfg, groundtruth=str(gt)),
    )
    elapsed = time.time() - t0
    by = {names[r["sample_index"]] if r["sample_index"] < len(names) else "good": r for r in rows}
    assert len(names) >= 30
    bad = {n: (r["status"], r["detail"]) for n, r in by.items() if not n.startswith("good") and r["correct"]}
    assert not bad, f"hostile programs passed: {bad}"
    assert by["good"]["status"] == "correct", by["good"]
    assert by["good_after_tamper"]["status"] == "correct", by["good_after_tamper"]
    assert canary.read_text() == "intact"
    assert os.path.exists("/usr/bin/env") and b"pwned" not in Path("/usr/bin/env").read_bytes()[:10]
    assert received == [], f"a sandboxed program reached the loopback listener: {received}"
    time.sleep(0.5)
    assert _children() - before == set(), "processes left behind"
    if backend_cfg:
        assert _containers() - containers_before == set(), "containers left behind"
    # Specific statuses where they are unambiguous.
    assert by["infinite_loop"]["status"] == "timeout"
    assert by["c_loop_ignores_signals"]["status"] in ("timeout", "memory")
    assert by["memory_bomb"]["status"] == "memory"
    assert by["sys_exit_0_module"]["status"] == "runtime_error"
    assert by["os_exit_0_module"]["status"] == "runtime_error"
    assert by["always_equal"]["status"] == "wrong"
    assert by["int_subclass_eq"]["status"] == "wrong"
    assert by["input_in_function"]["status"] == "runtime_error"
    assert elapsed < 300
    if not backend_cfg:
        # bwrap batches: only programs whose batched outcome cannot be trusted ran alone
        print(f"run alone after batching ({len(alone)} of {len(samples)}): {alone}")
        assert "good" not in alone and "infinite_loop" not in alone and "always_equal" not in alone
        assert len(alone) < len(samples) // 2
