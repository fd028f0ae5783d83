"""GPU leases: which GPUs a sampling or perplexity job may use.

Snakemake counts GPUs (``--resources gpu=4`` lets jobs holding 4 ``gpu`` units in all run at
once) but never says *which* GPUs a job should use (snakemake/snakemake#281), so four vLLM jobs
would all start on GPU 0. :func:`gpu_lease` fills that gap inside the job, before the engine
starts:

- **Workstation.** The GPUs on offer (the *pool*) are, first found: ``$PASSK_GPUS``
  (``"0,1,2,3"``), the config key ``gpus``, the ``CUDA_VISIBLE_DEVICES`` the workflow was started
  with, or ``nvidia-smi --query-gpu=index --format=csv,noheader``. A job that needs ``count``
  GPUs takes ``count`` free ids: one lock file per id under the lease directory (default
  ``.snakemake/gpu-leases/<host>/`` in the run's working directory, or ``$PASSK_GPU_LEASE_DIR``
  to share the pool between several runs), locked with ``flock``. It waits while fewer than
  ``count`` ids are free, taking all of them at once or none (so two multi-GPU jobs never each
  hold half of what the other needs). The ids go into ``CUDA_VISIBLE_DEVICES`` (with
  ``CUDA_DEVICE_ORDER=PCI_BUS_ID``, the order nvidia-smi numbers GPUs in, unless the user set an
  order). A ``flock`` belongs to the open file, so the kernel drops it when the last process
  holding the file ends, however it ends: a crash, SIGKILL or a reboot never leaves a lease held,
  and no stale-lock clean-up is needed. (Engine worker processes forked while the lease is held
  share the lock, so the GPU stays leased until they are gone too.)
- **SLURM** (``SLURM_JOB_ID`` set). The allocation's GPUs are used as SLURM gives them:
  ``CUDA_VISIBLE_DEVICES`` if set, else ``SLURM_STEP_GPUS`` / ``SLURM_JOB_GPUS`` (then exported as
  ``CUDA_VISIBLE_DEVICES``). Only when the allocation holds more GPUs than the job needs (the
  whole workflow run with the local executor inside one large allocation) are they leased as on a
  workstation, from the allocation's ids. An allocation without any GPU ids falls back to the
  workstation pool, with a warning.

The job's log names the ids it held (logger ``passk.sampling.gpus``). A job that needs no GPU
(``count == 0``: the transformers backend) gets an empty lease and its environment is untouched.

This module uses only the standard library (it must import before torch or vLLM do).
"""

from __future__ import annotations

import errno
import fcntl
import logging
import os
import re
import socket
import subprocess
import time
from collections.abc import Iterator, MutableMapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from passk.errors import ConfigError

log = logging.getLogger(__name__)

GPUS_ENV = "PASSK_GPUS"
LEASE_DIR_ENV = "PASSK_GPU_LEASE_DIR"
DEFAULT_LEASE_DIR = os.path.join(".snakemake", "gpu-leases")
NVIDIA_SMI = ("nvidia-smi", "--query-gpu=index", "--format=csv,noheader")

__all__ = ["GpuLease", "GpuPool", "gpu_lease", "gpu_pool", "parse_gpu_ids"]


@dataclass(frozen=True)
class GpuPool:
    """The GPU ids a job may choose from and where that list came from."""

    ids: tuple[str, ...]
    source: str  # "PASSK_GPUS", "config gpus", "CUDA_VISIBLE_DEVICES", "nvidia-smi", "slurm ..."
    physical: bool = True  # ids are nvidia-smi indices (so CUDA_DEVICE_ORDER=PCI_BUS_ID makes CUDA agree)


@dataclass
class GpuLease:
    """GPUs a job holds: ``ids`` (what ``CUDA_VISIBLE_DEVICES`` is set to) and how they were got."""

    ids: tuple[str, ...]
    how: str  # "none" (no GPU needed), "slurm" (the allocation as given) or "lease" (flock)
    pool: GpuPool | None = None
    waited_seconds: float = 0.0
    lock_paths: tuple[str, ...] = ()
    _fds: list[int] = field(default_factory=list, repr=False)


def engine_gpus(backend: dict[str, object]) -> int:
    """GPUs one engine of a backend slice holds: its tensor-parallel size on vLLM, none otherwise."""
    if backend.get("name") != "vllm":
        return 0
    return int(backend.get("tensor_parallel_size", 1))  # type: ignore[call-overload]


