"""Benchmark families and their loaders.

Each family module exposes ``prepare(name, cfg, data_dir, out_path) -> int``: it reads the
benchmark from its official source (or from ``data_dir`` when given), converts every record to
the canonical problem record (see ``passk.records``) and writes them atomically as JSONL, returning
the count. ``cfg`` is the benchmark's config section (``family``, ``source``, ``limit`` …).
"""

from __future__ import annotations

import importlib
from types import ModuleType

from passk.errors import ConfigError

FAMILIES: dict[str, str] = {
    "math": "passk.benchmarks.math",
    "evalplus": "passk.benchmarks.evalplus",
    "livecodebench": "passk.benchmarks.livecodebench",
}


def family_module(family: str) -> ModuleType:
    """The loader module of a benchmark family."""
    if family not in FAMILIES:
        raise ConfigError(f"benchmarks.*.family: unknown family {family!r}; known: {sorted(FAMILIES)}")
    return importlib.import_module(FAMILIES[family])
