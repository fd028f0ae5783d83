"""Where ``passk verify-code`` keeps EvalPlus ground truths between calls, and under which key.

Why: building a ground truth (every canonical solution run once in the sandbox, its runtimes
measured) is the largest cost of a ``verify-code`` call, and its result is the same for every call
that would build it from the same inputs. The workflow has its own ``code_groundtruth`` output;
this cache is for the command line, as evalplus keeps its own under the user's cache directory.

An entry is reused only when everything the ground truth depends on is the same; the key holds:

- ``data_sha256``: the release file's bytes (or, for a download, the prepared problem records);
- ``harness``: the code version (``passk.pipeline.versions``) of the modules that compute it,
  found from the import graph of ``passk.benchmarks.evalplus.groundtruth``;
- ``limits``: the sandbox settings that can change an output or a runtime (all but the number of
  builder threads and the batch size);
- ``machine``: CPU model, core count and architecture, since time limits derive from runtimes
  measured on it; and the Python and evalplus versions (canonical outputs, MBPP+'s input decoder).

The cache root is ``--groundtruth-cache DIR``, else ``$PASSK_GROUNDTRUTH_CACHE``, else
``$XDG_CACHE_HOME/passk/groundtruth`` (``~/.cache/passk/groundtruth``). Each entry is one file,
``<benchmark>-<key digest>.jsonl.zst``, beside a ``.key.json`` naming the key in full. Writes are
atomic (temp file + rename, ``passk.io``); two builders of the same entry at once both build and
the last rename wins: both wrote the same content, a reader never sees a partial file, and no lock
is needed (locks are unreliable on the network file systems clusters share).
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
import os
import platform
from collections.abc import Callable
from pathlib import Path
from typing import Any

from passk.benchmarks.evalplus import groundtruth as evalplus_groundtruth
from passk.io import write_text
from passk.pipeline.versions import closure, version_of
from passk.sandbox.settings import SandboxSettings

CACHE_ENV = "PASSK_GROUNDTRUTH_CACHE"
HARNESS_ROOTS = (evalplus_groundtruth.__name__,)
NOT_LIMITS = frozenset({"groundtruth_workers", "batch_size"})  # how fast it is built, not what it holds


def cache_root(option: str | None = None) -> Path:
    """The cache directory: the option, else ``$PASSK_GROUNDTRUTH_CACHE``, else the XDG cache."""
    if option:
        return Path(option)
    if os.environ.get(CACHE_ENV):
        return Path(os.environ[CACHE_ENV])
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "passk" / "groundtruth"


def harness_version() -> str:
    """The code version of everything the ground-truth computation imports."""
    return version_of(closure(HARNESS_ROOTS))


def cpu_model() -> str:
    """The CPU's model name (``/proc/cpuinfo``), else what ``platform`` says."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as fh:
            for line in fh:
                if line.lower().startswith(("model name", "hardware", "cpu model")):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def machine() -> dict[str, Any]:
    """What the measured runtimes depend on: the CPU model and the number of cores."""
    return {"cpu_model": cpu_model(), "cores": os.cpu_count(), "arch": platform.machine()}


def limits(settings: SandboxSettings) -> dict[str, Any]:
    """The sandbox settings that can change a ground truth's outputs or runtimes."""
    return {k: v for k, v in sorted(settings.as_config().items()) if k not in NOT_LIMITS}


def _evalplus_version() -> str:
    try:
        return importlib.metadata.version("evalplus")
    except importlib.metadata.PackageNotFoundError:
        return "none"


def cache_key(benchmark: str, data_sha256: str, settings: SandboxSettings) -> dict[str, Any]:
    """The full key of a benchmark's ground truth (see the module docstring)."""
    return {
        "benchmark": benchmark,
        "format": evalplus_groundtruth.FORMAT,
        "data_sha256": data_sha256,
        "harness": harness_version(),
        "limits": limits(settings),
        "machine": machine(),
        "python": platform.python_version(),
        "evalplus": _evalplus_version(),
    }


def entry_path(root: Path, key: dict[str, Any]) -> Path:
    """The cache file of ``key`` under ``root``."""
    digest = hashlib.sha256(json.dumps(key, sort_keys=True).encode("utf-8")).hexdigest()[:24]
    return root / f"{key['benchmark']}-{digest}{evalplus_groundtruth.SUFFIX}"


def fetch(root: Path, key: dict[str, Any], build: Callable[[Path], None]) -> tuple[Path, bool]:
    """(the ground-truth file of ``key``, whether it was already there); builds it when absent.

    ``build(path)`` must write ``path`` atomically. The key file is written after it, so an entry
    always has its ground truth; a missing key file only costs the description.
    """
    path = entry_path(root, key)
    if path.is_file():
        return path, True
    root.mkdir(parents=True, exist_ok=True)
    build(path)
    write_text(path.with_name(path.name.removesuffix(evalplus_groundtruth.SUFFIX) + ".key.json"), json.dumps(key, indent=1, sort_keys=True) + "\n")
    return path, False
