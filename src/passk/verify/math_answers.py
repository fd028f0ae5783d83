"""Answer extraction and gold parsing for the math benchmarks, following the paper's code.

The paper (Yue et al. 2025) evaluates with the Qwen2.5-Math ``parser.py`` (see PAPER.md §2):
``extract_answer`` picks, in priority order, the Minerva phrase "final answer is $…$. I hope",
the *last* ``boxed`` (brace matched; ``\\boxed x`` runs to the next ``$``), "he answer is",
"final answer is", "答案是", else the last number. This module re-implements those rules (it does
not copy the code) so that *which* string counts as the model's answer matches the paper; the
equivalence test itself is Math-Verify (see ``passk.verify.math``).

Normalisation (``normalize_answer``) is deliberately lighter than Qwen's ``strip_string``. It only
does what changes verdicts or the deduplication key: it drops display noise ($, \\left/\\right,
\\!, dfrac/tfrac, trailing periods, ``^\\circ``, ``\\text{}`` wrappers, trailing unit words after a
number) and canonicalises plain numbers ("025" → "25", "27.0" → "27", "1,000" → "1000").
It omits the ``strip_string`` steps that are known to create false positives (notes/eval_anchors.md
§4): deleting the substring "and" anywhere, deleting one-letter "unit" words such as ``a`` or ``t``
wherever they stand, and mapping ``j`` to ``i``. Math-Verify does its own, safer, unit, percent and
``x=`` handling when it parses the string.
"""

from __future__ import annotations

import re
from typing import Any

from passk.errors import DataError

# Benchmarks whose answers keep their unit words (Qwen's STRIP_EXCEPTIONS: minerva golds and
# predictions are not unit-stripped, because units there carry physics, e.g. "erg/s").
SKIP_UNIT_BENCHMARKS = frozenset({"minerva_math", "carp_en"})

# Stop strings that the ``abel`` template adds (math_eval.py). Generation stops *before* the
# "Answer: X" line the prompt asks for, so extraction falls back to boxed/last-number rules.
ABEL_STOPS = ("Question:", "Answer:")

_LAST_NUMBER = re.compile(r"-?\d*\.?\d+")
_PLAIN_INT = re.compile(r"^[+-]?\d+$")
_PLAIN_DEC_ZERO = re.compile(r"^([+-]?\d+)\.0*$")
_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$")
# A number followed only by unit words ("10 cm", "18 dollars", "5 square feet"). Words of two or
# more letters only, so "5 x" or "3 i" (a variable, the imaginary unit) are never cut.
_NUMBER_UNITS = re.compile(r"^([+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:\\?%)?)\s*(?:[A-Za-z]{2,}\.?)(?:\s+[A-Za-z]{2,}\.?)*$")
_TRAILING_TEXT = re.compile(r"\\(?:text|textbf|mbox|mathrm)\s*\{[^{}]*\}\s*$")
_TEXT_WRAP = re.compile(r"\\(?:text|textbf|textit|mbox)\s*\{([^{}]*)\}")
_CIRC = re.compile(r"\^\s*\{?\s*\\circ\s*\}?")


def apply_template_quirks(text: str, template: str | None) -> str:
    """Cut ``text`` where the paper's generation would have stopped for ``template``.

    Only the ``abel`` quirk matters for verdicts: math_eval.py adds ``Question:`` and ``Answer:``
    as stop strings, so the final "Answer: X" line the prompt asks for is never generated. A backend
    that already honoured the stop strings leaves nothing to cut, so this is idempotent.
    """
    if template and template.startswith("abel"):
        cut = len(text)
        for stop in ABEL_STOPS:
            pos = text.find(stop)
            if 0 <= pos < cut:
                cut = pos
        return text[:cut]
    return text


def last_boxed(text: str) -> str | None:
    """Content of the last ``boxed`` in ``text`` (None if there is none).

    The paper's parser splits on the bare word ``boxed``; we look for ``\\boxed`` first so that prose
    such as "unboxed" after the real box cannot win, then for a bare ``boxed{``. Braces are
    matched; for ``\\boxed x`` without braces the answer runs up to the next ``$``. An unclosed brace (a truncated completion) yields the text up to the end.
    """
    pos = text.rfind("\\boxed")
    if pos >= 0:
        pos += 1
    else:
        pos = text.rfind("boxed{")
        if pos < 0:
            return None
    rest = text[pos + len("boxed") :]
    if not rest:
        return ""
    if rest[0] != "{":
        if rest[0].isalpha() or rest[0] == "_":
            return None  # "\\boxedfoo": a different macro, not a box
        return rest.split("$", 1)[0].strip()
    depth = 1
    out: list[str] = []
    for ch in rest[1:]:
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth == 0:
                break
        out.append(ch)
    return "".join(out)


def _first_line(s: str) -> str:
    """The first non-empty line of ``s`` (the paper keeps the whole tail; see ``extract_raw``)."""
    s = s.strip()
    return s.split("\n", 1)[0].strip()


