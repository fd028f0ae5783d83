"""The host side of a sandbox: start the fork server, hand it the programs, pass each line a program
sends to that program's judge, stop a program at the judge's word, and give every program an outcome.

Why here, once, for every family: the judge must run where no program can reach it (this process,
outside the sandbox), and everything between the sandbox and the judge must hold whatever a
program writes. So:

- every frame from the server is read with a bounded parser (``HEADER``; a frame longer than the
  caps, of an unknown kind, for another program than the running one, or out of order is a fault
  of the server, never a verdict); every line of a program is decoded with ``wire.decode_line``
  (bounded size and depth, no pickle) and a judge's exception on it becomes that program's own
  non-pass verdict (the guard per sample);
- outcomes come only from the judge (what the program returned, line by line) and from the
  server's or the kernel's evidence (the server's clock and meter, the child's wait status, the
  cgroup's OOM counter); nothing a program prints on stderr is read for a status;
- the host keeps its own clock on the server (a silent server is killed);
- a server that dies while a program runs has that program run again alone in a fresh sandbox
  (unless the cgroup saw it run out of memory: then that is its verdict); a program alone whose
  sandbox dies twice, or a sandbox that cannot start twice, is a ``VerifierError``: faults stop
  the run, they are never written as verdicts;
- a server that reports itself tainted after a program (the program changed state the next one
  would inherit) ends there; the programs after it get a fresh server;
- a server that ends a job cleanly may take the caller's next batch (``Servers``), up to the
  programs one sandbox may hold (``sandbox.batch_size``): batches are the unit of scheduling
  (small, so that workers end together), sandboxes the unit of isolation, and a sandbox's start
  costs as much as a dozen programs' own run.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import selectors
import struct
import threading
import time
from abc import ABC, abstractmethod
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from passk.errors import VerifierError
from passk.sandbox import forkserver, seccomp, wire
from passk.sandbox.base import Sandbox, SandboxLimits, Spawned

log = logging.getLogger(__name__)

HEADER = forkserver.HEADER
SERVER_FILES = {name: Path(mod.__file__).read_bytes() for name, mod in
                (("forkserver.py", forkserver), ("wire.py", wire), ("seccomp.py", seccomp))}
ISOLATED = ("-I", "-S", "-B")  # no environment, no user site, no site-packages unless the task adds them, no bytecode
CONTROL_CAP = 1 << 16  # bytes of a server frame that is not a program's line
SILENCE_SECONDS = 60.0  # the host kills a server that says nothing this long beyond a program's own wall clock
LEASE_SECONDS = 14400.0  # a kept server's CPU backstop (``SandboxLimits.wall_seconds``): the programs' wall clocks it may still serve
_noted: set[str] = set()


@dataclass(frozen=True)
class Ended:
    """How a program's run ended, from the server's and the kernel's evidence."""

    lines: int  # how many lines it sent (0: not even "ready")
    killed: str | None  # "timeout" (a step's limit or its wall clock), "memory" / "processes" (the meter), "output" (a cap), "judge", or None
    exit: int | None
    signal: int | None
    secs: float
    oom: bool  # the sandbox's cgroup saw an OOM kill while it ran


class Judge(ABC):
    """Decides one program's outcome from its lines; one instance per run of the program."""

    @abstractmethod
    def line(self, k: int, message: dict[str, Any] | None, error: str | None) -> bool:
        """Take line ``k`` (0 is the harness's "ready"): ``message``, or None and why it is unreadable.

        Returns True when the outcome is decided and the program should be stopped."""

    @abstractmethod
    def unjudgeable(self, k: int, why: str) -> None:
        """Judging line ``k`` raised: the program's output was not something the judge can accept."""

    def accepts_bytes(self, k: int, payload: bytes) -> bool:
        """True when line ``k`` is accepted from its bytes alone (an output identical to the expected
        one, recognised without parsing it); False: read it the usual way (``line``)."""
        return False

    @abstractmethod
    def end(self, ended: Ended) -> Any:
        """The program's outcome, now that it is over."""


