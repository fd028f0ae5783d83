"""Run many programs in one sandbox: load the tasks once, fork a fresh child per program, relay
what each program returned, and let the judge outside decide.

Runs INSIDE the sandbox, normally as PID 1 of its own pid namespace (bwrap ``--as-pid-1``, a
docker container's init), stdlib only. Why: a fresh interpreter in a fresh sandbox costs ~100 ms
per program; here the tasks (test inputs only: expected outputs never enter the sandbox) are read
once and each program runs in a ``fork()`` of this warm process.

The server judges nothing. Each program's child runs the family's harness (``run(task, code,
send)``), which sends one line per step: first "ready" (the program loaded), then one line per test
with what the program returned or printed, in ``wire``'s bounded encoding. The server forwards
each complete line, tagged with the program's index and the line's position (both counted here,
so a program can only ever speak for itself and cannot skip or repeat a test), to the host, whose
judge compares it with the expected output and may answer ``stop`` at the first wrong one. The
statuses a program can get from here come from the server's own evidence: its clock (each line
must arrive within that step's limit, counted from the previous line), its memory meter, its cap
on what a program may send (per line and in all), and the child's wait status.

What keeps one program from touching the server or another program's verdict:

- PID 1: the kernel drops every signal a program sends it that it has no handler for, SIGKILL and
  SIGSTOP included; SIGINT is ignored. Non-dumpable (``PR_SET_DUMPABLE`` 0): no ptrace, no
  ``/proc/1/fd``, no ``/proc/1/mem``. The child closes every descriptor but its own line pipe.
- Each child: its own session, a seccomp filter (``seccomp``), ``RLIMIT_AS`` = the server's
  address space + the program's cap, ``RLIMIT_CPU`` as a backstop, ``RLIMIT_NPROC`` = the tasks
  already in the namespace + ``max_processes`` (where the user namespace counts them apart from
  the host's, see the job's ``nproc``), a fresh working directory.
- A meter, every 20 ms while a program runs: the program's anonymous memory over what it
  inherited, in every one of its processes, plus SysV shared memory, memfds and ``/dev/shm``;
  over the cap the program is killed (``memory``); and its processes and threads, over
  ``max_processes`` it is killed (``processes``). Where no cgroup can be written this is the only
  bound on the program's memory as a whole (and, for root, on its process count); with one, the
  cgroup bounds them too.
- After each program: SIGKILL every other process (``kill(-1)``, or the subreaper's descendants
  when not PID 1) until none is left; empty the scratch directory (except the server's files and
  the mount points in it), ``/dev/shm`` and ``/dev/mqueue`` with a walk that never recurses and
  holds no descriptors (any depth, any names), within a time limit; remove every SysV IPC object;
  then compare rlimits, nice value, CPU affinity, scheduling policy and priority and I/O priority
  with their values at start. A change, a failed clean-up or a surviving process "taints" the
  server: it reports that in the program's end event and stops, and the host starts a fresh one
  for the programs after it.

Protocol. stdin: an 8-byte big-endian length and the job as JSON: ``{"harness": file, "tasks":
[task, ...], "programs": [[index, task number, code, wall seconds], ...], "memory_bytes",
"max_processes", "line_cap", "total_cap", "nproc": bool}``; every task has ``"limits": {"ready":
s, "tests": [s, ...]}``. Then commands, each a 4-byte length and JSON: ``{"stop": index}``.
stdout: frames of a 13-byte header (``>cIII``: kind, program index, line position, payload
length) and a payload: ``R`` (ready to serve), ``S`` (program started), ``L`` (one line of a
program, as it sent it), ``E`` (program over: JSON ``{"exit", "signal", "killed", "lines",
"secs", "tainted"}``), ``D`` (every program of the job is over: the server waits for the next),
``F`` (the server cannot serve: text). After ``D`` the host may send another job as a command
(the same JSON, a 4-byte length before it; any ``stop`` before it is stale and ignored) or close
stdin, which ends the server. Why more than one job: a sandbox's start (bwrap, this interpreter,
its imports) costs ~0.12 CPU s, as much as a dozen programs' own run; the host keeps a server for
its next batch (``session.Servers``) up to the programs a sandbox may hold.
"""

