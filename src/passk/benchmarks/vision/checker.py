"""The visual math verifier: the last ``\\boxed{}`` of each completion, compared with the gold.

The EasyR1 prompt (paper Fig 26) asks for the final answer in ``\\boxed{}``, and EasyR1's own
reward reads the last box; a completion without one has no answer (``no_answer``), as there is no
"the answer is" phrase to fall back on in that format. The comparison (``answers.compare``) is
pure string and rational arithmetic on a bounded string, so it runs in this process: statuses are
``correct``, ``wrong`` or ``no_answer``, never ``timeout``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from passk.benchmarks.vision.answers import MAX_ANSWER_CHARS, Gold, compare, gold_of
from passk.errors import DataError
from passk.records.verdicts import verdict_row
from passk.verify.boxed import last_boxed
from passk.verify.family import VerifyContext


def extract_answer(text: str) -> str | None:
    """The content of the last box, stripped; None when there is none or it is empty."""
    boxed = last_boxed(text)
    if boxed is None or not boxed.strip():
        return None
    return boxed.strip()


def check(gold: Gold, text: str) -> tuple[str, str | None, str]:
    """(status, extracted answer, detail) of one completion."""
    extracted = extract_answer(text)
    if extracted is None:
        return "no_answer", None, "no \\boxed{} answer"
    if len(extracted) > MAX_ANSWER_CHARS:
        return "wrong", extracted[:MAX_ANSWER_CHARS], f"answer longer than {MAX_ANSWER_CHARS} characters"
    correct, detail = compare(gold, extracted)
    return ("correct" if correct else "wrong"), extracted, detail


def verify(problems: Mapping[str, dict[str, Any]], samples: list[dict[str, Any]], ctx: VerifyContext) -> list[dict[str, Any]]:
    """One verdict row per sample, in sample order (the vision family's verifier).

    ``problems`` maps problem id to its record (``answer`` and ``metadata.answer_type`` /
    ``precision`` / ``unit``); each sample needs ``problem_id``, ``sample_index`` and ``text``. A
    sample of an unknown problem raises DataError.
    """
    golds: dict[str, Gold] = {}
    rows = []
    for pos, sample in enumerate(samples):
        pid = sample.get("problem_id")
        if pid not in problems:
            raise DataError(f"sample {pos} (sample_index {sample.get('sample_index')}): unknown problem id {pid!r}")
        if pid not in golds:
            golds[pid] = gold_of(problems[pid])
        text = sample.get("text")
        if not isinstance(text, str):
            raise DataError(f"sample {pos} of problem {pid!r}: missing completion text")
        status, extracted, detail = check(golds[pid], text)
        rows.append(verdict_row(sample, status, extracted=extracted, detail=detail))
    return rows
