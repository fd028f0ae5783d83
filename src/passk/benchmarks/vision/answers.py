"""Gold answers of the visual math benchmarks and how a boxed answer is compared with them.

Every free-form gold of MathVista testmini (integer 418, float 40, list 2) and MathVision testmini
(integers, two decimals, one coordinate pair, one letter) is a number, a list or tuple of numbers,
or a short text; ``gold_from_record`` classifies each when the benchmark is prepared and refuses
any other form, so the comparison below is complete for these data.

Why not Math-Verify: MathVista states how a number is compared — ``answer_type`` integer, or float
with ``precision`` decimal places — and its own evaluator rounds the model's number to that
precision before comparing. Math-Verify compares floats at a fixed 6 decimals, so "1.23" would fail
a gold of "1.2" given at one decimal. Here every number is read exactly (``fractions.Fraction``:
"5/2", "\\frac{5}{2}", "2.50", "1{,}680", "12 years", "45^\\circ", "3 \\times 10^{2}") and then

- an integer gold needs the exact value ("6.0" is 6; "6.4" is not);
- a float gold with precision p needs the value rounded to p decimals, halves away from zero
  ("1.23" and "1.15" are 1.2 at p=1; "1.25" is 1.3);
- a decimal gold without a stated precision (MathVision) needs the exact value ("5/2" is 2.5);
- a list or tuple needs the same length and every element equal by the rules above;
- a text gold (MathVision's one letter) needs the same text, letters compared case-insensitively.

Symbolic answers (``\\sqrt{2}``, ``3\\pi``) are not evaluated: MathVista's hints ask for integers or
decimals, and its evaluator, which reads the answer with ``float()``, refuses them too. All of this
is plain string and rational arithmetic with bounded input, so a check cannot hang (no timeouts).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Any

from passk.errors import DataError

ANSWER_TYPES = ("integer", "float", "list", "tuple", "text")
MAX_ANSWER_CHARS = 300  # longer boxed answers are not numbers any benchmark here asks for
_MAX_EXPONENT = 60

_NUMBER = r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)"
_PLAIN = re.compile(rf"^{_NUMBER}$")
_FRAC = re.compile(rf"^([+-])?\\[dt]?frac\s*\{{\s*({_NUMBER})\s*\}}\s*\{{\s*({_NUMBER})\s*\}}$")
_FRAC_BARE = re.compile(r"^([+-])?\\[dt]?frac\s*(\d)(\d)$")  # \frac12
_SLASH = re.compile(rf"^({_NUMBER})\s*/\s*({_NUMBER})$")
_SCI_LATEX = re.compile(rf"^({_NUMBER})\s*(?:\\times|\\cdot|\*|x)\s*10\s*\^\s*\{{?\s*([+-]?\d+)\s*\}}?$")
_SCI_E = re.compile(rf"^({_NUMBER})[eE]([+-]?\d+)$")
_THOUSANDS = re.compile(r"^([+-]?\d{1,3})((?:,\d{3})+)(\.\d+)?$")
_WRAPPER = re.compile(r"\\(?:text|textbf|textit|textrm|mathrm|mathbf|mbox|operatorname)\s*\{([^{}]*)\}")
_DEGREES = re.compile(r"\^\s*\{?\s*\\circ\s*\}?|°|\\degree")
_VARIABLE = re.compile(r"^[A-Za-z](?:_\{?\w+\}?)?\s*=\s*")
_TRAILING_WORDS = re.compile(r"^(.*?\d\.?)\s*([A-Za-z][A-Za-z ./^0-9]*)$")


@dataclass(frozen=True)
class Gold:
    """A benchmark's gold answer as the comparison needs it."""

    answer: str
    answer_type: str
    precision: int | None = None  # decimals a float answer is compared at (MathVista); None = exact
    unit: str | None = None

    def metadata(self) -> dict[str, Any]:
        """The keys the problem record keeps (``metadata``), from which ``gold_of`` rebuilds it."""
        return {"answer_type": self.answer_type, "precision": self.precision, "unit": self.unit}


