"""The ``docker`` backend, through the docker SDK: network none, read-only root, memory/pids limits.

Each run is one container of ``image`` (recipe: ``docker/sandbox.Dockerfile``, buildable from
local files with ``docker build -f docker/sandbox.Dockerfile .``) with a size-capped tmpfs at
``/tmp`` as the only writable place and working directory, no environment beyond fixed knobs,
``cap_drop=ALL``, ``no-new-privileges``, user ``65534``. Input files come through a read-only
bind mount and are copied onto the tmpfs (Docker refuses to copy into a read-only container);
stdout, stderr and collected files are read back from the tmpfs with ``exec`` while the
container's idle init keeps it alive (the archive API cannot see a tmpfs). The wall clock is the parent's, and the container is removed (with everything in
it) afterwards.
"""

from __future__ import annotations

import os
import secrets
import tempfile
import time

from passk.sandbox.base import RunResult, Sandbox, SandboxLimits
from passk.sandbox.bwrap import SAFE_ENV

IMAGE_PYTHON = "/usr/local/bin/python3"


class DockerSandbox(Sandbox):
    """Docker isolation (needs a reachable daemon and the image)."""

    name = "docker"
    isolates = True

    def __init__(self, *, image: str = "passk-sandbox:latest", python: str = IMAGE_PYTHON) -> None:
        import docker

        self.client = docker.from_env()
        self.image = image
        self.python = python
        self.site_packages: tuple[str, ...] = ()  # the image's python finds its own packages

    @classmethod
    def available(cls) -> tuple[bool, str]:
        """The SDK is installed and a daemon answers a ping."""
        try:
            import docker
        except ImportError:
            return False, "the docker Python SDK is not installed (pip install docker)"
        try:
            docker.from_env(timeout=5).ping()
        except Exception as exc:  # noqa: BLE001 - any failure: no daemon here
            return False, f"no Docker daemon answers ({type(exc).__name__}: {str(exc)[:200]})"
        return True, ""

    @staticmethod
    def _read(container: object, name: str, limit: int) -> bytes | None:
        """Up to ``limit`` bytes of ``/tmp/name`` in a running container, or None when absent.

        Read with ``exec`` inside the container: Docker's archive API sees only the image's
        layers, not the tmpfs mounted over /tmp."""
        try:
            code, data = container.exec_run(  # type: ignore[attr-defined]
                ["/bin/sh", "-c", 'test -f "$1" && exec head -c "$2" "$1"', "sh", f"/tmp/{name}", str(limit)],
                stdout=True,
                stderr=False,
            )
        except Exception:  # noqa: BLE001 - stopped container, daemon error
            return None
        return data if code == 0 else None

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
        """Run ``argv`` in a fresh container; stdin is written to a file and redirected.

        Output is read when the program ends, so ``idle_seconds`` is not watched here (the wall
        clock still is); ``as_pid1`` is refused: PID 1 is the wrapper shell that keeps the outputs.
        """
        if as_pid1:
            raise ValueError("the docker backend runs a wrapper shell as PID 1 (as_pid1)")
        import docker

        token = secrets.token_hex(8)
        done_name = f".done-{token}"
        # Docker refuses to copy files into a read-only container, even onto its tmpfs, so the
        # inputs come through a read-only bind mount and the program's own copy is made on the
        # tmpfs. The wrapper (PID 1) stays alive after the program so the parent can read the
        # outputs from the tmpfs, whose size cap also bounds stdout and stderr.
        script = (
            'cp -R /in/files/. /tmp/ && cd /tmp && { "$@" < /in/stdin > .stdout 2> .stderr; echo $? > ' + done_name + "; }; "
            "exec sleep 100000"
        )
        t0 = time.monotonic()
        with tempfile.TemporaryDirectory(prefix="passk-docker-") as staging:
            # stdin stays on the bind mount (tasks can be 150 MB), only files go onto the tmpfs.
            with open(os.path.join(staging, "stdin"), "wb") as fh:
                fh.write(stdin)
            os.makedirs(os.path.join(staging, "files"))
            for name, data in (files or {}).items():
                path = os.path.join(staging, "files", name)
                os.makedirs(os.path.dirname(path), exist_ok=True)
                with open(path, "wb") as fh:
                    fh.write(data)
            os.chmod(staging, 0o755)
            for root, dirs, names in os.walk(staging):
                for entry in dirs + names:
                    os.chmod(os.path.join(root, entry), 0o755 if entry in dirs else 0o644)
            try:
                c = self.client.containers.create(
                    self.image,
                    ["/bin/sh", "-c", script, "sh", *argv],
                    network_mode="none",
                    read_only=True,
                    mem_limit=f"{limits.memory_mb}m",
                    memswap_limit=f"{limits.memory_mb}m",
                    pids_limit=limits.max_processes + 4,
                    tmpfs={"/tmp": f"size={limits.scratch_mb + (2 * limits.max_output_bytes >> 20) + 1}m,exec"},
                    volumes={staging: {"bind": "/in", "mode": "ro"}},
                    working_dir="/tmp",
                    environment=dict(SAFE_ENV),
                    user="65534:65534",
                    cap_drop=["ALL"],
                    security_opt=["no-new-privileges"],
                    ulimits=[docker.types.Ulimit(name="fsize", soft=limits.max_file_bytes, hard=limits.max_file_bytes)],
                    detach=True,
                )
            except Exception as exc:  # noqa: BLE001
                return RunResult(None, None, b"", b"", False, False, False, 0.0, error=f"docker create failed: {exc}")
            try:
                c.start()
                deadline = t0 + limits.wall_seconds
                rc_text = None
                while time.monotonic() < deadline:
                    rc_text = self._read(c, done_name, 64)
                    if rc_text is not None:
                        break
                    c.reload()
                    if c.status not in ("created", "running"):
                        break
                    time.sleep(0.05)
                timed_out = rc_text is None and time.monotonic() >= deadline
                out = self._read(c, ".stdout", limits.max_output_bytes + 1) or b""
                err = self._read(c, ".stderr", limits.max_output_bytes + 1) or b""
                got = {name: data for name in collect if (data := self._read(c, name, limits.max_file_bytes)) is not None}
                c.reload()
                oom = bool(c.attrs.get("State", {}).get("OOMKilled"))
            finally:
                try:
                    c.remove(force=True)
                except Exception:  # noqa: BLE001
                    pass
        try:
            rc = int(rc_text.strip()) if rc_text is not None else None
        except ValueError:
            rc = None
        truncated = len(out) > limits.max_output_bytes or len(err) > limits.max_output_bytes
        sig = rc - 128 if isinstance(rc, int) and rc > 128 else None
        return RunResult(
            exit_code=None if (timed_out or sig) else rc,
            signal=sig,
            stdout=out[: limits.max_output_bytes],
            stderr=err[: limits.max_output_bytes],
            timed_out=timed_out,
            output_truncated=truncated,
            memory_exceeded=oom,
            wall_seconds=time.monotonic() - t0,
            files=got,
        )
