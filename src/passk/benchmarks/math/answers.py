"""Which string of a completion counts as its answer, following the paper's code.

The paper (Yue et al. 2025) evaluates with the Qwen2.5-Math ``parser.py`` (see PAPER.md §2):
``extract_answer`` picks, in priority order, the Minerva phrase "final answer is $…$. I hope",
the *last* ``boxed`` (brace matched; ``\\boxed x`` runs to the next ``$``), "he answer is",
"final answer is", "答案是", else the last number. This module re-implements those rules (it does
not copy the code) so that *which* string counts as the model's answer matches the paper; the
equivalence test itself is Math-Verify (``passk.benchmarks.math.checker``).
"""

from __future__ import annotations

import re

from passk.benchmarks.math.latex import last_boxed, normalize_answer

# Stop strings that the ``abel`` template adds (math_eval.py). Generation stops *before* the
# "Answer: X" line the prompt asks for, so extraction falls back to boxed/last-number rules.
ABEL_STOPS = ("Question:", "Answer:")

_LAST_NUMBER = re.compile(r"-?\d*\.?\d+")


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


def extract_answer(text: str, benchmark: str = "", template: str | None = None) -> str | None:
    """The normalised answer of a completion, or None when there is none (status ``no_answer``)."""
    raw, _rule = extract_raw(apply_template_quirks(text, template))
    if raw is None:
        return None
    norm = normalize_answer(raw, benchmark)
    return norm or None
