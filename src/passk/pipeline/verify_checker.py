"""The verify stage for one extra checker of the math verifier panel (``verify.math_checkers``).

A module of its own so that the panel's code (the paper's grader, the strict checker) is part of
this stage's code version only: editing it reruns the panel's jobs, never the workflow's own
verification (``passk.pipeline.verify``), whose resume cache and atomic write it reuses.
"""

from __future__ import annotations

from typing import Any

from passk.benchmarks.math import panel
from passk.pipeline.verify import verify_shard_files


def verify_checker_shard_files(*, checker: str, **kwargs: Any) -> None:
    """``verify_shard_files`` (same keyword arguments) with the panel checker ``checker``'s verifier."""
    verify_shard_files(**kwargs, verifier=panel.verifier(checker))