def parse_gpu_ids(value: object, where: str) -> tuple[str, ...]:
    """GPU ids from ``"0,1,2"``, ``[0, 1, 2]``, a range ``"0-3"`` or GPU/MIG UUIDs; empty entries
    are dropped. ``where`` names the source in errors."""
    if value is None:
        return ()
    items: list[str]
    if isinstance(value, (list, tuple)):
        items = [str(v).strip() for v in value]
    elif isinstance(value, (int, str)):
        items = [s.strip() for s in str(value).split(",")]
    else:
        raise ConfigError(f"{where}: GPU ids must be a comma-separated string or a list, got {value!r}")
    ids: list[str] = []
    for item in items:
        if not item:
            continue
        m = re.fullmatch(r"(\d+)-(\d+)", item)
        if m and int(m.group(1)) <= int(m.group(2)):
            ids.extend(str(i) for i in range(int(m.group(1)), int(m.group(2)) + 1))
        elif re.fullmatch(r"[A-Za-z0-9_:./-]+", item):
            ids.append(item)
        else:
            raise ConfigError(f"{where}: {item!r} is not a GPU id (an index such as 0, or a GPU/MIG UUID)")
    if len(set(ids)) != len(ids):
        raise ConfigError(f"{where}: GPU ids repeat: {value!r}")
    return tuple(ids)


def _nvidia_smi_ids(command: Sequence[str]) -> tuple[str, ...]:
    try:
        out = subprocess.run(list(command), capture_output=True, text=True, timeout=60, check=True).stdout
    except FileNotFoundError:
        raise ConfigError(
            f"no GPU list: {command[0]} is not installed and neither ${GPUS_ENV} nor the config key `gpus` "
            "names the GPUs (e.g. PASSK_GPUS=0,1,2,3)"
        ) from None
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as exc:
        detail = getattr(exc, "stderr", "") or ""
        raise ConfigError(f"no GPU list: `{' '.join(command)}` failed ({exc}; {detail.strip()[:300]}); set ${GPUS_ENV}=0,1,...") from None
    return parse_gpu_ids(",".join(line.strip() for line in out.splitlines()), "nvidia-smi output")


def gpu_pool(configured: object = None, env: MutableMapping[str, str] | None = None, nvidia_smi: Sequence[str] = NVIDIA_SMI) -> GpuPool:
    """The workstation pool: $PASSK_GPUS, else ``configured`` (config ``gpus``), else the inherited
    CUDA_VISIBLE_DEVICES, else nvidia-smi's indices."""
    env = os.environ if env is None else env
    if env.get(GPUS_ENV, "").strip():
        return GpuPool(parse_gpu_ids(env[GPUS_ENV], f"${GPUS_ENV}"), GPUS_ENV)
    if configured not in (None, "", []):
        return GpuPool(parse_gpu_ids(configured, "config key gpus"), "config gpus")
    if env.get("CUDA_VISIBLE_DEVICES", "").strip():
        return GpuPool(parse_gpu_ids(env["CUDA_VISIBLE_DEVICES"], "$CUDA_VISIBLE_DEVICES"), "CUDA_VISIBLE_DEVICES", physical=False)
    return GpuPool(_nvidia_smi_ids(nvidia_smi), "nvidia-smi")


def slurm_allocation(env: MutableMapping[str, str]) -> GpuPool | None:
    """The GPUs of the SLURM allocation this process runs in (None outside SLURM or when SLURM names none)."""
    if not env.get("SLURM_JOB_ID"):
        return None
    if env.get("CUDA_VISIBLE_DEVICES", "").strip() not in ("", "NoDevFiles"):
        return GpuPool(parse_gpu_ids(env["CUDA_VISIBLE_DEVICES"], "$CUDA_VISIBLE_DEVICES"), "slurm CUDA_VISIBLE_DEVICES", physical=False)
    for var in ("SLURM_STEP_GPUS", "SLURM_JOB_GPUS"):
        if env.get(var, "").strip():
            return GpuPool(parse_gpu_ids(env[var], f"${var}"), f"slurm {var}")
    return None


def _lock_name(gpu_id: str) -> str:
    return "gpu-" + re.sub(r"[^A-Za-z0-9_.-]", "_", gpu_id) + ".lock"


def _holder(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8").strip() or "?"
    except OSError:
        return "?"


def _try_take(lock_dir: Path, ids: Sequence[str], count: int, job: str) -> tuple[list[str], list[int]] | None:
    """Lock ``count`` free ids of ``ids`` (lowest first), all or none."""
    taken: list[str] = []
    fds: list[int] = []
    for gpu_id in ids:
        path = lock_dir / _lock_name(gpu_id)
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o666)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            os.close(fd)
            if exc.errno in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                continue
            for other in fds:
                os.close(other)
            raise ConfigError(
                f"GPU lease: cannot lock {path} ({exc.strerror}); the file system may not support flock: "
                f"set ${LEASE_DIR_ENV} to a local directory such as /tmp/passk-gpu-leases"
            ) from None
        taken.append(gpu_id)
        fds.append(fd)
        if len(taken) == count:
            break
    if len(taken) < count:
        for fd in fds:
            os.close(fd)  # closing the file drops its flock
        return None
    stamp = f"pid {os.getpid()} on {socket.gethostname()}: {job} (since {time.strftime('%Y-%m-%d %H:%M:%S')})\n".encode()
    for fd in fds:
        os.ftruncate(fd, 0)
        os.pwrite(fd, stamp, 0)
    return taken, fds


