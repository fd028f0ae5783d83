"""Run many programs of one task in one sandbox: load the task once, fork a fresh child per program.

Runs INSIDE the sandbox as PID 1 of its own pid namespace (bwrap ``--as-pid-1``), stdlib only.
Why: a fresh interpreter in a fresh sandbox costs ~100 ms per program, and a large task (HumanEval/15's
expected outputs are 140 MB pickled) would be copied into every run. Here the task is read and
unpickled once, and each program runs in a ``fork()`` of this warm process — the way evalplus forks
— but inside the sandbox, so the isolation of every program is still the namespace's, not an
in-process guard's.

What keeps one program from touching another's verdict:

- the server is PID 1 of the namespace, so the kernel drops every signal a program sends it that
  it has no handler for — SIGKILL and SIGSTOP included; SIGINT is ignored;
- it is non-dumpable (``PR_SET_DUMPABLE`` 0), so programs (same uid, no capabilities) cannot ptrace
  it or open ``/proc/1/fd`` or ``/proc/1/mem``; a child closes every descriptor but its own report
  pipe, and the server tags what it forwards with the program's index, so a program can only ever
  speak for itself;
- after each program it SIGKILLs every other process of the namespace (``kill(-1)``; orphans are
  re-parented to PID 1, and the server reaps until it has no child left), then empties the scratch
  directory and ``/dev/shm`` except its own files;
- it compares its own rlimits, nice value and CPU affinity (which a same-uid process can change
  with ``prlimit``/``setpriority``/``sched_setaffinity``) with their values at start; a change
  "taints" the run: the server reports the culprit and stops, and the parent re-runs the culprit
  alone and the rest in a fresh sandbox.

Each child: its own session, ``RLIMIT_AS`` = the server's address space + the per-program memory cap,
``RLIMIT_CPU`` as a backstop, a fresh working directory holding ``program.py``, and then exactly the
harness's ``run_task`` of a one-program run. The server enforces each program's wall clock and a
cap on its report.

Protocol. stdin: a pickle of ``{"harness": file name, "tasks": [harness task without nonce, ...],
"programs": [[index, task number, code, nonce, wall seconds, cpu seconds], ...], "memory_bytes",
"report_cap"}`` (programs of several small problems can share one server).
stdout, one JSON line per event: ``{"p": index, "ev": "start"}`` when a program starts (the
parent's idle watchdog) and ``{"p": index, "ev": "end", "lines": [...], "exit": code, "signal":
n, "killed": null | "wall" | "output", "secs": t, "tainted": bool}`` when it is over.
"""

import ctypes
import importlib.util
import json
import os
import pickle
import resource
import select
import signal
import sys
import time

PR_SET_DUMPABLE = 4
MAX_LINE = 8192  # bytes of one forwarded report line
MAX_LINES = 16
SCRATCH = "/tmp"
SHM = "/dev/shm"


class Tainted(Exception):
    """A program changed state that the next program would inherit."""


def _prctl(option, value):
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(option, value, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl failed")


def _rlimits():
    names = sorted(n for n in dir(resource) if n.startswith("RLIMIT_"))
    return [getattr(resource, n) for n in names]


def guarded_state():
    """What a same-uid program could change on this process from outside."""
    limits = []
    for r in _rlimits():
        try:
            limits.append(resource.getrlimit(r))
        except (ValueError, OSError):
            limits.append(None)
    return (limits, os.getpriority(os.PRIO_PROCESS, 0), sorted(os.sched_getaffinity(0)))


def vm_size():
    """This process's address space in bytes (the baseline every child inherits)."""
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    return 0


def _remove(path):
    if os.path.islink(path) or not os.path.isdir(path):
        os.unlink(path)
        return
    os.chmod(path, 0o700)
    for name in os.listdir(path):
        _remove(os.path.join(path, name))
    os.rmdir(path)


def wipe(root, keep):
    """Remove everything in ``root`` but the names in ``keep`` (raises Tainted when that fails)."""
    if not os.path.isdir(root):
        return
    try:
        os.chmod(root, 0o755 if root == SCRATCH else os.stat(root).st_mode & 0o7777 | 0o700)
        for name in os.listdir(root):
            if name not in keep:
                _remove(os.path.join(root, name))
    except OSError as exc:
        raise Tainted(f"could not clean {root}: {exc}") from None


def sweep():
    """SIGKILL every other process of the namespace and reap until none is left."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            os.kill(-1, signal.SIGKILL)
        except ProcessLookupError:
            pass
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            time.sleep(0.001)
    raise Tainted("processes of the last program survived SIGKILL")


def _load_harness(name):
    spec = importlib.util.spec_from_file_location("passk_harness", os.path.join(SCRATCH, name))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _child(harness, task, code, nonce, wfd, memory_bytes, cpu_seconds, workdir):
    """The forked child: limits, a fresh directory, then the harness's one-program run. Never returns."""
    try:
        os.setsid()
        try:  # if memory runs out in the sandbox's cgroup, the OOM killer should take the program, not the server
            with open("/proc/self/oom_score_adj", "w") as fh:
                fh.write("1000")
        except OSError:
            pass
        limit = vm_size() + memory_bytes
        hard = resource.getrlimit(resource.RLIMIT_AS)[1]
        if hard != resource.RLIM_INFINITY:
            limit = min(limit, hard)
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds))
        os.mkdir(workdir, 0o700)
        os.chdir(workdir)
        with open("program.py", "w", encoding="utf-8", errors="surrogatepass") as fh:
            fh.write(code)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        emit = harness.redirect_streams(wfd, close_others=True)
        task = dict(task)
        task["nonce"] = nonce
        harness.run_task(task, code, emit)
    finally:
        os._exit(0)


