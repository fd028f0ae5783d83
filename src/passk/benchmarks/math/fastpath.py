"""Math-Verify's verdict on pairs of numbers, decided without Math-Verify (no parse, no sympy).

Why: most distinct (gold, answer) pairs of real runs are numbers or simple closed forms (every
GSM8K, AIME and AMC gold, most wrong answers anywhere, ``3\\sqrt{5}``, ``7\\pi``, ``x = 12``,
``1, 3``), and Math-Verify spends milliseconds to a second on each through its ANTLR LaTeX parser
and sympy. For the shapes below its verdict follows from the values alone, so the checker
(``passk.benchmarks.math.checker``) decides them here, in the parent process, and sends only the
rest to the killable workers. Nothing is loosened: ``decide`` answers only where Math-Verify's
verdict is certain and returns ``None`` (ask Math-Verify) everywhere else.
``tests/unit/test_math_fastpath.py`` checks every decision against Math-Verify on every pair of
``benchmarks/verify_math.py``'s workload (all eight math benchmarks) and on random numbers.

Shapes (of *normalised* strings, ``passk.benchmarks.math.latex.normalize_answer``); ``%`` is never
decided here (the worker retries percent answers):

- *Plain numbers*: an integer or a decimal (``-12``, ``0.25``), ``\\frac{p}{q}`` and ``p/q`` with
  integer ``p`` and positive ``q``, each with an optional leading minus, at most 60 digits per
  number. Math-Verify parses these to sympy Integer, Float and Rational values, so, reading
  ``math_verify.grader.verify``: *equal values* are right (Integer against Integer or Rational
  compares exactly, a Float against anything after rounding both to 6 decimals,
  ``float_rounding=6``, which keeps equal values equal); values whose difference is more than
  ``REL_GAP`` of the larger magnitude (and of 1) are wrong (rounding to 6 decimals cannot make them
  equal, ``simplify(a - b)`` of two different numbers is not zero, and the string comparison sees
  two different expressions); values closer than that but not equal are left to Math-Verify,
  whose answer there depends on the types (``5`` vs ``5.00000001`` is wrong, ``\\frac{1}{3}`` vs
  ``0.3333333`` is right).
- *Closed forms* (``closed_value``): plain numbers combined with ``+ - / \\cdot \\times``, ``^``
  with a small integer exponent, ``\\frac{}{}``, ``\\sqrt{}``, ``\\pi``, parentheses and braces,
  read with latex2sympy's precedence (a juxtaposed ``\\sqrt``/``\\pi`` binds tighter than ``/``:
  ``1/2\\sqrt{3}`` is ``1/(2\\sqrt{3})``). Math-Verify parses them to a closed sympy expression
  (no symbol, set or relation) of the same value. Only *wrong* is decided: when exact interval
  bounds of the two values are further apart than ``REL_GAP`` (the same three comparisons cannot
  call two such values equal). Equal closed forms are left to Math-Verify (it may keep them
  apart, e.g. an unevaluated power against a Float).
- *A letter assigned a value*: ``x=5`` against a gold that is no equation is compared as ``5``
  (Math-Verify takes the right-hand side of an answer's equation when the gold has none), and a
  gold ``x=5`` against an answer that is no equation as ``5`` (a gold assignment is unwrapped
  then). Only lower-case letters that Math-Verify reads as symbols (not ``e`` nor ``i``).
- *Lists of plain numbers* (``1,3`` and ``3,1``): Math-Verify reads a bare comma list as a finite
  set and compares two sets of the same size element by element in order of value. With no two
  elements of a side within ``REL_GAP`` of each other (a set drops repeats) and equal sizes, the
  verdict is the plain-number verdict of each pair in sorted order (right when all are right,
  wrong when one is wrong, else Math-Verify's call). A later element of exactly three digits
  (``1,234``) may be read as a thousands group, so such lists are left to Math-Verify.
"""

from __future__ import annotations

import math
import re
from fractions import Fraction

REL_GAP = Fraction(1, 10**5)  # far outside Math-Verify's 6-decimal rounding (a gap of at most 1e-6)
_MAX_DIGITS = 60  # longer numbers go to Math-Verify (and int() of huge strings is slow)
_MAX_EXPONENT = 64  # larger powers go to Math-Verify (their exact bounds grow long)
_SQRT_DIGITS = 40  # decimal digits of the bounds of a square root and of pi
_PI_LOW = Fraction(31415926535897932384626433832795028841971, 10**40)
_PI = (_PI_LOW, _PI_LOW + Fraction(1, 10**40))

