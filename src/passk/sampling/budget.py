"""The token budget of a run: the model's context, the longest prompt, and the new tokens that fit.

One rule, used twice: by the plan-time check (``passk.config.fit``, so ``snakemake -n`` fails on a
run that cannot fit before any GPU hour is spent) and by the sample stage (exactly, with the
model's tokenizer, before its engine starts). The paper's own code capped prompt + output at
4096 tokens while asking for 16,384 new ones (PAPER.md §2 (a)); here such a run is refused, or,
with ``max_tokens: fit``, given what the context leaves: the context minus the longest prompt.

- **Context**: the engine's ``max_model_len`` when the config gives one, else the model's declared
  ``context_length``, else its ``config.json`` (``max_position_embeddings``). When ``config.json``
  is at hand, a context beyond it is refused (the model was not trained for it; vLLM refuses too).
- **Prompt length**: tokens, as the engine will see them (``passk.prompts.engine_prompt``), when
  the tokenizer is at hand; otherwise a bound nobody can set too low by hand: the rendered
  prompt's UTF-8 bytes (every token of a byte-level tokenizer covers at least one byte) plus
  ``SPECIAL_TOKEN_SLACK`` for the tokens a tokenizer adds without text (a BOS, a SentencePiece
  prefix), plus ``CHAT_TEMPLATE_SLACK_BYTES`` for a model chat template's own markup when ChatML
  stands in for it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from passk.errors import ConfigError
from passk.models.manifest import model_context_length
from passk.prompts import PromptSpec, engine_prompt, prompt_bound_text, render_spec

SPECIAL_TOKEN_SLACK = 2
CHAT_TEMPLATE_SLACK_BYTES = 512  # the R1 template's markup is 70 bytes; Llama-3.1's date header ~100
DEFAULT_MAX_TOKENS = 16384
FIT = "fit"


@dataclass(frozen=True)
class Context:
    """A model's context in tokens, and where that number comes from."""

    tokens: int
    source: str


@dataclass(frozen=True)
class Longest:
    """The longest prompt of a run: its length, in ``tokens`` or (a bound, in) ``bytes``, and which problem."""

    length: int
    unit: str
    problem_id: str | None
    how: str

    def describe(self) -> str:
        """E.g. ``1204 bytes (bound; problem aime24/3, source data)``."""
        where = f"problem {self.problem_id}, " if self.problem_id else ""
        return f"{self.length} {self.unit} ({where}{self.how})"


def model_context(*, model_name: str, max_model_len: int | None, context_length: int | None, default: int | None = None,
                  model_dir: str | None = None) -> Context:
    """The context of a model (see the module docstring), checked against its ``config.json`` when
    ``model_dir`` holds one. ``default`` stands in for the config.json of weights not built yet
    (tiny models). ConfigError, naming the keys to set, when nothing tells it."""
    local = model_context_length(model_dir) if model_dir else None
    if max_model_len is not None:
        context = Context(int(max_model_len), "backend max_model_len")
    elif context_length is not None:
        context = Context(int(context_length), f"models.{model_name}.context_length")
    elif local is not None:
        context = Context(local, "config.json max_position_embeddings")
    elif default is not None:
        context = Context(int(default), "the tiny model's max_position_embeddings")
    else:
        raise ConfigError(
            f"model {model_name!r}: cannot tell its context length before its weights are local; set "
            f"models.{model_name}.context_length (or the backend's max_model_len)"
        )
    if local is not None and context.tokens > local:
        raise ConfigError(
            f"model {model_name!r}: context {context.tokens} ({context.source}) exceeds the {local} positions of its "
            f"config.json (max_position_embeddings in {model_dir}); lower it"
        )
    return context


def prompt_token_ids(problems: Iterable[Mapping[str, Any]], spec: PromptSpec, tokenizer: Any) -> list[tuple[str, list[int]]]:
    """``(engine prompt text, token ids)`` of every problem, as the engine will see them."""
    return [engine_prompt(render_spec(p, spec, tokenizer), tokenizer, chat_template=spec.chat_template) for p in problems]


def longest_in_tokens(problems: list[Mapping[str, Any]], spec: PromptSpec, tokenizer: Any, how: str) -> Longest:
    """The longest prompt in tokens (the tokenizer at hand)."""
    lengths = [len(ids) for _, ids in prompt_token_ids(problems, spec, tokenizer)]
    i = max(range(len(lengths)), key=lengths.__getitem__)
    return Longest(lengths[i], "tokens", str(problems[i].get("id")), how)


def _bound(text: str, spec: PromptSpec) -> int:
    return len(text.encode("utf-8")) + SPECIAL_TOKEN_SLACK + (CHAT_TEMPLATE_SLACK_BYTES if spec.chat_template else 0)


def longest_in_bytes(problems: list[Mapping[str, Any]], spec: PromptSpec, how: str) -> Longest:
    """A bound on the longest prompt's tokens from its UTF-8 bytes (no tokenizer at hand)."""
    lengths = [_bound(prompt_bound_text(p, spec), spec) for p in problems]
    i = max(range(len(lengths)), key=lengths.__getitem__)
    return Longest(lengths[i], "bytes", str(problems[i].get("id")), f"bound, {how}")


def longest_from_declared(problem_bytes: int, spec: PromptSpec, how: str) -> Longest:
    """The bound for problems not at hand, from their declared longest text (question + starter
    code) of ``problem_bytes``: the prompt around a stand-in problem of that size, with the text in
    the question or (for code) one byte of it in the starter code, whichever renders longer."""
    n = int(problem_bytes)
    stand_ins = [{"question": "x" * n, "metadata": {"starter_code": ""}}, {"question": "x" * max(0, n - 1), "metadata": {"starter_code": "x"}}]
    length = max(_bound(prompt_bound_text(p, spec), spec) for p in stand_ins)
    return Longest(length, "bytes", None, f"bound, {how}")


def resolve_max_tokens(*, model_name: str, benchmark_name: str, policy: int | str | None, context: Context, longest: Longest) -> int:
    """New tokens per completion: ``policy`` itself, or for ``fit`` the context minus the longest
    prompt. ConfigError naming the model, benchmark and numbers when they do not fit."""
    policy = DEFAULT_MAX_TOKENS if policy is None else policy
    where = f"model {model_name!r}, benchmark {benchmark_name!r}"
    if policy == FIT:
        room = context.tokens - longest.length
        if room < 1:
            raise ConfigError(
                f"{where}: max_tokens fit leaves no room: context {context.tokens} ({context.source}) - longest prompt "
                f"{longest.describe()} = {room}; raise the context"
            )
        return room
    if isinstance(policy, bool) or not isinstance(policy, int) or policy < 1:
        raise ConfigError(f"{where}: max_tokens must be an integer >= 1 or {FIT!r}, got {policy!r}")
    if longest.length + policy > context.tokens:
        raise ConfigError(
            f"{where}: longest prompt {longest.describe()} + max_tokens {policy} = {longest.length + policy} > context "
            f"{context.tokens} ({context.source}); lower max_tokens (or set it to {FIT!r}: the context minus the longest "
            "prompt), or raise the context if the model supports it"
        )
    return policy