class OutputJudge(Judge):
    """A judge of a program's test outputs: reads the protocol's envelope here, once for every
    family (an unreadable line, the harness's report of the program's exception, the "ready" line),
    and hands each test's output to ``output``; a failure is recorded through ``fail``.

    Why here: the envelope is the same whatever the family compares, and two copies of it could
    drift apart on what a program may send instead of an output."""

    ready: bool = False
    UNPLAIN = "not plain data: {}"  # how a family words an output that was not plain data

    @abstractmethod
    def output(self, i: int, message: dict[str, Any]) -> bool:
        """Judge test ``i``'s message (anything but an error report); True when decided (a failure)."""

    @abstractmethod
    def fail(self, status: str, i: int, detail: str) -> bool:
        """Record a non-pass at test ``i`` (-1: while loading the program); returns True (decided)."""

    def line(self, k: int, message: dict[str, Any] | None, error: str | None) -> bool:
        i = k - 1  # line 0 is the harness's "ready"
        if message is None:
            return self.fail("wrong", i, f"unreadable output ({error})")
        if "x" in message:  # the harness's report of the program's exception: its type decides "memory"
            kind, detail = str(message.get("x"))[:100], str(message.get("d", ""))[:500]
            if kind == "unplain":
                return self.fail("wrong", i, self.UNPLAIN.format(detail))
            return self.fail("memory" if kind == "MemoryError" else "runtime_error", i, detail or kind)
        if k == 0:
            if message != {"r": 1}:
                return self.fail("wrong", i, "unexpected message instead of the program's start")
            self.ready = True
            return False
        return self.output(i, message)

    def unjudgeable(self, k: int, why: str) -> None:
        self.fail("wrong", k - 1, f"output could not be judged ({why})")


@dataclass
class Program:
    """One program to run: the task it is run on (test inputs and ``limits``: a JSON-able dict, or
    its JSON text made once per problem; shared by identity between programs of one problem), its
    code, its wall clock, and its judge's factory."""

    task: dict[str, Any] | str
    code: str
    wall: float
    judge: Callable[[], Judge]


@dataclass(frozen=True)
class Harness:
    """A family's in-sandbox harness and the caps of what its programs may send back."""

    name: str  # its file name inside the sandbox
    source: bytes
    line_cap: int  # bytes of one line (one test's output)
    total_cap: int  # bytes of all lines of one program


def note_once(messages: list[str]) -> None:
    """Log each message once per process (e.g. "no cgroup: memory capped per address space")."""
    for msg in messages:
        if msg not in _noted:
            _noted.add(msg)
            log.warning("%s", msg)


@dataclass
class _Served:
    outcomes: dict[int, Any]
    unreached: list[int]
    died: int | None  # the program that was running when the server ended
    fault: str  # why the server ended early ("" when it did not)
    started_any: bool
    kept: bool = False  # the server was a kept one (``Servers``), not started for this batch


@dataclass
class _Live:
    """A fork server that ended its last job cleanly and waits for another."""

    spawned: Spawned
    box: SandboxLimits  # what its sandbox was started with
    harness: Harness
    served: int  # programs it has run
    wall_left: float  # of ``box.wall_seconds``: the programs' wall clocks it may still be given


