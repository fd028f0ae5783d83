"""Math-Verify as a panel checker: the math family's own verdict behind the common signature.

Why a separate module: the verifier panel (``passk.benchmarks.math.panel``) calls every checker
through the same names (``NAME``, ``LABEL``, ``NEEDS_WORKER``, ``extract``, ``prepare_gold``,
``check``). This module only adapts the family's pipeline to them, so the panel's Math-Verify
column is, by construction, the verdict ``passk.benchmarks.math.checker.verify`` gives: the
paper's extraction rules with the project's safe normalisation, the exact-string and number
shortcuts, then Math-Verify (``worker.check_pair``, percent retry included).
"""

from __future__ import annotations

from passk.benchmarks.math import fastpath
from passk.benchmarks.math.answers import extract_answer
from passk.benchmarks.math.checkers.names import LABELS
from passk.benchmarks.math.latex import normalize_answer
from passk.benchmarks.math.worker import check_pair

NAME = "math_verify"
LABEL = LABELS[NAME]
NEEDS_WORKER = True  # Math-Verify's parser and sympy can hang in C code (Math-Verify #65)


def extract(text: str, dataset: str = "", template: str | None = None) -> str | None:
    """The normalised answer of a completion (``answers.extract_answer``), or None."""
    return extract_answer(text, dataset, template)


def prepare_gold(gold: str, dataset: str = "") -> str:
    """The gold normalised as the family's verifier does it."""
    return normalize_answer(str(gold), dataset)


def check(gold: str, answer: str) -> tuple[bool, str]:
    """Identical strings are right without a parse and numbers are decided by value (as in
    ``checker.verify_pairs``); else Math-Verify. Its own timeouts are off (see ``worker``): run
    this in a killable process."""
    if answer == gold:
        return True, "exact match"
    decided = fastpath.decide(gold, answer)
    if decided is not None:
        return decided, fastpath.EQUAL_DETAIL if decided else fastpath.DIFFERENT_DETAIL
    return check_pair(gold, answer)
