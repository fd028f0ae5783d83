"""Stop handling shared by the backends, so both cut and classify completions the same way.

math_eval.py (the paper's code) passes stop strings to vLLM, which cuts the decoded text at the
first occurrence of any of them, and for Qwen models adds the end-of-turn tokens as
``stop_token_ids``. We do the equivalent for every model: a stop string that is exactly one
special token of the tokenizer (``<|im_end|>``, ``<|endoftext|>``, ``</s>``) also becomes a stop
token id. Otherwise such a string could never match, because completions are decoded with
special tokens skipped (as vLLM does by default), and a base model that emits ``<|im_end|>``
would run on to the token limit.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any


def first_stop(text: str, stops: Iterable[str]) -> int:
    """Index of the earliest occurrence of any stop string in ``text``, or -1."""
    best = -1
    for stop in stops:
        if not stop:
            continue
        pos = text.find(stop)
        if pos != -1 and (best == -1 or pos < best):
            best = pos
    return best


def truncate_at_stop(text: str, stops: Iterable[str]) -> tuple[str, bool]:
    """``text`` cut before the first stop string (as math_eval.py / vLLM do), and whether one was found."""
    pos = first_stop(text, stops)
    return (text, False) if pos == -1 else (text[:pos], True)


def special_stop_token_ids(tokenizer: Any, stops: Sequence[str]) -> list[int]:
    """Ids of the tokenizer's special tokens whose text is one of ``stops`` (sorted, unique)."""
    specials = set(getattr(tokenizer, "all_special_tokens", []) or [])
    added = getattr(tokenizer, "get_added_vocab", lambda: {})() or {}
    ids: set[int] = set()
    for stop in stops:
        if stop in specials or stop in added:
            token_id = tokenizer.convert_tokens_to_ids(stop)
            if isinstance(token_id, int) and token_id >= 0 and token_id != getattr(tokenizer, "unk_token_id", None):
                ids.add(token_id)
    return sorted(ids)
