"""The ``process`` backend: resource limits only, for machines with neither bubblewrap nor Docker.

It does NOT isolate: the program sees the host's files, network and processes as the calling
user. It still gets a fresh scratch directory as cwd, an empty environment, rlimits (address
space, processes, file size, no core) and the parent's wall clock with a session-wide SIGKILL.
Choosing it logs a warning once, so nobody mistakes it for a sandbox.
"""

from __future__ import annotations

import os
import resource
import shutil
import sys
import tempfile
import warnings

from passk.sandbox._runner import run_child
from passk.sandbox.base import RunResult, Sandbox, SandboxLimits
from passk.sandbox.bwrap import SAFE_ENV, default_site_packages

_warned = False


class ProcessSandbox(Sandbox):
    """Rlimits and a wall clock, no isolation."""

    name = "process"
    isolates = False

    def __init__(self, *, python: str | None = None, site_packages: tuple[str, ...] | list[str] | None = None) -> None:
        global _warned
        if not _warned:
            warnings.warn(
                "sandbox.backend 'process' applies resource limits only and does NOT isolate the program "
                "from this machine's files, network or processes",
                RuntimeWarning,
                stacklevel=2,
            )
            _warned = True
        self.python = python or sys.executable
        self.site_packages = tuple(site_packages) if site_packages is not None else default_site_packages()

    @classmethod
    def available(cls) -> tuple[bool, str]:
        """Available on any POSIX system."""
        if os.name != "posix":
            return False, "the process backend needs a POSIX system"
        return True, ""

    def run(
        self,
        argv: list[str],
        *,
        files: dict[str, bytes] | None = None,
        stdin: bytes = b"",
        limits: SandboxLimits,
        collect: tuple[str, ...] = (),
        idle_seconds: float | None = None,
        as_pid1: bool = False,
    ) -> RunResult:
        """Run ``argv`` in a fresh temporary directory under rlimits (no pid namespace: ``as_pid1`` is refused)."""
        if as_pid1:
            raise ValueError("the process backend has no pid namespace (as_pid1)")
        scratch = tempfile.mkdtemp(prefix="passk-run-")
        try:
            for name, data in (files or {}).items():
                if "/" in name or name in ("", ".", ".."):
                    return RunResult(None, None, b"", b"", False, False, False, 0.0, error=f"bad file name {name!r}")
                with open(os.path.join(scratch, name), "wb") as fh:
                    fh.write(data)

            def pre() -> None:  # runs in the child between fork and exec
                os.chdir(scratch)
                mem = limits.memory_mb << 20
                resource.setrlimit(resource.RLIMIT_AS, (mem, mem))
                resource.setrlimit(resource.RLIMIT_FSIZE, (limits.max_file_bytes, limits.max_file_bytes))
                resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
                if os.geteuid() != 0:
                    # counts all of this uid's processes: only a rough guard here
                    n = limits.max_processes + 256
                    resource.setrlimit(resource.RLIMIT_NPROC, (n, n))

            env = dict(SAFE_ENV, HOME=scratch)
            c = run_child(argv, stdin=stdin, wall_seconds=limits.wall_seconds, max_output_bytes=limits.max_output_bytes, preexec_fn=pre, env=env,
                          idle_seconds=idle_seconds)
            if c.spawn_error:
                return RunResult(None, None, b"", b"", False, False, False, 0.0, error=c.spawn_error)
            rc = c.returncode
            sig = -rc if rc is not None and rc < 0 else None
            collected = {}
            for name in collect:
                p = os.path.join(scratch, name)
                if os.path.isfile(p) and not os.path.islink(p):
                    with open(p, "rb") as fh:
                        collected[name] = fh.read(limits.max_file_bytes)
            return RunResult(
                exit_code=None if (sig is not None or c.timed_out or c.output_truncated) else rc,
                signal=sig,
                stdout=c.stdout,
                stderr=c.stderr,
                timed_out=c.timed_out,
                output_truncated=c.output_truncated,
                memory_exceeded=b"MemoryError" in c.stderr[-4096:],
                wall_seconds=c.wall_seconds,
                files=collected,
            )
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
