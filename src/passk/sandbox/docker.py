"""The ``docker`` backend, through the docker SDK: network none, read-only root, memory/pids limits.

Each run is one container of ``image`` (recipe: ``docker/sandbox.Dockerfile``, buildable from
local files with ``docker build -f docker/sandbox.Dockerfile .``) with a size-capped tmpfs at
``/tmp`` as the only writable place and working directory, no environment beyond fixed knobs,
``cap_drop=ALL``, ``no-new-privileges``, user ``65534``. Files are copied in with
``put_archive`` before the start; the wall clock is the parent's, and the container is removed
(with everything in it) afterwards.
"""

from __future__ import annotations

import io
import tarfile
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

    def run(
        self,
        argv: list[str],
        *,
        files: dict[str, bytes] | None = None,
        stdin: bytes = b"",
        limits: SandboxLimits = SandboxLimits(),
        collect: tuple[str, ...] = (),
    ) -> RunResult:
        """Run ``argv`` in a fresh container; stdin is written to a file and redirected."""
        files = dict(files or {})
        files[".stdin"] = stdin
        files[".ready"] = b""
        # The tmpfs exists only once the container runs, so the command waits for the staged files
        # (``.ready`` is last in the archive) before exec'ing the program.
        cmd = ["/bin/sh", "-c", 'while [ ! -e /tmp/.ready ]; do sleep 0.01; done; exec "$@" < /tmp/.stdin', "sh", *argv]
        t0 = time.monotonic()
        try:
            c = self.client.containers.create(
                self.image,
                cmd,
                network_mode="none",
                read_only=True,
                mem_limit=f"{limits.memory_mb}m",
                memswap_limit=f"{limits.memory_mb}m",
                pids_limit=limits.max_processes + 2,
                tmpfs={"/tmp": f"size={limits.scratch_mb}m,exec"},
                working_dir="/tmp",
                environment=dict(SAFE_ENV),
                user="65534:65534",
                cap_drop=["ALL"],
                security_opt=["no-new-privileges"],
                ulimits=[__import__("docker").types.Ulimit(name="fsize", soft=limits.max_file_bytes, hard=limits.max_file_bytes)],
                detach=True,
            )
        except Exception as exc:  # noqa: BLE001
            return RunResult(None, None, b"", b"", False, False, False, 0.0, error=f"docker create failed: {exc}")
        try:
            c.start()
            if files:
                buf = io.BytesIO()
                with tarfile.open(fileobj=buf, mode="w") as tar:
                    for name, data in files.items():
                        info = tarfile.TarInfo(name)
                        info.size = len(data)
                        info.mode = 0o644
                        tar.addfile(info, io.BytesIO(data))
                c.put_archive("/tmp", buf.getvalue())
            timed_out = False
            try:
                status = c.wait(timeout=limits.wall_seconds)
                rc = status.get("StatusCode")
            except Exception:  # noqa: BLE001 - requests' ReadTimeout at the deadline
                timed_out = True
                c.kill()
                rc = None
            out = c.logs(stdout=True, stderr=False) or b""
            err = c.logs(stdout=False, stderr=True) or b""
            got: dict[str, bytes] = {}
            for name in collect:
                try:
                    stream, _ = c.get_archive(f"/tmp/{name}")
                    tar = tarfile.open(fileobj=io.BytesIO(b"".join(stream)))
                    member = tar.extractfile(tar.getmembers()[0])
                    if member is not None:
                        got[name] = member.read(limits.max_file_bytes)
                except Exception:  # noqa: BLE001
                    continue
            c.reload()
            oom = bool(c.attrs.get("State", {}).get("OOMKilled"))
        finally:
            try:
                c.remove(force=True)
            except Exception:  # noqa: BLE001
                pass
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