import ctypes
import fcntl
import gc
import importlib.util
import json
import os
import resource
import select
import signal
import struct
import sys
import time

PR_SET_DUMPABLE = 4
PR_SET_CHILD_SUBREAPER = 36
SCRATCH = "/tmp"  # replaced by the working directory at start (main)
SHM = "/dev/shm"
MQUEUE = "/dev/mqueue"
HEADER = struct.Struct(">cIII")
METER_EVERY = 0.02
SHORT_LINE = 65536  # a line below this is copied into a batch of frames; a longer one is written from the buffer
CLEAN_SECONDS = 20.0
IPC_RMID = 0
_IOPRIO_GET = {"x86_64": 252, "aarch64": 31}
_libc = ctypes.CDLL(None, use_errno=True)


class Tainted(Exception):
    """A program changed state that the next program would inherit, or left it uncleanable."""


def _load(name):
    """A module shipped beside this file (``-I`` keeps the scratch directory off ``sys.path``)."""
    spec = importlib.util.spec_from_file_location("passk_" + name.replace(".py", ""), os.path.join(SCRATCH, name))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _prctl(option, value):
    if _libc.prctl(option, ctypes.c_ulong(value), 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl failed")


# ---------------------------------------------------------------- the state a program could change


def guarded_state():
    """What a same-uid program could change on this process from outside."""
    limits = []
    for name in sorted(n for n in dir(resource) if n.startswith("RLIMIT_")):
        try:
            limits.append(resource.getrlimit(getattr(resource, name)))
        except (ValueError, OSError):
            limits.append(None)
    nr = _IOPRIO_GET.get(os.uname().machine)
    ioprio = _libc.syscall(nr, 1, 0) if nr else None  # IOPRIO_WHO_PROCESS, this process
    return (
        limits,
        os.getpriority(os.PRIO_PROCESS, 0),
        sorted(os.sched_getaffinity(0)),
        os.sched_getscheduler(0),
        os.sched_getparam(0).sched_priority,
        ioprio,
    )


def vm_size(pid="self"):
    """A process's address space in bytes."""
    return _status_kb(pid, "VmSize:") * 1024


def _status_kb(pid, key):
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith(key):
                    return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return 0


def _pids():
    out = []
    for name in os.listdir("/proc"):
        if name.isdigit():
            out.append(int(name))
    return out


def _task_count():
    """Tasks (processes and threads) visible here: in a private namespace, the sandbox's own."""
    n = 0
    for pid in _pids():
        try:
            n += len(os.listdir(f"/proc/{pid}/task"))
        except OSError:
            pass
    return n


# ---------------------------------------------------------------- memory meter


class Meter:
    """Memory a program holds beyond what an address-space limit sees, polled from outside it."""

    def __init__(self, me, base_anon_kb, pid1):
        self.me = me
        self.base_anon_kb = base_anon_kb
        self.pid1 = pid1

    def program_pids(self):
        """Every process but the server: the namespace's, or (not PID 1) the server's descendants."""
        if self.pid1:
            return [p for p in _pids() if p != self.me]
        children = {}
        for pid in _pids():
            children.setdefault(_ppid(pid), []).append(pid)
        out, stack = [], list(children.get(self.me, []))
        while stack:
            pid = stack.pop()
            out.append(pid)
            stack += children.get(pid, [])
        return out

    def tasks(self, pids):
        """Processes and threads of the program (a backstop where RLIMIT_NPROC and pids.max do not bind)."""
        n = 0
        for pid in pids:
            try:
                n += len(os.listdir(f"/proc/{pid}/task"))
            except OSError:
                pass
        return n

    def used(self, pids):
        total = 0
        for pid in pids:
            total += max(0, _status_kb(pid, "RssAnon:") - self.base_anon_kb) * 1024
        total += self.sysv_shm()
        total += self.memfds(pids)
        try:
            st = os.statvfs(SHM)
            total += (st.f_blocks - st.f_bfree) * st.f_frsize
        except OSError:
            pass
        return total

    @staticmethod
    def sysv_shm():
        total = 0
        try:
            with open("/proc/sysvipc/shm") as fh:
                head = fh.readline().split()
                col = head.index("rss") if "rss" in head else head.index("size")
                for line in fh:
                    parts = line.split()
                    total += int(parts[col])
        except (OSError, ValueError, IndexError):
            pass
        return total

    def memfds(self, pids):
        seen = set()
        total = 0
        for pid in pids:
            fd_dir = f"/proc/{pid}/fd"
            try:
                names = os.listdir(fd_dir)
            except OSError:
                continue
            for fd in names:
                try:
                    if not os.readlink(f"{fd_dir}/{fd}").startswith("/memfd:"):
                        continue
                    st = os.stat(f"{fd_dir}/{fd}")
                except OSError:
                    continue
                if (st.st_dev, st.st_ino) not in seen:
                    seen.add((st.st_dev, st.st_ino))
                    total += st.st_blocks * 512
        return total


# ---------------------------------------------------------------- clean-up between programs


def sweep(pid1):
    """SIGKILL every other process of the sandbox and reap until none is left."""
    deadline = time.monotonic() + 10
    me = os.getpid()
    while time.monotonic() < deadline:
        if pid1:
            try:
                os.kill(-1, signal.SIGKILL)
            except ProcessLookupError:
                pass
        else:  # a subreaper: every orphan of the program is re-parented to us
            for pid in _pids():
                if pid != me and _ppid(pid) == me:
                    try:
                        os.kill(pid, signal.SIGKILL)
                    except ProcessLookupError:
                        pass
        try:  # reap every zombie there is before the next kill(-1), which walks every process
            while os.waitpid(-1, os.WNOHANG)[0] != 0:
                pass
        except ChildProcessError:
            if not pid1 or len(_pids()) <= 1:
                return
        time.sleep(0.001)
    raise Tainted("processes of the last program survived SIGKILL")


def _ppid(pid):
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return int(fh.read().rsplit(")", 1)[1].split()[1])
    except (OSError, ValueError, IndexError):
        return -1


def _mount_points():
    points = set()
    try:
        with open("/proc/self/mountinfo") as fh:
            for line in fh:
                points.add(line.split()[4].replace("\\040", " "))
    except (OSError, IndexError):
        pass
    return points


def wipe(root, keep, deadline):
    """Remove everything under ``root`` but the paths in ``keep`` (and the directories leading to
    them), walking by ``chdir`` one level at a time: no recursion, no descriptor per level and no
    long paths, so any depth and any names are fine. Raises Tainted when it cannot finish."""
    if not os.path.isdir(root):
        return
    ancestors = set()
    for path in keep:
        while len(path) > len(root):
            path = os.path.dirname(path)
            ancestors.add(path)
    try:
        os.chmod(root, os.stat(root).st_mode & 0o7777 | 0o700)  # a program may have locked it
        os.chdir(root)
        names = [None]  # the name of each directory we stand in, below root
        logical = [root]  # its full path while it may still lead to a kept path, else None
        done = [set()]  # per level: kept directories already cleaned
        while True:
            if time.monotonic() > deadline:
                raise Tainted(f"cleaning {root} took too long")
            here = logical[-1]
            went_down = False
            with os.scandir(".") as it:
                entries = list(it)
            for entry in entries:
                full = f"{here}/{entry.name}" if here is not None else None
                if full is not None and full in keep:
                    continue
                if entry.is_dir(follow_symlinks=False):
                    if entry.name in done[-1]:
                        continue
                    os.chmod(entry.name, 0o700)
                    os.chdir(entry.name)
                    names.append(entry.name)
                    logical.append(full if full in ancestors else None)
                    done.append(set())
                    went_down = True
                    break
                os.unlink(entry.name)
            if went_down:
                continue
            if len(names) == 1:
                break
            name = names.pop()
            kept_dir = logical.pop() is not None
            done.pop()
            os.chdir("..")
            if kept_dir:
                done[-1].add(name)
            else:
                os.rmdir(name)
    except OSError as exc:
        raise Tainted(f"could not clean {root}: {exc}") from None
    finally:
        try:
            os.chdir("/")
        except OSError:
            pass


def remove_sysv_ipc():
    """Remove every SysV shared-memory segment, semaphore set and message queue in the namespace."""
    for kind, call in (("shm", "shmctl"), ("sem", "semctl"), ("msg", "msgctl")):
        try:
            with open(f"/proc/sysvipc/{kind}") as fh:
                head = fh.readline().split()
                ids = [int(line.split()[head.index(f"{kind}id" if kind != "msg" else "msqid")]) for line in fh if line.strip()]
        except (OSError, ValueError, IndexError):
            continue
        if not ids:
            continue  # nothing to remove, so nothing to check again
        fn = getattr(_libc, call)
        for ident in ids:
            if kind == "sem":
                fn(ident, 0, IPC_RMID, None)
            else:
                fn(ident, IPC_RMID, None)
        with open(f"/proc/sysvipc/{kind}") as fh:
            if len(fh.read().splitlines()) > 1:
                raise Tainted(f"SysV {kind} objects survived removal")


# ---------------------------------------------------------------- one program


def _child(harness, seccomp, wire, task, code, wfd, job, workdir, nproc, wall):
    """The forked child: limits, filter, a fresh directory, then the harness. Never returns."""
    try:
        os.setsid()
        # Inherited from the server, non-dumpable would hide /proc/<pid>/fd from the server's meter;
        # the program has no one else to expose it to (ptrace is denied by the filter anyway).
        _prctl(PR_SET_DUMPABLE, 1)
        try:  # if memory runs out in the sandbox's cgroup, the OOM killer takes the program, not the server
            with open("/proc/self/oom_score_adj", "w") as fh:
                fh.write("1000")
        except OSError:
            pass
        limit = vm_size() + int(job["memory_bytes"])
        hard = resource.getrlimit(resource.RLIMIT_AS)[1]
        if hard != resource.RLIM_INFINITY:
            limit = min(limit, hard)
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        cpu = int(wall) + 2
        resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu))
        if nproc is not None:
            resource.setrlimit(resource.RLIMIT_NPROC, (nproc, nproc))
        os.mkdir(workdir, 0o700)
        os.chdir(workdir)
        with open("program.py", "w", encoding="utf-8", errors="surrogatepass") as fh:
            fh.write(code)
        devnull = os.open(os.devnull, os.O_RDWR)
        for fd in (0, 1, 2):
            if fd != wfd:
                os.dup2(devnull, fd)
        keep = sorted({0, 1, 2, wfd})
        for lo, hi in zip(keep, keep[1:] + [1 << 20]):
            os.closerange(lo + 1, hi)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        seccomp.install()

        def write(text):
            data = memoryview(text.encode("ascii"))  # sliced without copying: outputs reach 100 MB
            while data:
                data = data[os.write(wfd, data):]

        def send(obj):
            """One line: a message, or the pieces of one (``wire.message_pieces``), written as they
            come, so that the line cap stops a huge output while it is being made. A piece that
            raises ends the part-written line there (unreadable, so a failure) and re-raises."""
            if type(obj) is dict:
                write(wire.dumps(obj) + "\n")
                return
            pending, started = None, False
            try:
                for piece in obj:
                    if pending is not None:
                        write(pending)
                        started = True
                    pending = piece
            except BaseException:
                if started:
                    write("\n")
                raise
            write((pending or "") + "\n")

        harness.run(task, code, send)
    finally:
        os._exit(0)


