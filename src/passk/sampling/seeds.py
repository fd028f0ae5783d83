"""Deterministic seeds.

Every shard's seed follows from (model, benchmark, shard index) alone, and every problem's seed
within a shard from (shard seed, problem id). Raising n adds shards with new indices, hence new
seeds, and never repeats or changes an existing sample. Seeds are 31-bit so every backend and
library accepts them.
"""

from __future__ import annotations

import hashlib


def _seed_from(*parts: object) -> int:
    digest = hashlib.sha256("\x1f".join(str(p) for p in parts).encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") % (2**31 - 1)


def shard_seed(model: str, benchmark: str, shard: int, base_seed: int = 0) -> int:
    """The seed of shard ``shard`` of (model, benchmark)."""
    return _seed_from("passk-shard", base_seed, model, benchmark, shard)


def problem_seed(shard_seed_value: int, problem_id: str) -> int:
    """The seed of one problem's completions within a shard (independent of batch composition)."""
    return _seed_from("passk-problem", shard_seed_value, problem_id)
