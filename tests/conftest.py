"""Shared test fixtures: where the repository and the staged benchmark data are."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def data_dir() -> Path | None:
    """The benchmark data directory: $PASSK_DATA_DIR, else ../shared/data beside the checkout."""
    value = os.environ.get("PASSK_DATA_DIR")
    path = Path(value) if value else REPO.parent / "shared" / "data"
    return path if path.is_dir() else None


@pytest.fixture(scope="session")
def repo() -> Path:
    """The repository root."""
    return REPO


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The staged benchmark files; tests that need them skip when they are absent."""
    path = data_dir()
    if path is None:
        pytest.skip("benchmark data not found: set PASSK_DATA_DIR to the staged data directory")
    return path


@pytest.fixture(scope="module")
def one_torch_thread():
    """Tiny models run fastest single-threaded on shared 2-core machines; restored afterwards."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)