class Server:
    """The serving loop: one program at a time, relayed to ``out``, commands read from ``inp``."""

    def __init__(self, inp, out, pid1):
        self.job = None
        self.inp = inp
        self.out = out
        self.pid1 = pid1
        self.cmd_buf = bytearray()
        self.stops = set()
        self.closed = False
        self.modules = None
        self.start = None  # what the first job found: kept paths, guarded state, SysV IPC ids

    def frame(self, kind, p=0, k=0, payload=b""):
        """One frame to the host; ``payload`` bytes or a memoryview (a long line is not copied)."""
        head = HEADER.pack(kind, p, k, len(payload))
        for data in ((memoryview(head + payload),) if len(payload) < 65536 else (memoryview(head), memoryview(payload))):
            while data:  # a pipe takes what it has room for per write: no copy per write
                data = data[os.write(self.out, data):]

    def flush(self, framed):
        """Write frames made ahead (``framed``, emptied): a program's short outputs, one write for all
        that one read brought (HumanEval+ sends ~450,000 lines: a write and a wake-up of the host each)."""
        data = memoryview(framed)
        while data:
            data = data[os.write(self.out, data):]
        data.release()
        del framed[:]

    def _fill(self):
        """Read what stdin has (up to 1 MB); ``closed`` at its end."""
        try:
            chunk = os.read(self.inp, 1 << 20)
        except BlockingIOError:
            return
        if not chunk:
            self.closed = True
            return
        self.cmd_buf += chunk

    def _command(self):
        """The next complete command in the buffer, parsed, or None."""
        if len(self.cmd_buf) < 4:
            return None
        (n,) = struct.unpack_from(">I", self.cmd_buf)
        if len(self.cmd_buf) < 4 + n:
            return None
        msg = json.loads(self.cmd_buf[4 : 4 + n])
        del self.cmd_buf[: 4 + n]
        return msg

    def read_commands(self):
        """While a job runs: take the ``stop`` commands that have arrived."""
        self._fill()
        while (msg := self._command()) is not None:
            if isinstance(msg, dict) and isinstance(msg.get("stop"), int):
                self.stops.add(msg["stop"])
            else:
                raise RuntimeError("a command other than stop arrived while a job ran")

    def next_job(self):
        """Wait for the host's next job; None when it closes stdin. Stops still arriving for the
        last job's programs come before it and are dropped."""
        while True:
            msg = self._command()
            if msg is None:
                if self.closed:
                    return None
                select.select([self.inp], [], [])
                self._fill()
                continue
            if isinstance(msg, dict) and "programs" in msg:
                return msg

    def run_one(self, n, index, task, code, wall, harness, seccomp, wire, meter, nproc):
        """Run one program; returns its end event (without ``tainted``)."""
        limits = task["limits"]
        steps = [float(limits["ready"])] + [float(x) for x in limits["tests"]]
        line_cap, total_cap = int(self.job["line_cap"]), int(self.job["total_cap"])
        memory_cap = int(self.job["memory_bytes"])
        task_cap = int(self.job["max_processes"])
        self.frame(b"S", index)
        rfd, wfd = os.pipe()
        grow_pipe(rfd)
        t0 = time.monotonic()
        pid = os.fork()
        if pid == 0:
            os.close(rfd)
            _child(harness, seccomp, wire, task, code, wfd, self.job, f"{SCRATCH}/run-{n}", nproc, wall)
        os.close(wfd)
        os.set_blocking(rfd, False)
        exited = _exit_watch(pid)
        buf = bytearray()
        lines = 0
        total = 0
        killed = None
        status = None
        eof = False
        step_start = t0
        wall_end = t0 + wall
        next_meter = t0 + METER_EVERY
        while True:
            now = time.monotonic()
            if index in self.stops:
                killed = "judge"
                break
            if lines < len(steps) and now > step_start + steps[lines]:
                killed = "timeout"
                break
            if now > wall_end:
                killed = "timeout"
                break
            if now >= next_meter:
                next_meter = now + METER_EVERY
                # Processes first, from one listing of /proc: a fork storm must be stopped while it is
                # small. Reading every process's memory and descriptors first made each tick cost
                # O(processes) while the storm's processes shared the CPU with this loop, so the
                # meter fell further behind at every tick (as root without a cgroup nothing else
                # bounds the storm, and it took the host's last PIDs).
                pids = meter.program_pids()
                if len(pids) > task_cap or meter.tasks(pids) > task_cap:
                    killed = "processes"
                    break
                if meter.used(pids) > memory_cap:
                    killed = "memory"
                    break
            if eof:
                if status is None:
                    got, st = os.waitpid(pid, os.WNOHANG)
                    if got == pid:
                        status = st
                if status is not None:
                    break
                if exited is None:
                    time.sleep(0.002)
                    continue
            limit = step_start + steps[lines] if lines < len(steps) else wall_end
            wait = max(0.0, min(limit, wall_end, next_meter) - now)
            # After its output closed, the child may still be exiting (unmapping a large heap takes
            # milliseconds): then wait for its exit itself (the pidfd), or a command, or the next check.
            source = exited if eof else rfd
            ready, _, _ = select.select([source] if self.closed else [source, self.inp], [], [], wait)
            if self.inp in ready:
                self.read_commands()
            if eof:
                continue
            if rfd not in ready:
                if status is None:  # the child may be gone while a process it forked holds the pipe
                    got, st = os.waitpid(pid, os.WNOHANG)
                    if got == pid:
                        status = st
                        eof = True
                continue
            try:
                chunk = os.read(rfd, 1 << 20)
            except BlockingIOError:
                continue
            if not chunk:
                eof = True
                continue
            total += len(chunk)
            scan = len(buf)  # what is already in the buffer holds no newline: search only the new bytes
            buf += chunk
            short = bytearray()  # the short lines of this read, framed, go to the host in one write
            while killed is None:
                cut = buf.find(b"\n", scan)
                if cut < 0:
                    break
                scan = 0
                if cut > line_cap:
                    killed = "output"
                    break
                with memoryview(buf) as view, view[:cut] as line:
                    if cut < SHORT_LINE:
                        short += HEADER.pack(b"L", index, lines, cut)
                        short += line
                    else:
                        self.flush(short)
                        self.frame(b"L", index, lines, line)  # relayed from the buffer, not copied
                del buf[: cut + 1]
                lines += 1
                step_start = time.monotonic()
            self.flush(short)
            if killed is not None or total > total_cap or len(buf) > line_cap:
                killed = "output"
                break
        if status is None:
            if self.pid1:  # every other process of the namespace is the program's: one call stops them all
                os.kill(-1, signal.SIGKILL)
            for target in (pid, -pid):
                try:
                    os.kill(target, signal.SIGKILL)
                except (ProcessLookupError, PermissionError):
                    pass
            _, status = os.waitpid(pid, 0)
        os.close(rfd)
        if exited is not None:
            os.close(exited)
        code_ = os.waitstatus_to_exitcode(status)
        return {
            "exit": code_ if code_ >= 0 else None,
            "signal": -code_ if code_ < 0 else None,
            "killed": killed,
            "lines": lines,
            "secs": round(time.monotonic() - t0, 4),
        }

    def serve(self, job):
        """Run one job's programs; 0 when all are over and the server is fit for another job, 3
        when a program tainted it (reported in that program's end event)."""
        self.job = job
        self.stops = set()
        if self.modules is None:
            harness = _load(job["harness"])
            seccomp = _load("seccomp.py")
            self.modules = (job["harness"], harness, seccomp, _load("wire.py"))
            seccomp.program()  # no table for this machine: refuse before any program runs
        name, harness, seccomp, wire = self.modules
        if job["harness"] != name:
            raise RuntimeError(f"a job for harness {job['harness']!r} sent to a server of {name!r}")
        tasks = job["tasks"]
        for task in tasks:
            harness.prepare(task)
        gc.freeze()  # the tasks' inputs live as long as the job: no program's collections walk them
        if self.start is None:
            keep_paths = {f"{SCRATCH}/{name}" for name in os.listdir(SCRATCH)}
            keep_paths |= {p for p in _mount_points() if p.startswith(SCRATCH + "/")}
            self.start = (keep_paths, guarded_state(), None if self.pid1 else _ipc_ids())
        keep_paths, state, ipc_before = self.start
        me = os.getpid()
        meter = Meter(me, _status_kb("self", "RssAnon:"), self.pid1)
        self.frame(b"R", 0, 0, json.dumps({"pid1": self.pid1}).encode())
        for n, (index, task_number, code, wall) in enumerate(job["programs"]):
            nproc = None
            if job.get("nproc"):
                nproc = _task_count() + int(job["max_processes"])
            end = self.run_one(n, index, tasks[task_number], code, float(wall), harness, seccomp, wire, meter, nproc)
            tainted = ""
            try:
                sweep(self.pid1)
                deadline = time.monotonic() + CLEAN_SECONDS
                wipe(SCRATCH, keep_paths, deadline)
                if self.pid1:
                    wipe(SHM, set(), deadline)
                    wipe(MQUEUE, set(), deadline)
                    remove_sysv_ipc()
                elif _ipc_ids() != ipc_before:
                    raise Tainted("the program left SysV IPC objects (no private IPC namespace to clean)")
                if guarded_state() != state:
                    raise Tainted("the program changed the server's limits, priority, affinity, scheduling or I/O priority")
            except Tainted as exc:
                tainted = str(exc)
            end["tainted"] = tainted
            self.frame(b"E", index, end["lines"], json.dumps(end).encode())
            if tainted:
                return 3
        self.job = None
        gc.unfreeze()  # the next job's tasks replace these
        return 0