def _set_visible(env: MutableMapping[str, str], ids: Sequence[str], physical: bool) -> dict[str, str | None]:
    """Point CUDA at ``ids``; returns the previous values to restore."""
    before = {k: env.get(k) for k in ("CUDA_VISIBLE_DEVICES", "CUDA_DEVICE_ORDER")}
    env["CUDA_VISIBLE_DEVICES"] = ",".join(ids)
    if physical and not env.get("CUDA_DEVICE_ORDER"):
        env["CUDA_DEVICE_ORDER"] = "PCI_BUS_ID"  # CUDA's default order (fastest first) may differ from nvidia-smi's
    return before


def _restore(env: MutableMapping[str, str], before: dict[str, str | None]) -> None:
    for key, value in before.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value


@contextmanager
def gpu_lease(
    count: int,
    *,
    job: str = "",
    configured: object = None,
    lease_dir: str | os.PathLike[str] | None = None,
    env: MutableMapping[str, str] | None = None,
    poll_seconds: float = 1.0,
    timeout: float | None = None,
    nvidia_smi: Sequence[str] = NVIDIA_SMI,
) -> Iterator[GpuLease]:
    """Hold ``count`` GPUs for the ``with`` block, with ``CUDA_VISIBLE_DEVICES`` set to them.

    ``job`` labels the lease in logs and lock files; ``configured`` is the config key ``gpus``;
    ``env`` defaults to ``os.environ`` (changed in place, restored on exit). Waits for free GPUs
    (``timeout`` seconds at most, None: for ever). Raises ConfigError when the pool is smaller
    than ``count`` (the job could never start).
    """
    env = os.environ if env is None else env
    count = int(count)
    if count <= 0:
        yield GpuLease((), "none")
        return
    allocation = slurm_allocation(env)
    if allocation is not None and len(allocation.ids) <= count:
        if len(allocation.ids) < count:
            raise ConfigError(
                f"GPU lease: {job or 'this job'} needs {count} GPU(s) but its SLURM allocation has {len(allocation.ids)} "
                f"({','.join(allocation.ids)} from {allocation.source}); request gpu={count} for the rule"
            )
        before = _set_visible(env, allocation.ids, physical=False)
        lease = GpuLease(allocation.ids, "slurm", allocation)
        log.info("GPU lease: %s uses GPU(s) %s of its SLURM allocation (%s)", job or "job", ",".join(lease.ids), allocation.source)
        try:
            yield lease
        finally:
            _restore(env, before)
        return
    if allocation is not None:
        pool = allocation
    else:
        if env.get("SLURM_JOB_ID"):
            log.warning("GPU lease: SLURM job %s names no GPUs (no CUDA_VISIBLE_DEVICES, SLURM_JOB_GPUS); leasing from this node's GPUs", env["SLURM_JOB_ID"])
        pool = gpu_pool(configured, env, nvidia_smi)
    if len(pool.ids) < count:
        raise ConfigError(
            f"GPU lease: {job or 'this job'} needs {count} GPU(s) but only {len(pool.ids)} are on offer "
            f"({','.join(pool.ids) or 'none'} from {pool.source})"
        )
    base = Path(lease_dir if lease_dir is not None else (env.get(LEASE_DIR_ENV) or DEFAULT_LEASE_DIR))
    lock_dir = base / socket.gethostname()  # ids are per machine, even if the directory is shared
    lock_dir.mkdir(parents=True, exist_ok=True)
    start = time.monotonic()
    next_note = start
    while True:
        got = _try_take(lock_dir, pool.ids, count, job)
        if got is not None:
            break
        now = time.monotonic()
        if timeout is not None and now - start >= timeout:
            raise TimeoutError(f"GPU lease: {job or 'job'} found no {count} free GPU(s) of {','.join(pool.ids)} in {timeout:g} s")
        if now >= next_note:
            holders = "; ".join(f"{g}: {_holder(lock_dir / _lock_name(g))}" for g in pool.ids)
            log.info("GPU lease: %s waits for %d free GPU(s) of %s (last taken by: %s)", job or "job", count, ",".join(pool.ids), holders)
            next_note = now + 60.0
        time.sleep(poll_seconds)
    ids, fds = got
    lease = GpuLease(tuple(ids), "lease", pool, round(time.monotonic() - start, 3), tuple(str(lock_dir / _lock_name(g)) for g in ids), fds)
    before = _set_visible(env, lease.ids, pool.physical)
    log.info(
        "GPU lease: %s holds GPU(s) %s (CUDA_VISIBLE_DEVICES=%s; pool %s from %s; waited %.1f s; locks in %s)",
        job or "job", ",".join(lease.ids), env["CUDA_VISIBLE_DEVICES"], ",".join(pool.ids), pool.source, lease.waited_seconds, lock_dir,
    )
    held_since = time.monotonic()
    try:
        yield lease
    finally:
        _restore(env, before)
        for fd in fds:
            os.close(fd)
        lease._fds.clear()
        log.info("GPU lease: %s released GPU(s) %s after %.1f s", job or "job", ",".join(lease.ids), time.monotonic() - held_since)
