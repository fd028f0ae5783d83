"""Math-Verify's verdict on plain-number pairs, decided without Math-Verify (no parse, no sympy).

Why: most distinct (gold, answer) pairs of real runs are numbers (every GSM8K, AIME and AMC gold,
and most wrong answers anywhere), and Math-Verify spends a millisecond or more on each through its
ANTLR LaTeX parser. For the shapes below its verdict follows from the values alone, so the checker
(``passk.benchmarks.math.checker``) decides them here, in the parent process, and sends only the
rest to the killable workers. Nothing is loosened: ``decide`` answers only where Math-Verify's
verdict is certain and returns ``None`` (ask Math-Verify) everywhere else.
``tests/unit/test_math_fastpath.py`` checks every decision against Math-Verify on every pair of
``benchmarks/verify_math.py``'s workload (all eight math benchmarks) and on random numbers.

Shapes (of *normalised* strings, ``passk.benchmarks.math.latex.normalize_answer``): an integer or a
decimal (``-12``, ``0.25``), ``\\frac{p}{q}`` and ``p/q`` with integer ``p`` and positive ``q``,
each with an optional leading minus, at most 60 digits per number. Math-Verify parses these to
sympy Integer, Float and Rational values, so, reading ``math_verify.grader.verify``:

- *equal values* are right: Integer against Integer or Rational compares exactly, and a Float
  against anything compares after rounding both to 6 decimals (``float_rounding=6``), which keeps
  equal values equal;
- values whose difference is more than ``REL_GAP`` of the larger magnitude (and of 1) are wrong:
  rounding to 6 decimals cannot make them equal, ``simplify(a - b)`` of two different numbers is
  not zero, and the string comparison sees two different strings;
- values closer than that but not equal are left to Math-Verify, whose answer there depends on
  the types (``5`` vs ``5.00000001`` is wrong, ``\\frac{1}{3}`` vs ``0.3333333`` is right).

A ``%`` is never a plain number here (the worker retries percent answers), so none is decided.
"""

from __future__ import annotations

import re
from fractions import Fraction

REL_GAP = Fraction(1, 10**5)  # far outside Math-Verify's 6-decimal rounding (a gap of at most 1e-6)
_MAX_DIGITS = 60  # longer numbers go to Math-Verify (and int() of huge strings is slow)

_DECIMAL = re.compile(r"^(-?)(\d{1,60})(?:\.(\d{1,60}))?$")
_FRACTION = re.compile(r"^(-?)(?:\\frac\{(-?)(\d{1,60})\}\{(\d{1,60})\}|(\d{1,60})/(\d{1,60}))$")

EQUAL_DETAIL = "math-verify fast path: equal numbers"
DIFFERENT_DETAIL = "math-verify fast path: different numbers"


def plain_number(s: str) -> Fraction | None:
    """The exact value of a plain-number string (see the module docstring), else None."""
    m = _DECIMAL.match(s)
    if m:
        sign, whole, frac = m.groups()
        value = Fraction(int(whole + (frac or "")), 10 ** len(frac or ""))
        return -value if sign else value
    m = _FRACTION.match(s)
    if m:
        sign, inner_sign, p, q, p2, q2 = m.groups()
        num, den = (int(p), int(q)) if p is not None else (int(p2), int(q2))
        if den == 0:
            return None  # zoo: Math-Verify's business
        value = Fraction(num, den)
        return -value if bool(sign) != bool(inner_sign) else value
    return None


def decide(gold: str, answer: str) -> bool | None:
    """Math-Verify's verdict on two normalised answer strings when both are plain numbers, else None."""
    if "%" in gold or "%" in answer:
        return None
    a = plain_number(gold)
    if a is None:
        return None
    b = plain_number(answer)
    if b is None:
        return None
    if a == b:
        return True
    if abs(a - b) > REL_GAP * max(1, abs(a), abs(b)):
        return False
    return None
