"""The program of an EvalPlus sample: a full ``solution``, a ``completion`` of the prompt, or the
program in a model's raw ``text``, cut out by evalplus's own sanitizer."""

from __future__ import annotations

from typing import Any

from passk.verify.programs import FENCE, restore_prefill

PREFILL_FENCE = "```python"  # what the Fig 25 prompt's assistant prefill ends with


def extract_program(text: str, entry_point: str, *, fence: str = PREFILL_FENCE) -> str:
    """The program in a completion, through evalplus's sanitizer (fenced blocks, or plain code).

    ``text`` is what the model wrote after the prompt; with the paper's Fig 25 prompt that is after
    the prefill "...tests:\\n```python", so the fence the model closes was opened by the prefill and
    is put back before sanitizing (``fence``: the prompt's opening fence, "" for a prompt without
    one). Text that already opens its own fence, or has none, works too.
    """
    from evalplus.sanitize import sanitize  # here, not at import: it imports `datasets` (about 1 s), and samples given as code never need it

    code = sanitize(restore_prefill(text, fence), entry_point)
    if not code.strip() and FENCE not in text:
        code = sanitize(text, entry_point)
    return code


def program_of_sample(problem: dict[str, Any], sample: dict[str, Any], *, fence: str = PREFILL_FENCE) -> str:
    """The program to run: ``solution`` as is, ``completion`` appended to the prompt, or extracted ``text``."""
    if sample.get("solution") is not None:
        return sample["solution"]
    if sample.get("completion") is not None:
        return problem["question"] + sample["completion"]
    return extract_program(sample.get("text") or "", problem["tests"]["entry_point"], fence=fence)
