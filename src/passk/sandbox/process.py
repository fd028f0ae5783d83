"""The ``process`` backend: resource limits only, for machines with neither bubblewrap nor Docker.

It does NOT isolate: the program sees the host's files, network and processes as the calling
user. It still gets a fresh scratch directory as cwd, an empty environment, rlimits (address
space, file size, CPU backstop, no core) and the host's wall clock with a session-wide SIGKILL;
the fork server runs as a subreaper (not PID 1) and sweeps the program's descendants after each
program. Choosing it logs a warning once, so nobody mistakes it for a sandbox.
"""

from __future__ import annotations

import math
import os
import shutil
import subprocess
import sys
import tempfile
import warnings

from passk.sandbox.base import Sandbox, SandboxLimits, Spawned, check_file_names
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
        """Available on a POSIX system with util-linux's prlimit."""
        if os.name != "posix":
            return False, "the process backend needs a POSIX system"
        if shutil.which("prlimit") is None:
            return False, "the prlimit binary (util-linux) is not installed"
        return True, ""

    def notes(self) -> list[str]:
        """Say that nothing is isolated and how memory is bounded."""
        return ["sandbox: backend 'process' does not isolate programs; memory is capped per address space and by the "
                "fork server's meter, processes are not capped"]

    def spawn(self, argv: list[str], *, files: dict[str, bytes], limits: SandboxLimits) -> Spawned:
        """Start ``argv`` in a fresh temporary directory under rlimits (``--not-pid1`` for the fork server)."""
        check_file_names(files)
        scratch = tempfile.mkdtemp(prefix="passk-run-")
        for name, data in files.items():
            with open(os.path.join(scratch, name), "wb") as fh:
                fh.write(data)
        prl = ["prlimit", f"--as={limits.memory_mb << 20}", f"--fsize={limits.max_file_bytes}",
               f"--cpu={math.ceil(limits.wall_seconds) + 5}", "--core=0", "--"]
        try:
            proc = subprocess.Popen([*prl, *argv, "--not-pid1"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                    stderr=subprocess.PIPE, cwd=scratch, env=dict(SAFE_ENV, HOME=scratch),
                                    start_new_session=True, close_fds=True)
        except BaseException:
            shutil.rmtree(scratch, ignore_errors=True)
            raise
        return Spawned(proc, cleanup=[lambda: shutil.rmtree(scratch, ignore_errors=True)], pid1=False)
