"""The bubblewrap backend: namespaces, a read-only minimal root, one size-capped tmpfs, limits from outside.

Layout inside the sandbox:

- new user, pid, net, ipc, uts (and cgroup, when possible) namespaces; ``--die-with-parent`` and
  ``--new-session`` so the program cannot outlive us or reach our terminal; nested user namespaces
  are disabled (they would reset RLIMIT_NPROC);
- ``/usr`` (and ``/bin``, ``/lib``… as on the host), the interpreter's prefix and the configured
  site-packages, all read-only; nothing else of the host — no ``/home``, no ``/root``, no ``/work``,
  no ``/etc`` beyond ``ld.so.cache``/``localtime``; the root itself is remounted read-only;
- ``/tmp`` is a tmpfs of ``limits.scratch_mb``, mounted before the read-only binds (so a checkout
  or venv under the host's ``/tmp`` stays visible), and the working directory: with a capped
  ``/dev/shm`` and a private ``/dev/mqueue``, the only writable places;
- an empty environment except a fixed ``PATH``/``LANG``/``HOME=/tmp``, single-thread BLAS knobs and
  two malloc arenas (so an address-space cap does not break numpy's or a program's threads).

Limits: ``prlimit`` applies RLIMIT_AS, RLIMIT_FSIZE, RLIMIT_CPU (a backstop) and RLIMIT_CORE before
bwrap starts. RLIMIT_NPROC is set by the fork server for each program inside the sandbox's own
user namespace, where the kernel counts only the sandbox's tasks, not the verifier's threads or
the user's other sandboxes. Where cgroups are writable (e.g. as root) each sandbox also gets its own
cgroup with ``pids.max`` and a memory limit (``_cgroup``): root is exempt from RLIMIT_NPROC, and a
cgroup counts the whole tree; the cgroup is emptied with SIGKILL and removed afterwards. Where
none can be written, ``notes`` says so once per run. The mounts are done by bwrap as the calling
user (a pyenv interpreter under /root is bound through a descriptor opened beforehand). The wall
clock is the host's (``passk.sandbox.session``), which SIGKILLs the session; the pid namespace then
takes every descendant with it.
"""

from __future__ import annotations

import math
import os
import shutil
import site
import subprocess
import sys

from passk.sandbox import _cgroup
from passk.sandbox.base import Sandbox, SandboxLimits, Spawned, check_file_names

SCRATCH = "/tmp"
SAFE_ENV = {
    "PATH": "/usr/local/bin:/usr/bin:/bin",
    "LANG": "C.UTF-8",
    "LC_ALL": "C.UTF-8",
    "HOME": SCRATCH,
    "OMP_NUM_THREADS": "1",
    "OPENBLAS_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "PYTHONDONTWRITEBYTECODE": "1",
    # glibc reserves 64 MB of address space per thread arena: under RLIMIT_AS a dozen threads would fail
    "MALLOC_ARENA_MAX": "2",
}
_available_cache: tuple[bool, str] | None = None


def default_site_packages() -> tuple[str, ...]:
    """The site-packages of the running interpreter (so sandboxed code can import numpy, as in evalplus)."""
    paths = [p for p in site.getsitepackages() if os.path.isdir(p)]
    return tuple(dict.fromkeys(paths))


