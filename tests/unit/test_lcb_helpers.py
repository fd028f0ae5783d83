"""Shared helpers of the LiveCodeBench tests: a local stand-in sandbox and the data directory.

``LocalSandbox`` runs the harness in a temporary directory with a plain subprocess: no isolation,
so it is used only for trusted test programs, and it keeps the harness tests fast and independent
of bubblewrap. Tests that need the real backend ask ``bwrap_or_skip``.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from passk.sandbox.base import RunResult, Sandbox, SandboxLimits

REPO_ROOT = Path(__file__).resolve().parents[2]


def data_dir() -> Path:
    """``PASSK_DATA_DIR`` or ``<repo>/../shared/data``."""
    return Path(os.environ.get("PASSK_DATA_DIR", REPO_ROOT.parent / "shared" / "data"))


def lcb_data_or_skip() -> Path:
    """The staged LiveCodeBench directory, or skip with the reason."""
    d = data_dir() / "livecodebench"
    if not d.is_dir():
        pytest.skip(f"LiveCodeBench data not found at {d} (set PASSK_DATA_DIR)")
    return d


class LocalSandbox(Sandbox):
    """Subprocess in a temp dir; enforces only the wall clock. For trusted test programs only."""

    name = "local-test"
    isolates = False
    python = sys.executable

    @classmethod
    def available(cls) -> tuple[bool, str]:
        return True, ""

    def run(self, argv, *, files=None, stdin=b"", limits: SandboxLimits, collect=(), **_ignored):  # type: ignore[override]
        with tempfile.TemporaryDirectory() as tmp:
            for name, data in (files or {}).items():
                Path(tmp, name).write_bytes(data)
            start = time.monotonic()
            timed_out = False
            try:
                proc = subprocess.run(argv, cwd=tmp, input=stdin, capture_output=True, timeout=limits.wall_seconds, env={})
                rc, out, err = proc.returncode, proc.stdout, proc.stderr
            except subprocess.TimeoutExpired as exc:
                timed_out, rc, out, err = True, None, exc.stdout or b"", exc.stderr or b""
            got = {n: Path(tmp, n).read_bytes() for n in collect if Path(tmp, n).exists()}
            return RunResult(
                exit_code=rc if rc is None or rc >= 0 else None,
                signal=-rc if rc is not None and rc < 0 else None,
                stdout=out,
                stderr=err,
                timed_out=timed_out,
                output_truncated=False,
                memory_exceeded=False,
                wall_seconds=time.monotonic() - start,
                files=got,
            )


def bwrap_or_skip() -> Sandbox:
    """The bubblewrap backend, or skip when it is missing or cannot start here."""
    try:
        from passk.sandbox.backends import get_sandbox

        return get_sandbox("bwrap")
    except Exception as exc:  # noqa: BLE001 - any reason means "skip", and the reason is shown
        pytest.skip(f"bwrap sandbox not available: {exc}")
