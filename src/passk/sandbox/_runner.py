"""Shared parent-side machinery of the backends: spawn, feed stdin, read capped output, enforce the wall clock.

Why here: every backend ends with "a child process whose whole tree must die at a deadline, whose
output must be capped, and which must never block the parent". Keeping that loop in one place
means the bwrap and process backends cannot drift apart in how they time and kill.
"""

from __future__ import annotations

import os
import selectors
import signal
import subprocess
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Collected:
    """What the parent read from a finished child."""

    returncode: int | None
    stdout: bytes
    stderr: bytes
    extra: bytes  # bytes read from the optional side channel (collected files)
    timed_out: bool
    output_truncated: bool
    wall_seconds: float
    spawn_error: str | None = None
    notes: list[str] = field(default_factory=list)


def kill_group(pid: int) -> None:
    """SIGKILL the process group led by ``pid`` (the child was started in its own session)."""
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def run_child(
    cmd: Sequence[str],
    *,
    stdin: bytes,
    wall_seconds: float,
    max_output_bytes: int,
    preexec_fn: Callable[[], None] | None = None,
    pass_fds: Sequence[int] = (),
    side_channel: int | None = None,
    env: dict[str, str] | None = None,
    on_timeout: Callable[[int], None] | None = None,
    popen_kwargs: dict[str, Any] | None = None,
    close_after_spawn: Sequence[int] = (),
    idle_seconds: float | None = None,
) -> Collected:
    """Run ``cmd`` in a new session; kill its process group at the deadline or when output exceeds the cap.

    ``side_channel`` is the read end of a pipe whose write end was passed to the child; it is read
    (with the same cap) so the child can hand back collected files without touching stdout.
    ``popen_kwargs`` go to ``subprocess.Popen`` (e.g. ``user``/``group``, applied in C between fork and exec).
    ``idle_seconds``: the child also times out when its stdout has been silent that long (a fork
    server reports every program it starts, so silence means it is stuck).
    """
    start = time.monotonic()
    try:
        proc = subprocess.Popen(
            list(cmd),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            pass_fds=tuple(pass_fds),
            preexec_fn=preexec_fn,
            start_new_session=True,
            env=env if env is not None else {},
            close_fds=True,
            **(popen_kwargs or {}),
        )
    except OSError as exc:
        return Collected(None, b"", b"", b"", False, False, 0.0, spawn_error=f"spawn failed: {exc}")
    for fd in close_after_spawn:  # e.g. the write end of the side channel: EOF must come from the child alone
        try:
            os.close(fd)
        except OSError:
            pass

    bufs: dict[str, bytearray] = {"stdout": bytearray(), "stderr": bytearray(), "extra": bytearray()}
    sel = selectors.DefaultSelector()
    assert proc.stdout is not None and proc.stderr is not None and proc.stdin is not None
    sel.register(proc.stdout, selectors.EVENT_READ, "stdout")
    sel.register(proc.stderr, selectors.EVENT_READ, "stderr")
    if side_channel is not None:
        sel.register(side_channel, selectors.EVENT_READ, "extra")
    pending = memoryview(stdin)
    if pending:
        os.set_blocking(proc.stdin.fileno(), False)
        sel.register(proc.stdin, selectors.EVENT_WRITE, "stdin")
    else:
        proc.stdin.close()

    timed_out = truncated = False
    deadline = start + wall_seconds
    killed = False
    last_output = start
    while sel.get_map():
        now = time.monotonic()
        remaining = deadline - now
        if idle_seconds is not None:
            remaining = min(remaining, last_output + idle_seconds - now)
        if remaining <= 0:
            timed_out = True
            break
        for key, _ in sel.select(timeout=min(remaining, 0.5)):
            name = key.data
            if name == "stdin":
                try:
                    n = os.write(key.fd, pending[:65536])
                    pending = pending[n:]
                except (BrokenPipeError, OSError):
                    pending = pending[:0]
                if not pending:
                    sel.unregister(key.fileobj)
                    proc.stdin.close()
                continue
            try:
                chunk = os.read(key.fd, 65536)
            except OSError:
                chunk = b""
            if not chunk:
                sel.unregister(key.fileobj)
                continue
            if name == "stdout":
                last_output = time.monotonic()
            buf = bufs[name]
            room = max_output_bytes - len(buf)
            if len(chunk) > room:
                buf += chunk[:room]
                truncated = True
            else:
                buf += chunk
        if truncated:
            break
    if timed_out or truncated:
        if timed_out and on_timeout is not None:
            on_timeout(proc.pid)
        kill_group(proc.pid)
        killed = True
    try:
        # Pipes may be closed while the process lingers (e.g. it closed fd 1): wait on the clock too.
        proc.wait(timeout=0.05 if timed_out else max(0.05, deadline - time.monotonic()))
    except subprocess.TimeoutExpired:
        timed_out = True
        kill_group(proc.pid)
        killed = True
        proc.wait()
    if not killed:
        kill_group(proc.pid)  # leftovers of a finished run (should be none: pid namespace)
    for f in (proc.stdout, proc.stderr, proc.stdin):
        try:
            f.close()
        except OSError:
            pass
    sel.close()
    return Collected(
        returncode=proc.returncode,
        stdout=bytes(bufs["stdout"]),
        stderr=bytes(bufs["stderr"]),
        extra=bytes(bufs["extra"]),
        timed_out=timed_out,
        output_truncated=truncated,
        wall_seconds=time.monotonic() - start,
    )