PIPE_BYTES = 1 << 20  # Linux's pipe-max-size for any user by default


def grow_pipe(fd):
    """Give a pipe 1 MB of buffer, not 64 KB: a program's long output (HumanEval/15's 147 MB, over
    its tests) then crosses it in 16 times fewer reads, writes and context switches. Best effort:
    the size stays as it is where the kernel refuses (a user over its pipe quota)."""
    try:
        fcntl.fcntl(fd, getattr(fcntl, "F_SETPIPE_SZ", 1031), PIPE_BYTES)
    except OSError:
        pass


def _exit_watch(pid):
    """A descriptor that becomes readable when ``pid`` exits (a pidfd), or None where the kernel or a
    filter refuses one: the caller then polls. Polling every 2 ms cost each program ~1 ms of wall
    time on average between closing its output and being seen to exit."""
    try:
        return os.pidfd_open(pid)
    except (AttributeError, OSError):
        return None


def _ipc_ids():
    out = []
    for kind in ("shm", "sem", "msg"):
        try:
            with open(f"/proc/sysvipc/{kind}") as fh:
                out.append(sorted(line.split()[1] for line in fh.readlines()[1:] if line.strip()))
        except OSError:
            out.append(None)
    return out


def _read_exact(fd, n):
    data = bytearray()
    while len(data) < n:
        chunk = os.read(fd, min(n - len(data), 1 << 20))
        if not chunk:
            raise EOFError("the job ended early")
        data += chunk
    return bytes(data)


