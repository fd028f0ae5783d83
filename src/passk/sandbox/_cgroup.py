"""Per-run cgroups for the process-count and memory caps, when this process may create them.

Why: RLIMIT_NPROC does not bind processes whose host uid is root (the kernel exempts INIT_USER),
and when passk runs as root the sandbox's uid maps to host root. A cgroup's ``pids.max`` binds
everyone, and its memory limit counts the whole tree rather than one address space. The cgroup
also lets the parent find and kill every process of a run afterwards. Supports cgroup v1 (one
hierarchy per controller) and a pure v2 hierarchy; when neither is writable, ``create`` returns
None and the caller relies on rlimits alone.
"""

from __future__ import annotations

import itertools
import os
import signal
import threading
import time
from pathlib import Path

ROOT = Path("/sys/fs/cgroup")
_counter = itertools.count()
_lock = threading.Lock()
_mode_cache: str | None = None


def _mode() -> str:
    """'v1', 'v2' or 'none', probed once by creating and removing a test group."""
    global _mode_cache
    if _mode_cache is not None:
        return _mode_cache
    mode = "none"
    if (ROOT / "cgroup.controllers").exists():
        ctrl = (ROOT / "cgroup.controllers").read_text().split()
        if "pids" in ctrl and "memory" in ctrl and _probe(ROOT / f"passk-probe-{os.getpid()}"):
            try:
                (ROOT / "cgroup.subtree_control").write_text("+pids +memory")
                mode = "v2"
            except OSError:
                mode = "none"
    elif (ROOT / "pids").is_dir() and (ROOT / "memory").is_dir():
        if _probe(ROOT / "pids" / f"passk-probe-{os.getpid()}") and _probe(ROOT / "memory" / f"passk-probe-{os.getpid()}"):
            mode = "v1"
    _mode_cache = mode
    return mode


def _probe(path: Path) -> bool:
    try:
        path.mkdir()
        path.rmdir()
        return True
    except OSError:
        return False


class RunCgroup:
    """The cgroup(s) of one sandbox run."""

    def __init__(self, dirs: list[Path], mode: str) -> None:
        self.dirs = dirs
        self.mode = mode

    @property
    def procs_files(self) -> list[str]:
        """Files a starter shell writes ``$$`` into to join the group before exec'ing the sandbox."""
        return [str(d / "cgroup.procs") for d in self.dirs]

    def oom_kills(self) -> int | None:
        """How many times the kernel's OOM killer fired in this group (None when unreadable)."""
        try:
            if self.mode == "v2":
                for line in (self.dirs[0] / "memory.events").read_text().splitlines():
                    key, _, val = line.partition(" ")
                    if key == "oom_kill":
                        return int(val)
                return 0
            for line in (self.dirs[1] / "memory.oom_control").read_text().splitlines():
                key, _, val = line.partition(" ")
                if key == "oom_kill":
                    return int(val)
            return int((self.dirs[1] / "memory.failcnt").read_text())
        except (OSError, ValueError, IndexError):
            return None

    def kill_all_and_remove(self) -> int:
        """SIGKILL whatever is left in the group, then remove it; returns how many were left."""
        left = 0
        for attempt in range(50):
            pids: set[int] = set()
            for d in self.dirs:
                try:
                    pids |= {int(x) for x in (d / "cgroup.procs").read_text().split()}
                except (OSError, ValueError):
                    pass
            if not pids:
                break
            if attempt == 0:
                left = len(pids)
            for pid in pids:
                try:
                    os.kill(pid, signal.SIGKILL)
                except (ProcessLookupError, PermissionError):
                    pass
            time.sleep(0.01)
        for d in self.dirs:
            for _ in range(50):
                try:
                    d.rmdir()
                    break
                except FileNotFoundError:
                    break
                except OSError:
                    time.sleep(0.01)
        return left


def available() -> bool:
    """Whether this process can create cgroups with pids and memory limits."""
    return _mode() != "none"


def create(max_processes: int, memory_bytes: int) -> RunCgroup | None:
    """A fresh cgroup with ``pids.max`` and a memory limit, or None when cgroups are not writable here."""
    mode = _mode()
    if mode == "none":
        return None
    with _lock:
        name = f"passk-{os.getpid()}-{next(_counter)}"
    try:
        if mode == "v2":
            d = ROOT / name
            d.mkdir()
            (d / "pids.max").write_text(str(max_processes))
            (d / "memory.max").write_text(str(memory_bytes))
            try:
                (d / "memory.swap.max").write_text("0")
            except OSError:
                pass
            return RunCgroup([d], mode)
        p = ROOT / "pids" / name
        m = ROOT / "memory" / name
        p.mkdir()
        m.mkdir()
        (p / "pids.max").write_text(str(max_processes))
        (m / "memory.limit_in_bytes").write_text(str(memory_bytes))
        try:
            (m / "memory.memsw.limit_in_bytes").write_text(str(memory_bytes))
        except OSError:
            pass
        return RunCgroup([p, m], mode)
    except OSError:
        return None