class BwrapSandbox(Sandbox):
    """bubblewrap isolation (the default on Linux)."""

    name = "bwrap"
    isolates = True
    nproc_private = True  # its own user namespace: the kernel counts the sandbox's tasks apart

    def __init__(
        self,
        *,
        python: str | None = None,
        site_packages: tuple[str, ...] | list[str] | None = None,
        ro_binds: tuple[str, ...] | list[str] = (),
        binary: str = "bwrap",
        use_cgroup: bool = True,
    ) -> None:
        self.binary = shutil.which(binary) or binary
        self.python = python or sys.executable
        self.site_packages = tuple(site_packages) if site_packages is not None else default_site_packages()
        self.use_cgroup = use_cgroup
        binds: list[str] = []
        prefixes = {sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix}
        py_real = os.path.realpath(self.python)
        prefixes.add(os.path.dirname(os.path.dirname(py_real)))
        prefixes.add(os.path.dirname(os.path.dirname(self.python)))
        for p in [*sorted(prefixes), *self.site_packages, *ro_binds]:
            p = os.path.abspath(p)
            if not os.path.exists(p) or p == "/" or p.startswith("/usr/") or p == "/usr":
                continue
            if any(p == b or p.startswith(b.rstrip("/") + "/") for b in binds):
                continue
            binds = [b for b in binds if not b.startswith(p.rstrip("/") + "/")]
            binds.append(p)
        self.ro_binds = tuple(binds)
        # Bind by O_PATH descriptor opened now: after the switch to an unprivileged uid bwrap could
        # not traverse e.g. /root to reach a pyenv interpreter, but a descriptor needs no path walk.
        self._bind_fds: dict[str, int] = {}
        for p in self.ro_binds:
            try:
                self._bind_fds[p] = os.open(p, os.O_PATH | os.O_CLOEXEC)
            except OSError:
                continue

    def __del__(self) -> None:
        try:
            _close_fds(getattr(self, "_bind_fds", {}))
        except Exception:  # noqa: BLE001 - interpreter shutdown
            pass

    @classmethod
    def available(cls) -> tuple[bool, str]:
        """bwrap and prlimit exist and a trivial sandbox starts (user namespaces allowed)."""
        global _available_cache
        if _available_cache is not None:
            return _available_cache
        if sys.platform != "linux":
            _available_cache = (False, "bubblewrap needs Linux")
            return _available_cache
        if shutil.which("bwrap") is None:
            _available_cache = (False, "the bwrap binary is not installed (apt-get install -y bubblewrap)")
            return _available_cache
        if shutil.which("prlimit") is None:
            _available_cache = (False, "the prlimit binary (util-linux) is not installed")
            return _available_cache
        try:
            probe = SandboxLimits(wall_seconds=20, memory_mb=512, max_processes=8, max_output_bytes=1 << 16, scratch_mb=8, max_file_bytes=1 << 20)
            started = cls().spawn(["/bin/sh", "-c", "echo ok"], files={}, limits=probe)
            try:
                out, err = started.proc.communicate(timeout=60)
            finally:
                started.close()
        except Exception as exc:  # noqa: BLE001 - any failure means "not available", with its reason
            _available_cache = (False, f"bwrap failed to start: {exc}")
            return _available_cache
        if out.strip() != b"ok":
            why = err.decode("utf-8", "replace").strip()
            _available_cache = (False, f"bwrap failed to start a sandbox: {why[:300]}")
        else:
            _available_cache = (True, "")
        return _available_cache

    def _mount_args(self, limits: SandboxLimits) -> list[str]:
        # The scratch tmpfs comes first, so binds that live under /tmp on the host (a checkout or a
        # venv under /tmp) are mounted on top of it instead of being hidden by it.
        args: list[str] = ["--size", str(limits.scratch_mb << 20), "--tmpfs", SCRATCH]
        for top in ("/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"):
            if os.path.islink(top):
                args += ["--symlink", os.readlink(top), top]
            elif os.path.isdir(top):
                args += ["--ro-bind", top, top]
        args += ["--ro-bind", "/usr", "/usr"]
        for f in ("/etc/ld.so.cache", "/etc/localtime", "/etc/alternatives"):
            if os.path.exists(f):
                args += ["--ro-bind", f, f]
        for p, fd in self._bind_fds.items():
            args += ["--ro-bind-fd", str(fd), p]
        args += ["--proc", "/proc", "--dev", "/dev", "--mqueue", "/dev/mqueue"]
        # /dev is a tmpfs without a size: only /dev/shm (capped like the scratch) stays writable
        args += ["--size", str(limits.scratch_mb << 20), "--tmpfs", "/dev/shm", "--remount-ro", "/dev"]
        return args

    def notes(self) -> list[str]:
        """Say how programs are bounded when this user cannot create cgroups."""
        if not self.use_cgroup or _cgroup.available():
            return []
        notes = ["sandbox: no writable cgroup here, so memory is capped per address space (RLIMIT_AS) and by the fork "
                 "server's 20 ms meter of the program's processes, SysV and POSIX shared memory and memfds, not by the kernel"]
        if os.geteuid() == 0:
            notes.append("sandbox: running as root without a writable cgroup: RLIMIT_NPROC does not bind root, so a "
                         "program's processes and threads are capped only by the fork server's 20 ms meter")
        return notes

    def spawn(self, argv: list[str], *, files: dict[str, bytes], limits: SandboxLimits) -> Spawned:
        """Start ``argv`` under bubblewrap as PID 1 of its namespaces; see the module docstring.

        ``--as-pid-1`` (no reaper in between): the kernel then drops every signal from inside the
        namespace that PID 1 has no handler for, which the fork server relies on.
        """
        check_file_names(files)
        args = [
            self.binary,
            "--unshare-user",
            "--unshare-pid",
            "--unshare-net",
            "--unshare-ipc",
            "--unshare-uts",
            "--unshare-cgroup-try",
            "--as-pid-1",
            "--disable-userns",
            "--die-with-parent",
            "--new-session",
            "--uid", "65534",
            "--gid", "65534",
            "--hostname", "sandbox",
            *self._mount_args(limits),
        ]
        fds: list[int] = []
        cg = None
        try:
            for name, data in files.items():
                fd = os.memfd_create("passk-file", os.MFD_CLOEXEC)
                fds.append(fd)
                view = memoryview(data)
                while view:
                    view = view[os.write(fd, view):]
                os.lseek(fd, 0, os.SEEK_SET)
                args += ["--perms", "0644", "--file", str(fd), f"{SCRATCH}/{name}"]
            args += ["--remount-ro", "/", "--chdir", SCRATCH, "--clearenv"]
            for k, v in SAFE_ENV.items():
                args += ["--setenv", k, v]
            args += ["--", *argv]
            # No RLIMIT_NPROC here: the fork server sets it per program inside the sandbox's own user
            # namespace, where the kernel counts only the sandbox's tasks (not the verifier's threads
            # or the other sandboxes of this user).
            prl = [
                "prlimit",
                f"--as={limits.memory_mb << 20}",
                f"--fsize={limits.max_file_bytes}",
                f"--cpu={math.ceil(limits.wall_seconds) + 5}",  # a backstop if the parent's clock is ever gone
                "--core=0",
                "--",
            ]
            cmd = [*prl, *args]
            cg = _cgroup.create(limits.max_processes + 8, (limits.memory_mb + 256) << 20) if self.use_cgroup else None
            if cg is not None:
                joins = " && ".join(f'echo $$ > "{f}"' for f in cg.procs_files)
                cmd = ["/bin/sh", "-c", f'{joins} && exec "$@"', "sh", *cmd]
            proc = subprocess.Popen(
                cmd,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                pass_fds=[*fds, *self._bind_fds.values()],
                start_new_session=True,
                env={},
                close_fds=True,
            )
        except BaseException:
            if cg is not None:
                cg.kill_all_and_remove()
            _close_all(fds)
            raise
        _close_all(fds)  # the child has its copies
        cleanup = [cg.kill_all_and_remove] if cg is not None else []
        return Spawned(proc, oom_kills=cg.oom_kills if cg is not None else (lambda: None), cleanup=cleanup, pid1=True)


def _close_all(fds: list[int]) -> None:
    for fd in fds:
        try:
            os.close(fd)
        except OSError:
            pass


def _close_fds(fds: dict[str, int]) -> None:
    _close_all(list(fds.values()))
