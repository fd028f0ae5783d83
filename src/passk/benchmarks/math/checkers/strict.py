"""A strict math checker: the last ``\\boxed{…}`` only, exact string equality after light normalisation.

Why it exists: the verifier panel (issue 15) brackets the paper's lenient grader and Math-Verify
with a checker that cannot be fooled by extraction fallbacks or equivalence rules. A sample is
right only if it *boxed* the answer, and the box holds the gold written the same way up to
typesetting. It is a lower bound: "0.5" for "\\frac{1}{2}", "x=5" for "5" or "10 cm" for "10" are
wrong here by design.

Extraction: the content of the last ``\\boxed{`` (optional spaces before the brace), brace
matched. No box, an unclosed box (a truncated completion) or ``\\boxed x`` without braces is no
answer. No other rule (no "the answer is", no last number).

Normalisation (``normalize``), applied to both sides, in this order and nothing else:

1. whitespace, and LaTeX spacing commands (``\\,`` ``\\;`` ``\\:`` ``\\!`` ``\\ `` ``~``), are removed,
   except one space where it ends a command before a letter (``\\pi r`` stays distinct from ``\\pir``);
2. ``\\left`` / ``\\right`` are removed;
3. ``\\dfrac`` / ``\\tfrac`` become ``\\frac``;
4. ``$`` signs are removed (``\\$`` first, then ``$``);
5. ``^\\circ`` / ``^{\\circ}`` are removed;
6. a ``\\text{…}`` wrapping the whole answer is unwrapped;
7. trailing periods are removed;
8. integers lose leading zeros ("025" → "25") and a zero fraction ("27.0" → "27").
"""

from __future__ import annotations

import re

from passk.benchmarks.math.answers import apply_template_quirks
from passk.benchmarks.math.checkers.names import LABELS

NAME = "strict"
LABEL = LABELS[NAME]
NEEDS_WORKER = False  # string equality of two normalised strings: nothing to kill

_BOX = re.compile(r"\\boxed\s*\{")
_SPACING = ("\\,", "\\;", "\\:", "\\!", "\\ ", "~")
_CMD_BEFORE_LETTER = re.compile(r"(\\[A-Za-z]+)\s+(?=[A-Za-z])")
_CIRC = re.compile(r"\^\s*(?:\\circ|\{\s*\\circ\s*\})")
_TEXT_WRAPPER = re.compile(r"^\\text\{([^{}]*)\}$")
_INTEGER = re.compile(r"^([+-]?)(\d+)(?:\.0+)?$")


def last_box(text: str) -> str | None:
    """Content of the last ``\\boxed{…}`` (brace matched), or None if there is no complete one."""
    matches = list(_BOX.finditer(text))
    if not matches:
        return None
    depth, start = 1, matches[-1].end()
    for i in range(start, len(text)):
        depth += (text[i] == "{") - (text[i] == "}")
        if depth == 0:
            return text[start:i]
    return None  # unclosed: the completion was cut off inside the box


def _remove_whitespace(s: str) -> str:
    """Drop whitespace and spacing commands; keep one space that ends a command before a letter."""
    for cmd in _SPACING:
        s = s.replace(cmd, " ")
    s = _CMD_BEFORE_LETTER.sub(lambda m: m.group(1) + "\x00", s)
    return re.sub(r"\s+", "", s).replace("\x00", " ")


def _canonical_integer(s: str) -> str:
    """"025" → "25", "-007" → "-7", "27.0" → "27", "-0" → "0"; a "+" sign stays; anything else unchanged."""
    m = _INTEGER.match(s)
    if not m:
        return s
    digits = m.group(2).lstrip("0") or "0"
    return digits if digits == "0" else m.group(1) + digits


def normalize(answer: str) -> str:
    """The strict canonical form of an answer string (the eight steps of the module docstring)."""
    s = _remove_whitespace(answer)
    s = s.replace("\\left", "").replace("\\right", "")
    s = s.replace("\\dfrac", "\\frac").replace("\\tfrac", "\\frac")
    s = s.replace("\\$", "").replace("$", "")
    s = _CIRC.sub("", s)
    m = _TEXT_WRAPPER.match(s)
    if m:
        s = _remove_whitespace(m.group(1))
    s = s.rstrip(".")
    return _canonical_integer(s)


def extract(text: str, dataset: str = "", template: str | None = None) -> str | None:
    """The normalised content of the last box (None when there is no complete, non-empty box).

    ``dataset`` is accepted for the common checker signature and not used: the strict rules are
    the same for every benchmark. ``template`` cuts the text where generation would have stopped.
    """
    box = last_box(apply_template_quirks(text, template))
    if box is None:
        return None
    return normalize(box) or None


def prepare_gold(gold: str, dataset: str = "") -> str:
    """The gold in strict canonical form (``dataset`` unused, as in ``extract``)."""
    return normalize(str(gold))


def check(gold: str, answer: str) -> tuple[bool, str]:
    """Exact equality of two normalised strings, with a reason."""
    if answer == gold:
        return True, "strict: identical"
    return False, "strict: not identical"