class Servers:
    """Fork servers kept between the batches of one run, so that a batch need not start a sandbox.

    A server is handed to one batch at a time (any thread) and kept only while it fits the next:
    the same backend and harness, limits that hold the new job (memory, processes, scratch), and
    no more than ``per_sandbox`` programs over its life (``sandbox.batch_size``; 1 gives every
    program a sandbox of its own). A server that ended with a fault, was tainted, or whose job
    ended any other way than cleanly is never kept. ``close`` (or the ``with`` block's end) stops
    the idle ones; every server started is stopped by then.
    """

    def __init__(self, per_sandbox: int) -> None:
        self.per_sandbox = max(1, int(per_sandbox))
        self._idle: list[_Live] = []
        self._lock = threading.Lock()
        self.started = 0  # sandboxes started (for tests and measurements)

    def __enter__(self) -> Servers:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def take(self, harness: Harness, box: SandboxLimits, programs: int) -> _Live | None:
        """An idle server that can run ``programs`` more programs under ``box``, or None."""
        with self._lock:
            for i, live in enumerate(self._idle):
                if ((live.harness.name, live.harness.source) == (harness.name, harness.source)  # caps travel in the job
                        and live.served + programs <= self.per_sandbox
                        and box.wall_seconds <= live.wall_left and box.memory_mb <= live.box.memory_mb
                        and (box.max_processes, box.scratch_mb, box.max_file_bytes)
                        == (live.box.max_processes, live.box.scratch_mb, live.box.max_file_bytes)):
                    return self._idle.pop(i)
        return None

    def count_start(self) -> None:
        with self._lock:
            self.started += 1

    def give(self, live: _Live) -> None:
        """Keep ``live`` for a later batch, or stop it when it has served its share."""
        if live.served >= self.per_sandbox:
            live.spawned.close()
            return
        with self._lock:
            self._idle.append(live)

    def close(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, []
        for live in idle:
            live.spawned.close()


def run_programs(sandbox: Sandbox, limits: SandboxLimits, harness: Harness, programs: list[Program],
                 servers: Servers | None = None) -> list[Any]:
    """The outcome of every program, run in as few sandboxes as the programs allow.

    ``limits``: one program's caps (``memory_mb``, ``max_processes``) and the sandbox's scratch and
    file sizes; the sandbox as a whole gets room for the server beside them. ``servers``: where a
    server that ends this batch cleanly is kept for the caller's next one (None: every batch
    starts its own sandboxes and stops them).
    """
    note_once(sandbox.notes())
    outcomes: dict[int, Any] = {}
    failures: Counter[int] = Counter()
    start_failures = 0
    rerun: set[int] = set()  # programs that ran when their server died: alone, in a sandbox of their own
    queue: list[list[int]] = [list(range(len(programs)))] if programs else []
    while queue:
        group = queue.pop(0)
        alone = len(group) == 1 and group[0] in rerun
        served = _serve(sandbox, limits, harness, [programs[i] for i in group], None if alone else servers)
        for j, outcome in served.outcomes.items():
            outcomes[group[j]] = outcome
        if not served.started_any and served.fault and served.kept:
            queue.insert(0, group)  # a kept server that ended between jobs: the batch starts a fresh one
            continue
        if not served.started_any and served.fault:
            start_failures += 1
            if start_failures > 1:
                raise VerifierError(f"the {sandbox.name} sandbox could not start the fork server: {served.fault}")
            queue.insert(0, group)
            continue
        if served.died is not None:
            i = group[served.died]
            if len(group) == 1:
                failures[i] += 1
                if failures[i] > 1:
                    raise VerifierError(f"the {sandbox.name} sandbox ended twice while a program ran alone in it: {served.fault} "
                                       f"(the program ends: {programs[i].code[-300:]!r})")
            rerun.add(i)
            queue.insert(0, [i])  # alone: a verdict never depends on the programs that shared a sandbox
        rest = [group[j] for j in served.unreached]
        if rest:
            if len(rest) == len(group) and served.died is None:
                raise VerifierError(f"the {sandbox.name} sandbox ran none of its programs: {served.fault or 'no reason given'}")
            queue.append(rest)
    return [outcomes[i] for i in range(len(programs))]


def _serve(sandbox: Sandbox, limits: SandboxLimits, harness: Harness, programs: list[Program],
           servers: Servers | None = None) -> _Served:
    """One fork server over ``programs`` (a kept one from ``servers`` where one fits, else a new
    sandbox); see ``run_programs`` for what happens to each."""
    task_of: dict[int, int] = {}
    tasks: list[str] = []
    for prog in programs:
        if id(prog.task) not in task_of:
            task_of[id(prog.task)] = len(tasks)
            tasks.append(prog.task if isinstance(prog.task, str) else json.dumps(prog.task, ensure_ascii=True))
    job = {
        "harness": harness.name,
        "programs": [[j, task_of[id(p.task)], p.code, p.wall] for j, p in enumerate(programs)],
        "memory_bytes": int(limits.memory_mb) << 20,
        "max_processes": int(limits.max_processes),
        "line_cap": harness.line_cap,
        "total_cap": harness.total_cap,
        "nproc": bool(sandbox.nproc_private),
    }
    rest = json.dumps(job, ensure_ascii=True)
    payload = (rest[:-1] + ', "tasks": [' + ", ".join(tasks) + "]}").encode("ascii")
    server_mb = 1024 + 8 * (len(payload) >> 20)  # the server holds the tasks (several times their JSON) beside a program
    need = sum(p.wall for p in programs) + 60.0  # the job's share of a server's CPU backstop
    box = SandboxLimits(
        wall_seconds=need,
        memory_mb=int(limits.memory_mb) + server_mb,
        max_processes=int(limits.max_processes),
        max_output_bytes=harness.total_cap,
        scratch_mb=int(limits.scratch_mb),
        max_file_bytes=int(limits.max_file_bytes),
    )
    live = servers.take(harness, box, len(programs)) if servers is not None and len(payload) < 1 << 32 else None
    reused = live is not None
    if live is not None:
        frame = struct.pack(">I", len(payload)) + payload  # the next job, as a command after the last one's "D"
        live.served += len(programs)
        live.wall_left -= need
    else:
        if servers is not None:
            box = dataclasses.replace(box, wall_seconds=max(box.wall_seconds, LEASE_SECONDS))
        files = {**SERVER_FILES, harness.name: harness.source}
        argv = [sandbox.python, *ISOLATED, "forkserver.py"]
        try:
            spawned = sandbox.spawn(argv, files=files, limits=box)
        except OSError as exc:
            return _Served({}, list(range(len(programs))), None, f"could not start: {exc}", False)
        if servers is not None:
            servers.count_start()
        live = _Live(spawned, box, harness, len(programs), box.wall_seconds - need)
        frame = struct.pack(">Q", len(payload)) + payload
    loop = _Loop(live.spawned, programs, harness, frame)
    kept = False
    try:
        served = loop.run()
        served.kept = reused
        kept = servers is not None and loop.job_done and not served.fault and not loop.pending
        return served
    finally:
        if kept:
            servers.give(live)  # type: ignore[union-attr]
        else:
            live.spawned.close()


class _Loop:
    """The event loop over one server's pipes."""

    def __init__(self, spawned: Spawned, programs: list[Program], harness: Harness, job: bytes) -> None:
        self.spawned = spawned
        self.programs = programs
        self.harness = harness
        self.pending = memoryview(job)
        self.buf = bytearray()
        self.stderr = bytearray()
        self.outcomes: dict[int, Any] = {}
        self.current: int | None = None
        self.judge: Judge | None = None
        self.decided = False
        self.lines = 0
        self.next_index = 0
        self.started_at = time.monotonic()
        self.last_event = time.monotonic()
        self.oom_before: int | None = None
        self.fault = ""
        self.job_done = False  # the server said "D": every program is over and it waits for another job

    def send_stop(self, index: int) -> None:
        msg = json.dumps({"stop": index}).encode()
        self.pending = memoryview(bytes(self.pending) + struct.pack(">I", len(msg)) + msg)

    def run(self) -> _Served:
        proc = self.spawned.proc
        assert proc.stdin and proc.stdout and proc.stderr
        sel = selectors.DefaultSelector()
        sel.register(proc.stdout, selectors.EVENT_READ, "out")
        sel.register(proc.stderr, selectors.EVENT_READ, "err")
        os.set_blocking(proc.stdin.fileno(), False)
        stdin_open = True
        writing = False
        try:
            while True:
                if stdin_open and self.pending and not writing:
                    sel.register(proc.stdin, selectors.EVENT_WRITE, "in")
                    writing = True
                budget = self.deadline() - time.monotonic()
                if budget <= 0:
                    self.fault = self.fault or "the fork server went silent past every limit"
                    break
                events = sel.select(timeout=min(budget, 1.0))
                done = False
                for key, _ in events:
                    if key.data == "in":
                        try:
                            n = os.write(key.fd, self.pending[:1 << 20])
                            self.pending = self.pending[n:]
                        except (BrokenPipeError, OSError):
                            stdin_open = False
                            self.pending = memoryview(b"")
                        if not self.pending:
                            sel.unregister(proc.stdin)
                            writing = False
                        continue
                    try:
                        chunk = os.read(key.fd, 1 << 20)
                    except OSError:
                        chunk = b""
                    if key.data == "err":
                        if not chunk:
                            sel.unregister(key.fileobj)
                        elif len(self.stderr) < 65536:
                            self.stderr += chunk[: 65536 - len(self.stderr)]
                        continue
                    if not chunk:
                        done = True
                        break
                    self.buf += chunk
                    if not self.frames():
                        done = True
                        break
                if done:
                    break
        finally:
            sel.close()
        return self.finish()

    def deadline(self) -> float:
        if self.current is not None:
            return self.started_at + self.programs[self.current].wall + SILENCE_SECONDS
        return self.last_event + SILENCE_SECONDS + 60.0

    def frames(self) -> bool:
        """Handle every complete frame in the buffer; False when the server is done or at fault."""
        while len(self.buf) >= HEADER.size:
            kind, p, k, n = HEADER.unpack_from(self.buf)
            cap = self.harness.line_cap + 16 if kind == b"L" else CONTROL_CAP
            if kind not in (b"R", b"S", b"L", b"E", b"F", b"D") or n > cap:
                self.fault = f"malformed frame from the fork server (kind {kind!r}, {n} bytes)"
                return False
            if len(self.buf) < HEADER.size + n:
                return True
            if len(self.buf) == HEADER.size + n:  # the frame is all the buffer holds (a long line, often): no copy
                payload, self.buf = self.buf, bytearray()
                del payload[: HEADER.size]
            else:
                payload = self.buf[HEADER.size : HEADER.size + n]
                del self.buf[: HEADER.size + n]
            self.last_event = time.monotonic()
            if not self.handle(kind, p, k, payload):
                return False
        return True

    def handle(self, kind: bytes, p: int, k: int, payload: bytes | bytearray) -> bool:
        if kind == b"R":
            return True
        if kind == b"F":
            self.fault = payload.decode("utf-8", "replace")[:2000]
            return False
        if kind == b"D":
            if self.current is not None or self.next_index != len(self.programs) or self.buf:
                self.fault = "the fork server ended a job before its programs"
            else:
                self.job_done = True
            return False
        if kind == b"S":
            if self.current is not None or p != self.next_index:
                self.fault = f"the fork server started program {p} out of order"
                return False
            self.current, self.next_index = p, p + 1
            self.judge = self.programs[p].judge()
            self.decided = False
            self.lines = 0
            self.started_at = time.monotonic()
            self.oom_before = self.spawned.oom_kills()
            return True
        if p != self.current or self.judge is None:
            self.fault = f"the fork server sent a frame for program {p}, which is not running"
            return False
        if kind == b"L":
            if k != self.lines:
                self.fault = f"the fork server sent line {k} of program {p} out of order"
                return False
            self.lines += 1
            if self.decided:
                return True
            try:
                if self.judge.accepts_bytes(k, payload):  # an output identical to the expected one, unparsed
                    return True
                try:
                    message, error = wire.decode_line(payload, self.harness.line_cap), None
                except wire.WireError as exc:
                    message, error = None, str(exc)
                stop = self.judge.line(k, message, error)
            except Exception as exc:  # noqa: BLE001 - the guard per sample: this program's output, this program's verdict
                self.judge.unjudgeable(k, f"{type(exc).__name__}: {str(exc)[:200]}")
                stop = True
            if stop:
                self.decided = True
                self.send_stop(p)
            return True
        # kind == b"E"
        try:
            info = json.loads(payload)
            ended = Ended(int(info["lines"]), info["killed"], info["exit"], info["signal"], float(info["secs"]), self.oom_seen())
            tainted = str(info.get("tainted") or "")
        except (ValueError, KeyError, TypeError) as exc:
            self.fault = f"malformed end event from the fork server: {exc}"
            return False
        self.outcomes[p] = self.judge.end(ended)
        self.current, self.judge = None, None
        if tainted:
            log.info("fork server tainted after program %d (%s); the rest get a fresh sandbox", p, tainted)
        return True

    def oom_seen(self) -> bool:
        now = self.spawned.oom_kills()
        return now is not None and self.oom_before is not None and now > self.oom_before

    def finish(self) -> _Served:
        died = None
        if self.current is not None and self.judge is not None:
            if self.oom_seen():  # the cgroup ran out while it ran: its own doing
                self.outcomes[self.current] = self.judge.end(Ended(self.lines, "memory", None, None, 0.0, True))
            else:
                died = self.current
                rc = self.spawned.proc.poll()
                tail = self.stderr.decode("utf-8", "replace").strip()[-500:]
                self.fault = self.fault or f"the fork server ended (exit status {rc}) {tail}".strip()
        unreached = list(range(self.next_index, len(self.programs)))
        if unreached and not self.fault:
            rc = self.spawned.proc.poll()
            tail = self.stderr.decode("utf-8", "replace").strip()[-500:]
            self.fault = f"the fork server ended early (exit status {rc}) {tail}".strip()
        return _Served(self.outcomes, unreached, died, self.fault, self.next_index > 0)


def step_limits(ready: float, tests: list[float]) -> dict[str, Any]:
    """A task's ``limits``: seconds for the program to load, and for each test (each counted from
    the previous line)."""
    return {"ready": float(ready), "tests": [float(t) for t in tests]}

