"""Shared helpers of the LiveCodeBench tests: a local stand-in sandbox and the data directory.

``LocalSandbox`` is the ``process`` backend (a fork server in a temporary directory): no isolation,
so it is used only for trusted test programs, and it keeps the harness tests fast and independent
of bubblewrap. Tests that need the real backend ask ``bwrap_or_skip``.
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path

import pytest

from passk.sandbox.base import Sandbox
from passk.sandbox.process import ProcessSandbox

warnings.filterwarnings("ignore", message="sandbox.backend 'process'")

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


class LocalSandbox(ProcessSandbox):
    """The ``process`` backend (rlimits, no isolation): for trusted test programs only."""

    name = "local-test"


def bwrap_or_skip() -> Sandbox:
    """The bubblewrap backend, or skip when it is missing or cannot start here."""
    try:
        from passk.sandbox.backends import get_sandbox

        return get_sandbox("bwrap")
    except Exception as exc:  # noqa: BLE001 - any reason means "skip", and the reason is shown
        pytest.skip(f"bwrap sandbox not available: {exc}")