_DECIMAL = re.compile(r"^(-?)(\d{1,60})(?:\.(\d{1,60}))?$")
_FRACTION = re.compile(r"^(-?)(?:\\frac\{(-?)(\d{1,60})\}\{(\d{1,60})\}|(\d{1,60})/(\d{1,60}))$")
_ASSIGNMENT = re.compile(r"^[a-df-hj-z]=([^=,]+)$")
_THOUSANDS_GROUP = re.compile(r"^\d{3}(?:\.\d*)?$")
_TOKEN = re.compile(r"\\frac|\\sqrt|\\pi|\\cdot|\\times|\d{1,60}(?:\.\d{1,60})?|[-+/^{}()]")
_JUXTAPOSED = ("\\sqrt", "\\pi")  # what may follow a factor without an operator (``3\\sqrt{5}``)

EQUAL_DETAIL = "math-verify fast path: equal numbers"
DIFFERENT_DETAIL = "math-verify fast path: different numbers"

Bounds = tuple[Fraction, Fraction]  # an exact interval holding the value


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


def _far(a: Bounds, b: Bounds) -> bool:
    """Whether every value in ``a`` differs from every value in ``b`` by more than ``REL_GAP``."""
    gap = max(a[0] - b[1], b[0] - a[1])
    return gap > REL_GAP * max(1, abs(a[0]), abs(a[1]), abs(b[0]), abs(b[1]))


def _numbers_verdict(a: Fraction, b: Fraction) -> bool | None:
    if a == b:
        return True
    return False if _far((a, a), (b, b)) else None


class _Unreadable(Exception):
    """Not a closed form of the accepted shape (Math-Verify decides)."""


class _ClosedForm:
    """Exact bounds of a closed-form string, read with latex2sympy's precedence.

    additive: mp (('+'|'-') mp)*; mp: unary (('\\cdot'|'\\times'|'/') unary)*;
    unary: ('+'|'-') unary | power (juxtaposed power)*; power: atom ('^' exponent)?
    """

    def __init__(self, s: str) -> None:
        self.tokens = _TOKEN.findall(s)
        if "".join(self.tokens) != s:
            raise _Unreadable(s)
        self.pos = 0

    def value(self) -> Bounds:
        out = self._additive()
        if self.pos != len(self.tokens):
            raise _Unreadable("trailing tokens")
        return out

    def _peek(self) -> str | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def _take(self, expected: str | None = None) -> str:
        tok = self._peek()
        if tok is None or (expected is not None and tok != expected):
            raise _Unreadable(f"expected {expected}")
        self.pos += 1
        return tok

    def _additive(self) -> Bounds:
        out = self._mp()
        while self._peek() in ("+", "-"):
            op, rhs = self._take(), self._mp()
            out = (out[0] + rhs[0], out[1] + rhs[1]) if op == "+" else (out[0] - rhs[1], out[1] - rhs[0])
        return out

    def _mp(self) -> Bounds:
        out = self._unary()
        while self._peek() in ("\\cdot", "\\times", "/"):
            op, rhs = self._take(), self._unary()
            out = _divide(out, rhs) if op == "/" else _multiply(out, rhs)
        return out

    def _unary(self) -> Bounds:
        if self._peek() in ("+", "-"):
            sign, inner = self._take(), self._unary()
            return inner if sign == "+" else (-inner[1], -inner[0])
        out = self._power()
        while self._peek() in _JUXTAPOSED:
            out = _multiply(out, self._power())
        return out

    def _power(self) -> Bounds:
        base = self._atom()
        if self._peek() != "^":
            return base
        self._take("^")
        if self._peek() == "{":
            self._take("{")
            negative = self._peek() == "-"
            if negative:
                self._take("-")
            exponent = _small_integer(self._take()) * (-1 if negative else 1)
            self._take("}")
        else:
            token = self._take()
            if not (len(token) == 1 and token.isdigit()):  # ``2^34`` is 2^3 times 4 in LaTeX
                raise _Unreadable("exponent")
            exponent = int(token)
        return _raise(base, exponent)

    def _atom(self) -> Bounds:
        tok = self._take()
        if tok == "\\pi":
            return _PI
        if tok == "\\sqrt":
            return _sqrt(self._group())
        if tok == "\\frac":
            return _divide(self._group(), self._group())
        if tok in ("(", "{"):
            inner = self._additive()
            self._take(")" if tok == "(" else "}")
            return inner
        if tok[0].isdigit():
            value = Fraction(tok)
            return value, value
        raise _Unreadable(tok)

    def _group(self) -> Bounds:
        self._take("{")
        inner = self._additive()
        self._take("}")
        return inner


