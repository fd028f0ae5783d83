"""The verifier panel's checker names (``verify.math_checkers`` in the config) and their labels.

A module of its own, importing nothing, so that the config and the figures can name the checkers
without loading them (the paper's grader imports sympy, about a second).
"""

from __future__ import annotations

LABELS: dict[str, str] = {
    "math_verify": "Math-Verify",
    "paper": "paper grader",
    "strict": "strict (last box)",
}
"""Checker name → label in figures and tables, in the panel's order."""

DEFAULT_CHECKERS: tuple[str, ...] = ("math_verify",)
"""``verify.math_checkers``' default: the workflow's own verdict only, so the panel costs nothing."""