def _read_report(rfd, pid, deadline, cap):
    """The child's report bytes, why it was killed (None, "wall" or "output"), and its wait status.

    Reads until EOF, but also stops once the child itself has exited: a process it forked may
    still hold the pipe open, and the report is complete when the child is gone.
    """
    buf = bytearray()
    status = None
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            return bytes(buf), "wall", status
        ready, _, _ = select.select([rfd], [], [], min(left, 0.05))
        if not ready:
            if status is None:
                got, st = os.waitpid(pid, os.WNOHANG)
                if got == pid:
                    status = st
                    continue  # one more look: what it wrote before exiting is already in the pipe
            else:
                return bytes(buf), None, status
            continue
        chunk = os.read(rfd, 65536)
        if not chunk:
            return bytes(buf), None, status
        buf += chunk
        if len(buf) > cap:
            return bytes(buf[:cap]), "output", status


def _wait(pid, deadline):
    """The child's wait status, or None when it is still running at the deadline."""
    delay = 0.0005
    while True:
        got, status = os.waitpid(pid, os.WNOHANG)
        if got == pid:
            return status
        if time.monotonic() >= deadline:
            return None
        time.sleep(delay)
        delay = min(delay * 2, 0.02)


def _parse(raw):
    lines = []
    for line in raw.splitlines()[:MAX_LINES]:
        try:
            obj = json.loads(line[:MAX_LINE])
        except (ValueError, UnicodeDecodeError):
            continue
        if isinstance(obj, dict):
            lines.append(obj)
    return lines


def serve(job, out):
    """Run every program of ``job`` in turn; write start/end events to ``out``."""
    harness = _load_harness(job["harness"])
    tasks = job["tasks"]
    for task in tasks:
        harness.prepare(task)
    keep_scratch = set(os.listdir(SCRATCH))
    keep_shm = set(os.listdir(SHM)) if os.path.isdir(SHM) else set()
    state = guarded_state()

    def send(obj):
        out.write(json.dumps(obj) + "\n")
        out.flush()

    for n, (index, task_number, code, nonce, wall, cpu_seconds) in enumerate(job["programs"]):
        send({"p": index, "ev": "start"})
        rfd, wfd = os.pipe()
        t0 = time.monotonic()
        pid = os.fork()
        if pid == 0:
            os.close(rfd)
            _child(harness, tasks[task_number], code, nonce, wfd, job["memory_bytes"], cpu_seconds, f"{SCRATCH}/run-{n}")
        os.close(wfd)
        deadline = t0 + wall
        raw, killed, status = _read_report(rfd, pid, deadline, job["report_cap"])
        os.close(rfd)
        if status is None and not killed:
            status = _wait(pid, deadline)
            if status is None:
                killed = "wall"
        if killed and status is None:
            try:
                os.killpg(pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            _, status = os.waitpid(pid, 0)
        secs = time.monotonic() - t0
        tainted = ""
        try:
            sweep()
            wipe(SCRATCH, keep_scratch)
            wipe(SHM, keep_shm)
            if guarded_state() != state:
                raise Tainted("the program changed the fork server's limits, priority or affinity")
        except Tainted as exc:
            tainted = str(exc)
        code_ = os.waitstatus_to_exitcode(status)
        send(
            {
                "p": index,
                "ev": "end",
                "lines": _parse(raw),
                "exit": code_ if code_ >= 0 else None,
                "signal": -code_ if code_ < 0 else None,
                "killed": killed,
                "secs": round(secs, 4),
                "tainted": tainted,
            }
        )
        if tainted:
            return 3
    return 0


def main():
    """Entry point inside the sandbox: become a safe PID 1, read the job, serve it."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _prctl(PR_SET_DUMPABLE, 0)
    if os.getpid() != 1:
        # kill(-1) outside a private pid namespace would hit every process of this uid
        sys.stderr.write("forkserver: not PID 1 of its own pid namespace; refusing to run\n")
        return 2
    raw = sys.stdin.buffer.read()
    job = pickle.loads(raw)
    del raw
    os.close(0)
    out = os.fdopen(os.dup(1), "w", buffering=1)
    return serve(job, out)


if __name__ == "__main__":
    sys.exit(main())
