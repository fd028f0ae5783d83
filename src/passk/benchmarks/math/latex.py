"""Answer strings of math benchmarks: the last ``\\boxed{}`` and a sound normal form.

Shared by the gold parsing (``gold``), done when a benchmark is prepared, and by the answer
extraction (``answers``), done when samples are verified. Normalisation (``normalize_answer``) is
deliberately lighter than Qwen's ``strip_string``. It only does what changes verdicts or the
deduplication key: it drops display noise ($, \\left/\\right, \\!, dfrac/tfrac, trailing periods,
``^\\circ``, ``\\text{}`` wrappers, trailing unit words after a number) and canonicalises plain
numbers ("025" → "25", "27.0" → "27", "1,000" → "1000"). It omits the ``strip_string`` steps that
are known to create false positives (notes/eval_anchors.md §4): deleting the substring "and"
anywhere, deleting one-letter "unit" words such as ``a`` or ``t`` wherever they stand, and mapping
``j`` to ``i``. Math-Verify does its own, safer, unit, percent and ``x=`` handling when it parses
the string.
"""

from __future__ import annotations

import re

from passk.verify.boxed import last_boxed  # noqa: F401 - re-exported: its one home is verify/boxed (shared with the vision family)

# Benchmarks whose answers keep their unit words (Qwen's STRIP_EXCEPTIONS: minerva golds and
# predictions are not unit-stripped, because units there carry physics, e.g. "erg/s").
SKIP_UNIT_BENCHMARKS = frozenset({"minerva_math", "carp_en"})

_PLAIN_INT = re.compile(r"^[+-]?\d+$")
_PLAIN_DEC_ZERO = re.compile(r"^([+-]?\d+)\.0*$")
_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$")
# A number followed only by unit words ("10 cm", "18 dollars", "5 square feet"). Words of two or
# more letters only, so "5 x" or "3 i" (a variable, the imaginary unit) are never cut.
_NUMBER_UNITS = re.compile(r"^([+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:\\?%)?)\s*(?:[A-Za-z]{2,}\.?)(?:\s+[A-Za-z]{2,}\.?)*$")
_TRAILING_TEXT = re.compile(r"\\(?:text|textbf|mbox|mathrm)\s*\{[^{}]*\}\s*$")
_TEXT_WRAP = re.compile(r"\\(?:text|textbf|textit|mbox)\s*\{([^{}]*)\}")
_CIRC = re.compile(r"\^\s*\{?\s*\\circ\s*\}?")


def _strip_outer_braces(s: str) -> str:
    """Remove braces that wrap the whole string (``{5}`` → ``5``), keeping ``{1}{2}``."""
    while len(s) >= 2 and s[0] == "{" and s[-1] == "}":
        depth = 0
        for i, ch in enumerate(s):
            depth += ch == "{"
            depth -= ch == "}"
            if depth == 0 and i < len(s) - 1:
                return s
        s = s[1:-1].strip()
    return s


_CMD_SPACE = re.compile(r"(\\[A-Za-z]+)\s+(?=[A-Za-z])")


def _remove_spaces(s: str) -> str:
    """Drop whitespace except where it ends a LaTeX command before a letter (``\\pi r``, ``\\le x``)."""
    s = _CMD_SPACE.sub(lambda m: m.group(1) + "\x00", s)
    return re.sub(r"\s+", "", s).replace("\x00", " ")


def normalize_answer(answer: str, benchmark: str = "") -> str:
    """Canonical form of an answer string, used for display, deduplication and exact matching.

    Sound by construction: two strings that normalise equal are equal as answers. Anything subtler
    (fractions vs decimals, ``x=5`` vs ``5``, sets, intervals, percent) is left to Math-Verify.
    """
    s = str(answer).strip()
    s = re.sub(r"\n\s*", " ", s)
    s = s.lstrip(":").strip()
    s = s.rstrip(" ./").strip()
    s = s.replace("\\!", "").replace("\\,", " ").replace("\\;", " ").replace("\\ ", " ").replace("~", " ")
    s = s.replace("\\dfrac", "\\frac").replace("\\tfrac", "\\frac")
    s = s.replace("\\neq", "\\ne").replace("\\leq", "\\le").replace("\\geq", "\\ge")
    s = s.replace("\\left", "").replace("\\right", "")
    s = s.replace("\\displaystyle", "")
    s = s.replace("\\$", "").replace("$", "").replace("\\(", "").replace("\\)", "")
    s = s.replace("\\[", "").replace("\\]", "")  # display-math delimiters (Omni-MATH golds)
    s = _CIRC.sub("", s)
    if benchmark not in SKIP_UNIT_BENCHMARKS:
        stripped = _TRAILING_TEXT.sub("", s).strip()
        if stripped and stripped != s and not stripped.endswith(("=", "\\in")):
            s = stripped
    s = _TEXT_WRAP.sub(r"\1", s).strip()
    s = _strip_outer_braces(s)
    s = s.rstrip(" .").strip()
    if benchmark not in SKIP_UNIT_BENCHMARKS:
        m = _NUMBER_UNITS.match(s)
        if m:
            s = m.group(1)
    if _THOUSANDS.match(s):  # "1,000" but not "1, 000" (a list)
        s = s.replace(",", "")
    compact = _remove_spaces(s)
    m = _PLAIN_DEC_ZERO.match(compact)
    if m:
        compact = m.group(1)
    if _PLAIN_INT.match(compact):
        sign = "-" if compact.startswith("-") else ""
        digits = compact.lstrip("+-").lstrip("0") or "0"
        compact = "0" if digits == "0" else sign + digits
    if compact.startswith("."):
        compact = "0" + compact
    compact = compact.replace("-.", "-0.")
    return compact