def _small_integer(token: str) -> int:
    if not token.isdigit() or int(token) > _MAX_EXPONENT:
        raise _Unreadable("exponent")
    return int(token)


def _multiply(a: Bounds, b: Bounds) -> Bounds:
    products = (a[0] * b[0], a[0] * b[1], a[1] * b[0], a[1] * b[1])
    return min(products), max(products)


def _divide(a: Bounds, b: Bounds) -> Bounds:
    if b[0] <= 0 <= b[1]:
        raise _Unreadable("division by zero")  # zoo, or too close to zero to bound
    return _multiply(a, (1 / b[1], 1 / b[0]))


def _raise(base: Bounds, exponent: int) -> Bounds:
    if exponent <= 0 and base[0] <= 0 <= base[1]:
        raise _Unreadable("0 to a non-positive power")
    out: Bounds = (Fraction(1), Fraction(1))
    for _ in range(abs(exponent)):
        out = _multiply(out, base)
    return _divide((Fraction(1), Fraction(1)), out) if exponent < 0 else out


def _sqrt(a: Bounds) -> Bounds:
    if a[0] < 0:
        raise _Unreadable("square root of a negative number")  # complex: Math-Verify decides
    scale = 10**_SQRT_DIGITS
    low = Fraction(math.isqrt(math.floor(a[0] * scale * scale)), scale)
    high = Fraction(math.isqrt(math.ceil(a[1] * scale * scale)) + 1, scale)
    return low, high


def closed_value(s: str) -> Bounds | None:
    """Exact bounds of the value of a closed-form string (see the module docstring), else None."""
    try:
        return _ClosedForm(s).value()
    except (_Unreadable, ValueError, ZeroDivisionError):
        return None


def _unwrap_assignments(gold: str, answer: str) -> tuple[str, str]:
    """The strings Math-Verify compares when one side assigns a letter a value (``x=5``)."""
    if "=" in gold and "=" in answer:
        return gold, answer  # equations on both sides: Math-Verify's relation comparison
    for side in (gold, answer):
        m = _ASSIGNMENT.match(side)
        if m and "," not in (answer if side is gold else gold):
            return (m.group(1), answer) if side is gold else (gold, m.group(1))
    return gold, answer


def _list(s: str) -> list[Fraction] | None:
    """The sorted values of a bare list of at least two plain numbers, all far apart; else None."""
    parts = s.split(",")
    if len(parts) < 2 or any(_THOUSANDS_GROUP.match(p) for p in parts[1:]):
        return None
    values = [plain_number(p) for p in parts]
    if any(v is None for v in values):
        return None
    ordered = sorted(v for v in values if v is not None)
    if any(not _far((x, x), (y, y)) for x, y in zip(ordered, ordered[1:])):
        return None
    return ordered


def _lists_verdict(gold: str, answer: str) -> bool | None:
    a, b = _list(gold), _list(answer)
    if a is None or b is None or len(a) != len(b):
        return None
    verdicts = [_numbers_verdict(x, y) for x, y in zip(a, b)]
    if False in verdicts:
        return False
    return True if all(verdicts) else None


def decide(gold: str, answer: str) -> bool | None:
    """Math-Verify's verdict on two normalised answer strings of the shapes above, else None."""
    if "%" in gold or "%" in answer:
        return None
    gold, answer = _unwrap_assignments(gold, answer)
    if "," in gold or "," in answer:
        return _lists_verdict(gold, answer)
    a, b = plain_number(gold), plain_number(answer)
    if a is not None and b is not None:
        return _numbers_verdict(a, b)
    x = closed_value(gold)
    if x is None:
        return None
    y = closed_value(answer)
    if y is None:
        return None
    return False if _far(x, y) else None
