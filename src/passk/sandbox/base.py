"""The sandbox interface: start one untrusted process tree with limits, pipes to it, and a way to end it.

A backend starts ``argv`` with a fresh scratch directory (``/tmp``, the only writable place besides
a capped ``/dev/shm``) holding ``files``, no network, an empty environment and the limits below
enforced from outside. It hands back the process with its stdin, stdout and stderr as pipes
(``Spawned``); what runs inside is always the fork server (``passk.sandbox.forkserver``), and the
host talks to it through ``passk.sandbox.session``, which also keeps the wall clock and ends the
whole tree with ``Spawned.close``.

Backends: ``bwrap`` (bubblewrap namespaces; the Linux default), ``docker`` (the docker CLI against
a daemon), and ``process`` (resource limits only; does not isolate, and says so). ``get_sandbox``
raises a ``ConfigError`` when the named backend is not available on this machine: no silent
fallback.
"""

from __future__ import annotations

import os
import signal
import subprocess
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class SandboxLimits:
    """Limits of one sandbox: the only limits type. Made from the config's ``sandbox`` section by
    ``SandboxSettings.limits`` (whose defaults are the schema's), never with defaults of its own.

    ``memory_mb`` and ``max_processes`` bound the sandbox as a whole (its cgroup, where one can be
    written); each program inside gets its own caps from the fork server."""

    wall_seconds: float
    memory_mb: int
    max_processes: int
    max_output_bytes: int
    scratch_mb: int
    max_file_bytes: int


@dataclass
class Spawned:
    """A started sandbox: its process (stdin/stdout/stderr are pipes) and how to end it."""

    proc: subprocess.Popen[bytes]
    #: how many times the kernel's OOM killer fired in the sandbox's cgroup so far (None: no cgroup)
    oom_kills: Callable[[], int | None] = lambda: None
    #: extra clean-up after the process tree is dead (cgroup removal, container removal, fds)
    cleanup: list[Callable[[], None]] = field(default_factory=list)
    #: whether the fork server inside runs as PID 1 of a private pid namespace
    pid1: bool = True

    def close(self) -> None:
        """SIGKILL the whole tree (the process leads its own session), reap it, run the clean-ups."""
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        try:
            self.proc.kill()
        except OSError:
            pass
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            pass
        for f in (self.proc.stdin, self.proc.stdout, self.proc.stderr):
            try:
                if f is not None:
                    f.close()
            except OSError:
                pass
        for fn in self.cleanup:
            fn()


class Sandbox(ABC):
    """One isolation backend."""

    name: str = "abstract"
    isolates: bool = True
    python: str = "python3"
    site_packages: tuple[str, ...] = ()
    #: whether the kernel counts RLIMIT_NPROC inside this sandbox apart from the host user's other
    #: processes (a private user namespace), so the fork server may set it per program
    nproc_private: bool = False

    @classmethod
    @abstractmethod
    def available(cls) -> tuple[bool, str]:
        """Whether this backend works on this machine, and why not when it does not."""

    @abstractmethod
    def spawn(self, argv: list[str], *, files: dict[str, bytes], limits: SandboxLimits) -> Spawned:
        """Start ``argv`` (``argv[0]`` is resolved inside the sandbox) in a fresh scratch directory
        holding ``files``, as PID 1 of a private pid namespace where the backend has one.

        Raises OSError when the sandbox cannot be started at all.
        """

    def notes(self) -> list[str]:
        """What a user should know once per run about how this backend bounds programs here."""
        return []


def check_file_names(files: dict[str, bytes]) -> None:
    """Every shipped file is a plain name inside the scratch directory."""
    for name in files:
        if "/" in name or name in ("", ".", ".."):
            raise ValueError(f"file name {name!r} must be a plain name inside the scratch directory")
