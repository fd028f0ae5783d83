"""The ``docker`` backend, through the docker CLI: network none, read-only root, memory/pids limits.

Each sandbox is one container of ``image`` (recipe: ``docker/sandbox.Dockerfile``; built without a
registry by ``docker/build-local.sh``) started with ``docker run -i``: the fork server is the
container's PID 1 (its own pid namespace), its stdin and stdout are the CLI's, so the host talks
to it exactly as to a bwrap sandbox. A size-capped tmpfs at ``/tmp`` is the only writable place
and the working directory; the shipped files (the server and the harness: never expected
outputs) come through a read-only bind mount and are copied onto the tmpfs. No environment beyond
fixed knobs, ``cap_drop ALL``, ``no-new-privileges``, user ``65534``, docker's own seccomp profile
and the fork server's filter on each program. The container is killed and removed afterwards.
"""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import tempfile

from passk.sandbox.base import Sandbox, SandboxLimits, Spawned, check_file_names
from passk.sandbox.bwrap import SAFE_ENV

IMAGE_PYTHON = "/usr/local/bin/python3"


class DockerSandbox(Sandbox):
    """Docker isolation (needs the docker CLI, a reachable daemon and the image)."""

    name = "docker"
    isolates = True

    def __init__(self, *, image: str = "passk-sandbox:latest", python: str = IMAGE_PYTHON) -> None:
        self.image = image
        self.python = python
        # where the image's python keeps numpy: Debian's python3-numpy (build-local.sh) or pip's (python:3.11-slim)
        self.site_packages: tuple[str, ...] = ("/usr/lib/python3/dist-packages", "/usr/local/lib/python3.11/site-packages")
        self.docker = shutil.which("docker") or "docker"

    @classmethod
    def available(cls) -> tuple[bool, str]:
        """The CLI is installed and a daemon answers."""
        exe = shutil.which("docker")
        if exe is None:
            return False, "the docker CLI is not installed (apt-get install docker.io)"
        try:
            res = subprocess.run([exe, "version", "--format", "{{.Server.Version}}"], capture_output=True, timeout=20)
        except (OSError, subprocess.TimeoutExpired) as exc:
            return False, f"no Docker daemon answers ({type(exc).__name__})"
        if res.returncode != 0:
            return False, f"no Docker daemon answers ({res.stderr.decode('utf-8', 'replace').strip()[:200]})"
        return True, ""

    def notes(self) -> list[str]:
        """Nothing to add: docker's cgroup bounds memory and processes."""
        return []

    def spawn(self, argv: list[str], *, files: dict[str, bytes], limits: SandboxLimits) -> Spawned:
        """Start ``argv`` as PID 1 of a fresh container (``argv[0]`` is the image's interpreter)."""
        check_file_names(files)
        staging = tempfile.mkdtemp(prefix="passk-docker-")
        os.chmod(staging, 0o755)
        for name, data in files.items():
            path = os.path.join(staging, name)
            with open(path, "wb") as fh:
                fh.write(data)
            os.chmod(path, 0o644)
        name = f"passk-{secrets.token_hex(8)}"
        ciddir = tempfile.mkdtemp(prefix="passk-docker-cid-")  # not in staging: everything there is copied in
        cidfile = os.path.join(ciddir, "cid")
        env = [x for k, v in SAFE_ENV.items() for x in ("--env", f"{k}={v}")]
        cmd = [
            self.docker, "run", "-i", "--rm", "--name", name, "--cidfile", cidfile,
            "--network", "none", "--read-only", "--ipc", "private",
            "--tmpfs", f"/tmp:rw,exec,size={limits.scratch_mb}m,mode=1777",
            "--shm-size", f"{limits.scratch_mb}m",
            "--memory", f"{limits.memory_mb}m", "--memory-swap", f"{limits.memory_mb}m",
            "--pids-limit", str(limits.max_processes + 8),
            "--user", "65534:65534", "--cap-drop", "ALL", "--security-opt", "no-new-privileges",
            "--ulimit", f"fsize={limits.max_file_bytes}", "--ulimit", "core=0",
            "--volume", f"{staging}:/in:ro", "--workdir", "/tmp", *env,
            "--entrypoint", "/bin/sh", self.image,
            "-c", 'cp /in/* /tmp/ && exec "$@"', "sh", *argv,
        ]
        try:
            proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                    start_new_session=True, close_fds=True)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            shutil.rmtree(ciddir, ignore_errors=True)
            raise

        def remove() -> None:
            subprocess.run([self.docker, "rm", "-f", name], capture_output=True, timeout=60)
            shutil.rmtree(staging, ignore_errors=True)
            shutil.rmtree(ciddir, ignore_errors=True)

        def oom_kills() -> int | None:
            try:
                with open(cidfile) as fh:
                    cid = fh.read().strip()
            except OSError:
                return None
            return _container_oom_kills(cid) if cid else None

        # docker's pids limit is a cgroup: RLIMIT_NPROC would count every container of uid 65534
        return Spawned(proc, oom_kills=oom_kills, cleanup=[remove], pid1=True)


def _container_oom_kills(cid: str) -> int | None:
    """The OOM-kill count of a container's memory cgroup (v1 cgroupfs or v2 systemd layouts)."""
    for path, key in ((f"/sys/fs/cgroup/memory/docker/{cid}/memory.oom_control", "oom_kill"),
                      (f"/sys/fs/cgroup/system.slice/docker-{cid}.scope/memory.events", "oom_kill"),
                      (f"/sys/fs/cgroup/docker/{cid}/memory.events", "oom_kill")):
        try:
            with open(path) as fh:
                for line in fh:
                    k, _, v = line.partition(" ")
                    if k == key:
                        return int(v)
        except (OSError, ValueError):
            continue
    return None
