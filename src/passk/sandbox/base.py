"""The sandbox interface: run one untrusted program with limits and collect what it left behind.

A backend runs ``argv`` with a fresh scratch directory as its working directory (the only
writable place), ``files`` written into that directory first, ``stdin`` fed to it, no network, an
empty environment, and the limits below enforced from outside the program. The wall-clock limit
is enforced by the parent, which kills the whole process tree. What the program wrote to stdout
and stderr (capped) and the files named in ``collect`` are returned.

Backends: ``bwrap`` (bubblewrap namespaces; the Linux default), ``docker`` (docker SDK), and
``process`` (resource limits only; does not isolate, and says so). ``get_sandbox`` raises a
``ConfigError`` when the named backend is not available on this machine: no silent fallback.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field


@dataclass(frozen=True)
class SandboxLimits:
    """Limits of one run: the only limits type. Made from the config's ``sandbox`` section by
    ``SandboxSettings.limits`` (whose defaults are the schema's), never with defaults of its own."""

    wall_seconds: float
    memory_mb: int
    max_processes: int
    max_output_bytes: int
    scratch_mb: int
    max_file_bytes: int


@dataclass
class RunResult:
    """What one run produced and how it ended."""

    exit_code: int | None  # None when killed by a signal or by the parent
    signal: int | None
    stdout: bytes
    stderr: bytes
    timed_out: bool
    output_truncated: bool
    memory_exceeded: bool
    wall_seconds: float
    files: dict[str, bytes] = field(default_factory=dict)  # the files of ``collect`` that exist afterwards
    error: str | None = None  # the sandbox itself failed (not the program)


class Sandbox(ABC):
    """One isolation backend."""

    name: str = "abstract"
    isolates: bool = True
    #: whether ``run(..., as_pid1=True)`` works: the program is PID 1 of a private pid namespace,
    #: which the fork server (``passk.sandbox.forkserver``) needs
    supports_pid1: bool = False

    @classmethod
    @abstractmethod
    def available(cls) -> tuple[bool, str]:
        """Whether this backend works on this machine, and why not when it does not."""

    @abstractmethod
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
        """Run ``argv`` (``argv[0]`` is resolved inside the sandbox) in a fresh scratch directory.

        ``idle_seconds``: also stop the run when stdout stays silent that long. ``as_pid1``: run
        ``argv`` as PID 1 of its own pid namespace (only where ``supports_pid1``).
        """
