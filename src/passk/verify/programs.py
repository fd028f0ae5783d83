"""The program in a code completion: the prompt's prefill put back, then the fenced block.

Code prompts (paper Figs 24 and 25) end the assistant turn with an opening fence ("```python"),
so what the model writes is the *inside* of a block the prompt opened. Both code families read a
completion the same way up to here; then EvalPlus sanitizes the body for its entry point and
LiveCodeBench takes the last fenced block (``last_fenced_block``). A reasoning model's answer
(prompts with no prefill, whose generation opens the model's ``<think>``) is read after its
``</think>`` (``reasoning_program``).
"""

from __future__ import annotations

import re

FENCE = "```"


def opening_fence(prefill: str) -> str:
    """The code fence a prompt's prefill ends with ("```python"), or "" when it opens none."""
    last = prefill.rstrip("\n").rsplit("\n", 1)[-1]
    return last if last.startswith(FENCE) else ""


def restore_prefill(text: str, fence: str) -> str:
    """``text`` with the prompt's opening ``fence`` put back in front, unless it opens its own."""
    if not fence or text.lstrip().startswith(FENCE):
        return text
    return fence + ("" if text.startswith(("\n", "\r\n")) else "\n") + text


def last_fenced_block(body: str) -> str:
    """The last fenced block of ``body``: between the last two fence lines; after the only one when
    the closing fence was cut (a stop string or the length limit); ``body`` itself with no fence."""
    lines = body.split("\n")
    fences = [i for i, line in enumerate(lines) if FENCE in line]
    if len(fences) >= 2:
        return "\n".join(lines[fences[-2] + 1 : fences[-1]])
    if len(fences) == 1:
        return "\n".join(lines[fences[0] + 1 :])
    return body


THINK_END = "</think>"
_COMPLETE_BLOCK = re.compile(r"```(?:\w+)?\n(.*?)```", re.DOTALL)


def after_thinking(text: str) -> str | None:
    """What a reasoning model answered: the text after its last ``</think>``, or None when the
    response never closed its reasoning (it was cut by the length limit while thinking)."""
    head, sep, tail = text.rpartition(THINK_END)
    return tail if sep else None


def reasoning_program(text: str) -> tuple[str, str]:
    """``(program, why)`` of a reasoning model's code answer: the last complete fenced block after
    ``</think>`` (DeepCoder's block rule, rllm ``extract_code_from_model``: language tag optional, a
    newline after it, stripped), or ``("", reason)`` when there is none.

    Blocks inside the reasoning are drafts the model had not committed to: a response cut while
    thinking has no answer, even when a draft in its reasoning would pass (docs/prompts.md §3.6).
    """
    answer = after_thinking(text)
    if answer is None:
        return "", "no </think>: the response ended inside its reasoning"
    blocks = _COMPLETE_BLOCK.findall(answer)
    if not blocks:
        return "", "no complete code block after </think>"
    return blocks[-1].strip(), ""
