"""The bubblewrap backend: namespaces, a read-only minimal root, one size-capped tmpfs, limits from outside.

Layout inside the sandbox:

- new user, pid, net, ipc, uts (and cgroup, when possible) namespaces; ``--die-with-parent`` and
  ``--new-session`` so the program cannot outlive us or reach our terminal; nested user namespaces
  are disabled (they would reset RLIMIT_NPROC);
- ``/usr`` (and ``/bin``, ``/lib``… as on the host), the interpreter's prefix and the configured
  site-packages, all read-only; nothing else of the host — no ``/home``, no ``/root``, no ``/work``,
  no ``/etc`` beyond ``ld.so.cache``/``localtime``; the root itself is remounted read-only;
- ``/tmp`` is a tmpfs of ``limits.scratch_mb`` and the working directory: the only writable place;
- an empty environment except a fixed ``PATH``/``LANG``/``HOME=/tmp`` and single-thread BLAS knobs
  (so an address-space cap does not break numpy's thread start-up).

Limits: ``prlimit`` applies RLIMIT_AS (memory), RLIMIT_NPROC (processes), RLIMIT_FSIZE, RLIMIT_CORE
before bwrap starts. Where cgroups are writable (e.g. as root) each run also gets its own cgroup
with ``pids.max`` and a memory limit (``_cgroup``): root is exempt from RLIMIT_NPROC, and a cgroup
counts the whole tree; the cgroup is emptied with SIGKILL and removed after the run. The mounts
are done by bwrap as the calling user (so a pyenv interpreter under /root can be bound), and only
the paths listed above are visible, all read-only. The wall clock is the
parent's (``_runner.run_child``), which SIGKILLs the session; the pid namespace then takes every
descendant with it.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import site
import sys
from pathlib import Path

from passk.sandbox import _cgroup, _collect
from passk.sandbox._runner import run_child
from passk.sandbox.base import RunResult, Sandbox, SandboxLimits

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
}
_COLLECT_SCRIPT = Path(_collect.__file__)  # imported (not only read) so it is part of the stage's code version
_available_cache: tuple[bool, str] | None = None


def default_site_packages() -> tuple[str, ...]:
    """The site-packages of the running interpreter (so sandboxed code can import numpy, as in evalplus)."""
    paths = [p for p in site.getsitepackages() if os.path.isdir(p)]
    return tuple(dict.fromkeys(paths))


class BwrapSandbox(Sandbox):
    """bubblewrap isolation (the default on Linux)."""

    name = "bwrap"
    isolates = True
    supports_pid1 = True

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
        prefixes.add(str(Path(py_real).parent.parent))
        prefixes.add(str(Path(self.python).parent.parent))
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
            res = cls().run(["/bin/sh", "-c", "echo ok"], limits=probe)
        except Exception as exc:  # noqa: BLE001 - any failure means "not available", with its reason
            _available_cache = (False, f"bwrap failed to start: {exc}")
            return _available_cache
        if res.stdout.strip() != b"ok":
            why = (res.error or res.stderr.decode("utf-8", "replace")).strip()
            _available_cache = (False, f"bwrap failed to start a sandbox: {why[:300]}")
        else:
            _available_cache = (True, "")
        return _available_cache

    def _mount_args(self, limits: SandboxLimits) -> list[str]:
        args: list[str] = []
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
        args += ["--proc", "/proc", "--dev", "/dev"]
        # /dev is a tmpfs without a size: only /dev/shm (capped like the scratch) stays writable
        args += ["--size", str(limits.scratch_mb << 20), "--tmpfs", "/dev/shm", "--remount-ro", "/dev"]
        args += ["--size", str(limits.scratch_mb << 20), "--tmpfs", SCRATCH]
        return args

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
        """Run ``argv`` under bubblewrap; see the module docstring for what the program sees.

        ``as_pid1`` runs ``argv`` as PID 1 of the pid namespace (bwrap ``--as-pid-1``, no reaper
        in between): the kernel then drops every signal from inside the namespace that PID 1 has
        no handler for, which the fork server relies on.
        """
        if as_pid1 and collect:
            raise ValueError("as_pid1 and collect cannot be combined (the collector would be PID 1)")
        files = dict(files or {})
        fds: list[int] = []
        args = [
            self.binary,
            "--unshare-user",
            "--unshare-pid",
            "--unshare-net",
            "--unshare-ipc",
            "--unshare-uts",
            "--unshare-cgroup-try",
            *(["--as-pid-1"] if as_pid1 else []),
            "--disable-userns",
            "--die-with-parent",
            "--new-session",
            "--uid", "65534",
            "--gid", "65534",
            "--hostname", "sandbox",
            *self._mount_args(limits),
        ]
        side_r = side_w = None
        try:
            if collect:
                files.setdefault(".passk_collect.py", _COLLECT_SCRIPT.read_bytes())
            for name, data in files.items():
                if "/" in name or name in ("", ".", ".."):
                    return _error(f"file name {name!r} must be a plain name inside the scratch directory")
                fd = os.memfd_create("passk-file", os.MFD_CLOEXEC)
                fds.append(fd)
                os.write(fd, data) if len(data) < (1 << 30) else None
                os.lseek(fd, 0, os.SEEK_SET)
                args += ["--perms", "0644", "--file", str(fd), f"{SCRATCH}/{name}"]
            args += ["--remount-ro", "/", "--chdir", SCRATCH, "--clearenv"]
            for k, v in SAFE_ENV.items():
                args += ["--setenv", k, v]
            command = list(argv)
            if collect:
                side_r, side_w = os.pipe()
                command = [self.python, "-I", "-S", f"{SCRATCH}/.passk_collect.py", str(side_w), *collect, "--", *argv]
            args += ["--", *command]
            prl = [
                "prlimit",
                f"--as={limits.memory_mb << 20}",
                f"--nproc={limits.max_processes + 4}",  # + bwrap's own processes
                f"--fsize={limits.max_file_bytes}",
                # CPU seconds per process: a backstop if the parent's wall clock is ever gone
                f"--cpu={math.ceil(limits.wall_seconds) + 5}",
                "--core=0",
                "--",
            ]
            cmd = [*prl, *args]
            cg = _cgroup.create(limits.max_processes + 4, (limits.memory_mb + 256) << 20) if self.use_cgroup else None
            if cg is not None:
                joins = " && ".join(f"echo $$ > {f}" for f in cg.procs_files)
                cmd = ["/bin/sh", "-c", f'{joins} && exec "$@"', "sh", *cmd]
            try:
                collected = run_child(
                    cmd,
                    stdin=stdin,
                    wall_seconds=limits.wall_seconds,
                    max_output_bytes=limits.max_output_bytes,
                    pass_fds=[*fds, *self._bind_fds.values(), *([side_w] if side_w is not None else [])],
                    side_channel=side_r,
                    close_after_spawn=[side_w] if side_w is not None else [],
                    idle_seconds=idle_seconds,
                )
            finally:
                memory_hit = False
                if cg is not None:
                    memory_hit = cg.memory_exceeded()
                    cg.kill_all_and_remove()
        finally:
            for fd in fds:
                try:
                    os.close(fd)
                except OSError:
                    pass
            if side_r is not None:
                try:
                    os.close(side_r)
                except OSError:
                    pass
        res = _to_result(collected, collect)
        if memory_hit:
            res.memory_exceeded = True
        return res


def _close_fds(fds: dict[str, int]) -> None:
    for fd in fds.values():
        try:
            os.close(fd)
        except OSError:
            pass


def _error(message: str) -> RunResult:
    return RunResult(None, None, b"", b"", False, False, False, 0.0, error=message)


def _to_result(c, collect: tuple[str, ...]) -> RunResult:  # type: ignore[no-untyped-def]
    """Translate the runner's view into a ``RunResult`` (bwrap reports signals as 128+n)."""
    if c.spawn_error:
        return _error(c.spawn_error)
    rc = c.returncode
    sig = None
    exit_code = rc
    error = None
    if rc is not None and rc < 0:
        sig, exit_code = -rc, None
    elif rc is not None and rc > 128 and not c.timed_out:
        sig, exit_code = rc - 128, None
    if c.timed_out or c.output_truncated:
        exit_code = None
    if rc == 1 and c.stderr.startswith(b"bwrap:"):
        error = "bwrap: " + c.stderr.decode("utf-8", "replace")[6:].strip()[:500]
    files: dict[str, bytes] = {}
    if collect and c.extra:
        import base64

        try:
            raw = json.loads(c.extra.decode("ascii"))
            files = {k: base64.b64decode(v) for k, v in raw.items() if k in collect}
        except (ValueError, UnicodeDecodeError, TypeError, AttributeError):
            files = {}
    memory = b"MemoryError" in c.stderr[-4096:] or b"Cannot allocate memory" in c.stderr[-4096:]
    return RunResult(
        exit_code=exit_code,
        signal=sig,
        stdout=c.stdout,
        stderr=c.stderr,
        timed_out=c.timed_out,
        output_truncated=c.output_truncated,
        memory_exceeded=memory,
        wall_seconds=c.wall_seconds,
        files=files,
        error=error,
    )