def gold_of(problem: dict[str, Any]) -> Gold:
    """The ``Gold`` of a prepared problem record (its ``answer`` and ``metadata``)."""
    meta = problem.get("metadata") or {}
    answer_type = meta.get("answer_type")
    if answer_type not in ANSWER_TYPES:
        raise DataError(f"problem {problem.get('id')!r}: metadata.answer_type {answer_type!r} is not one of {ANSWER_TYPES}")
    return Gold(str(problem["answer"]), answer_type, meta.get("precision"), meta.get("unit"))


def classify_gold(answer: str, *, answer_type: str | None = None, precision: Any = None, unit: Any = None,
                  where: str = "") -> Gold:
    """Check a source's gold and give its ``Gold``; DataError naming ``where`` for a form not handled.

    ``answer_type``/``precision``/``unit`` are MathVista's fields; without ``answer_type``
    (MathVision) the type is read off the answer: an integer, a decimal, a parenthesised tuple of
    numbers, else text (one short word, e.g. a letter).
    """
    text = str(answer).strip()
    prefix = f"{where}: " if where else ""
    if answer_type is None:
        if _PLAIN.match(text):
            answer_type = "integer" if re.fullmatch(r"[+-]?\d+", text) else "float"
        elif text.startswith("(") and text.endswith(")"):
            answer_type = "tuple"
        elif re.fullmatch(r"[A-Za-z][A-Za-z ]{0,30}", text):
            answer_type = "text"
        else:
            raise DataError(f"{prefix}gold answer {text!r} is neither a number, a tuple of numbers nor a word")
    if answer_type not in ANSWER_TYPES:
        raise DataError(f"{prefix}answer_type {answer_type!r} is not one of {ANSWER_TYPES}")
    if precision is not None:
        if answer_type != "float" or not isinstance(precision, (int, float)) or int(precision) != precision or precision < 0:
            raise DataError(f"{prefix}precision {precision!r} given for a {answer_type} answer (needs a float and a whole number)")
        precision = int(precision)
    gold = Gold(text, answer_type, precision, str(unit).strip() if unit else None)
    if answer_type in ("integer", "float"):
        value = parse_number(text)
        if value is None or (answer_type == "integer" and value.denominator != 1):
            raise DataError(f"{prefix}gold answer {text!r} is not an {answer_type}")
        if precision is not None and _decimals(text) > precision:
            raise DataError(f"{prefix}gold answer {text!r} has more decimals than its precision {precision}")
    elif answer_type in ("list", "tuple"):
        if parse_sequence(text) is None:
            raise DataError(f"{prefix}gold answer {text!r} is not a {answer_type} of numbers")
    return gold


def _decimals(text: str) -> int:
    return len(text.split(".", 1)[1]) if "." in text else 0


def clean(answer: str, unit: str | None = None) -> str:
    """Display noise off a boxed answer: ``$``, ``\\left``/``\\right``, spacing commands, text
    wrappers, degree signs, a leading ``x =``, a trailing period, and the problem's unit."""
    s = answer.strip().replace("\u2212", "-")  # a typographic minus
    s = s.replace("$", "").replace("\\left", "").replace("\\right", "").replace("\\!", "")
    s = re.sub(r"(?<=\d)(?:\\,|\{,\})(?=\d{3}\b)", "", s)  # thousands: 1\,680 and 1{,}680
    s = re.sub(r"\\[,;:]|\\ |~", " ", s)
    s = s.replace("\\dfrac", "\\frac").replace("\\tfrac", "\\frac")
    s = _DEGREES.sub("", s)
    for _ in range(3):  # nested wrappers, e.g. \text{\textbf{C}}
        s = _WRAPPER.sub(r"\1", s)
    s = _VARIABLE.sub("", s.strip())
    s = s.strip().rstrip(".").strip()
    if unit:
        u = unit.strip()
        if u and s.endswith(u) and len(s) > len(u):
            s = s[: -len(u)].strip()
    s = re.sub(r"\\?%$", "", s).strip()  # "20%": the golds of percent questions are the bare number
    return s