def extract_raw(text: str, *, use_last_number: bool = True) -> tuple[str | None, str]:
    """The un-normalised answer string of a completion and the rule that found it.

    Returns ``(answer, rule)``; ``answer`` is None when nothing can be extracted. One deliberate
    deviation: after "he answer is" / "final answer is" the paper keeps the whole rest of the text
    (joined across lines); we keep the first line, so "The answer is $5$.\\n\\nI hope this helps"
    gives "5" rather than an unparseable sentence. Both agree on every one-line answer.
    """
    text = text.replace("\u043a\u0438", "")  # stray "ки" tokens, removed by the paper's parser too
    if "final answer is $" in text and "$. I hope" in text:
        tail = text.split("final answer is $", 1)[1]
        return tail.split("$. I hope", 1)[0].strip(), "minerva"
    if "boxed" in text:
        boxed = last_boxed(text)
        if boxed is not None:
            return boxed, "boxed"
    for phrase, rule in (("he answer is", "answer_is"), ("final answer is", "final_answer_is")):
        if phrase in text:
            return _first_line(text.rsplit(phrase, 1)[1]), rule
    if "答案是" in text:
        return text.split("答案是", 1)[1].strip().split("\n\n", 1)[0].strip(), "chinese"
    if use_last_number:
        numbers = _LAST_NUMBER.findall(text.replace(",", ""))
        if numbers:
            return numbers[-1], "last_number"
    return None, "none"


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


def extract_answer(text: str, benchmark: str = "", template: str | None = None) -> str | None:
    """The normalised answer of a completion, or None when there is none (status ``no_answer``)."""
    raw, _rule = extract_raw(apply_template_quirks(text, template))
    if raw is None:
        return None
    norm = normalize_answer(raw, benchmark)
    return norm or None


# --- gold parsing -----------------------------------------------------------------------------


def _require(record: dict[str, Any], key: str, where: str) -> Any:
    if key not in record or record[key] is None:
        raise DataError(f"{where}: missing field {key!r}")
    return record[key]


def format_gold_value(value: Any, where: str) -> str:
    """A gold value as a string; AMC floats such as 27.0 become "27" (as the paper normalises them)."""
    if isinstance(value, bool):
        raise DataError(f"{where}: gold answer is a boolean ({value!r})")
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        if not value.strip():
            raise DataError(f"{where}: empty gold answer")
        return value.strip()
    raise DataError(f"{where}: gold answer has type {type(value).__name__}, expected a string or number")


def gold_from_record(dataset: str, record: dict[str, Any], where: str) -> str:
    """The gold answer string of one source record, per dataset (PAPER.md §2 "Ground truth").

    ``where`` ("file:line") goes into every DataError so a broken record can be found.
    """
    if dataset == "gsm8k":
        answer = _require(record, "answer", where)
        if not isinstance(answer, str) or "####" not in answer:
            raise DataError(f"{where}: gsm8k answer has no '####' marker")
        gold = answer.split("####")[-1].strip()
        if not gold:
            raise DataError(f"{where}: empty gold after '####'")
        return gold
    if dataset in ("math500", "minerva_math", "math"):
        solution = _require(record, "solution", where)
        if not isinstance(solution, str):
            raise DataError(f"{where}: solution is not a string")
        boxed = last_boxed(solution)
        if boxed is None or not boxed.strip():
            raise DataError(f"{where}: no \\boxed{{}} answer in solution")
        return boxed.strip()
    if dataset == "olympiadbench":
        final = _require(record, "final_answer", where)
        if not isinstance(final, list) or not final or not isinstance(final[0], str):
            raise DataError(f"{where}: final_answer must be a non-empty list of strings")
        gold = final[0].strip().strip("$").strip()
        if not gold:
            raise DataError(f"{where}: empty final_answer")
        return gold
    if dataset in ("aime24", "aime25", "amc23", "omni_math_rule"):
        gold = format_gold_value(_require(record, "answer", where), where)
        if "\\boxed" in gold:  # a few Omni-MATH golds are "\\[\\boxed{…}\\]"
            gold = (last_boxed(gold) or gold).strip()
        return gold
    raise DataError(f"{where}: no gold rule for dataset {dataset!r}")


def reference_solution(dataset: str, record: dict[str, Any]) -> str | None:
    """The benchmark's own worked solution (used to test the checker against its gold), if any."""
    if dataset == "gsm8k":
        return record.get("answer")
    if dataset in ("math500", "minerva_math", "math", "aime24", "omni_math_rule"):
        sol = record.get("solution")
        return sol if isinstance(sol, str) else None
    if dataset == "olympiadbench":
        sol = record.get("solution")
        return sol[0] if isinstance(sol, list) and sol and isinstance(sol[0], str) else None
    return None


QUESTION_KEYS = ("question", "problem", "Question", "input")


def question_from_record(record: dict[str, Any], gold: str, where: str) -> str:
    """The question text: the first of question/problem/Question/input, plus the yes/no suffix.

    As in the paper's ``parse_question``, " (True or False)" or " (Yes or No)" is appended when the
    (normalised) gold is true/false or yes/no, so the model knows which words to answer with.
    """
    for key in QUESTION_KEYS:
        if key in record and record[key] is not None:
            question = record[key]
            break
    else:
        raise DataError(f"{where}: missing question (none of {', '.join(QUESTION_KEYS)})")
    if not isinstance(question, str) or not question.strip():
        raise DataError(f"{where}: question is empty or not a string")
    low = normalize_answer(gold).lower()
    if low in ("true", "false"):
        question += " (True or False)"
    elif low in ("yes", "no"):
        question += " (Yes or No)"
    return question.strip()