def main():
    """Entry point inside the sandbox: become a safe server, read the job, serve it."""
    global SCRATCH
    SCRATCH = os.getcwd()  # /tmp in bwrap and docker; a fresh temporary directory for the process backend
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    _prctl(PR_SET_DUMPABLE, 0)
    pid1 = os.getpid() == 1
    out = os.dup(1)
    grow_pipe(out)  # to the host (a pipe under bwrap and the process backend)
    try:
        if not pid1:
            if "--not-pid1" not in sys.argv:
                # kill(-1) outside a private pid namespace would hit every process of this uid
                raise RuntimeError("forkserver: not PID 1 of its own pid namespace; refusing to run")
            _prctl(PR_SET_CHILD_SUBREAPER, 1)
        (n,) = struct.unpack(">Q", _read_exact(0, 8))
        job = json.loads(_read_exact(0, n))
        inp = os.dup(0)
        os.set_blocking(inp, False)
        null = os.open(os.devnull, os.O_RDWR)
        os.dup2(null, 0)
        os.dup2(null, 1)
        server = Server(inp, out, pid1)
        while job is not None:
            rc = server.serve(job)
            if rc:
                return rc
            job = None  # its tasks go before the next job's arrive
            server.frame(b"D")
            job = server.next_job()
        return 0
    except Exception as exc:  # noqa: BLE001 - reported to the host, which raises VerifierError
        msg = f"{type(exc).__name__}: {exc}".encode("utf-8", "replace")[:4000]
        try:
            os.write(out, HEADER.pack(b"F", 0, 0, len(msg)) + msg)
        except OSError:
            pass
        return 2


if __name__ == "__main__":
    sys.exit(main())