def parse_number(text: str) -> Fraction | None:
    """The exact value of a number written as an integer, decimal, fraction, thousands-separated
    or scientific number, or None. Trailing unit words ("12 years", "5 cm") are dropped."""
    s = text.strip().replace("{,}", ",").replace("\\,", "")
    if len(s) > MAX_ANSWER_CHARS:
        return None
    if s.startswith("{") and s.endswith("}") and s.count("{") == 1:
        s = s[1:-1].strip()
    for pattern in (_SCI_LATEX, _SCI_E):
        m = pattern.match(s)
        if m:
            return Fraction(Decimal(m.group(1))) * Fraction(10) ** int(m.group(2)) if abs(int(m.group(2))) <= _MAX_EXPONENT else None
    m = _TRAILING_WORDS.match(s)
    if m and not _PLAIN.match(s):
        s = m.group(1).strip()
    if _PLAIN.match(s):
        return Fraction(Decimal(s))
    m = _THOUSANDS.match(s)
    if m:
        return Fraction(Decimal(m.group(1) + m.group(2).replace(",", "") + (m.group(3) or "")))
    m = _FRAC.match(s)
    if m:
        num, den = Fraction(Decimal(m.group(2))), Fraction(Decimal(m.group(3)))
        return None if den == 0 else (-1 if m.group(1) == "-" else 1) * num / den
    m = _FRAC_BARE.match(s)
    if m:
        num, den = int(m.group(2)), int(m.group(3))
        return None if den == 0 else (-1 if m.group(1) == "-" else 1) * Fraction(num, den)
    m = _SLASH.match(s)
    if m:
        den = Fraction(Decimal(m.group(2)))
        return None if den == 0 else Fraction(Decimal(m.group(1))) / den
    return None


def parse_sequence(text: str) -> list[Fraction] | None:
    """The numbers of a bracketed list ``[a, b]`` or tuple ``(a, b)`` (brackets optional), or None."""
    s = text.strip()
    if len(s) > MAX_ANSWER_CHARS:
        return None
    if len(s) >= 2 and s[0] in "[(" and s[-1] in "])":
        s = s[1:-1]
    parts = [p.strip() for p in s.split(",")]
    if len(parts) < 2 or any(not p for p in parts):
        return None
    values = [parse_number(p) for p in parts]
    return None if any(v is None for v in values) else values  # type: ignore[return-value]


def _round(value: Fraction, precision: int) -> Decimal:
    """``value`` rounded to ``precision`` decimals, halves away from zero (exactly, from the rational value)."""
    exact = Decimal(value.numerator) / Decimal(value.denominator) if value.denominator != 1 else Decimal(value.numerator)
    return exact.quantize(Decimal(1).scaleb(-precision), rounding=ROUND_HALF_UP)


def _number_matches(gold: Fraction, value: Fraction, precision: int | None) -> bool:
    if precision is None:
        return gold == value
    return _round(value, precision) == _round(gold, precision)


def compare(gold: Gold, extracted: str) -> tuple[bool, str]:
    """Whether a boxed answer matches the gold, and why (the verdict's detail)."""
    s = clean(extracted, gold.unit)
    if gold.answer_type in ("integer", "float"):
        value = parse_number(s)
        if value is None:
            return False, "not a number"
        target = parse_number(gold.answer)
        assert target is not None  # checked by classify_gold when the benchmark was prepared
        if _number_matches(target, value, gold.precision):
            return True, "equal" if gold.precision is None else f"equal at {gold.precision} decimals"
        return False, "different number"
    if gold.answer_type in ("list", "tuple"):
        values = parse_sequence(s)
        targets = parse_sequence(gold.answer)
        assert targets is not None
        if values is None:
            return False, f"not a {gold.answer_type} of numbers"
        if len(values) != len(targets):
            return False, f"{len(values)} elements, expected {len(targets)}"
        return (True, "equal") if values == targets else (False, "different elements")
    norm = re.sub(r"\s+", " ", s.strip("() ")).casefold()
    return (True, "equal") if norm == gold.answer.strip().casefold() else (False, "different text")
