"""Verification of samples: one module per benchmark family.

Each family module exposes ``verify_shard(problems, samples, bench_cfg, *, workers, **context)``
returning one verdict row (see ``passk.records.VERDICT_SCHEMA``) per sample, in sample order.
``problems`` maps problem id to the canonical problem record.
"""

from __future__ import annotations

import importlib
from types import ModuleType

from passk.errors import ConfigError

VERIFIERS: dict[str, str] = {
    "math": "passk.verify.math",
    "evalplus": "passk.verify.code",
    "livecodebench": "passk.verify.lcb",
}


def verifier_module(family: str) -> ModuleType:
    """The verifier module of a benchmark family."""
    if family not in VERIFIERS:
        raise ConfigError(f"benchmarks.*.family: no verifier for family {family!r}; known: {sorted(VERIFIERS)}")
    return importlib.import_module(VERIFIERS[family])
