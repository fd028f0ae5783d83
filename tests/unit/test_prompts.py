"""passk.prompts: which prompt, stops and token ids each model family gets (docs/prompts.md)."""

from __future__ import annotations

from typing import Any

import pytest

from passk.errors import ConfigError
from passk.prompts import (
    BASE_STOPS,
    R1_EOS,
    engine_prompt,
    label_template_known,
    label_with_template,
    prompt_prefill,
    prompt_spec,
    prompt_thinks,
    render_prompt,
    run_prompt,
)
from passk.verify.programs import after_thinking, reasoning_program

R1_BOS = "<\uff5cbegin\u2581of\u2581sentence\uff5c>"
R1_TEMPLATE = (
    "{{ bos_token }}{% for m in messages %}{% if m['role'] == 'user' %}{{ '<\uff5cUser\uff5c>' + m['content'] }}{% endif %}"
    "{% endfor %}{% if add_generation_prompt %}{{ '<\uff5cAssistant\uff5c><think>\\n' }}{% endif %}"
)
PROBLEM = {"id": "p", "question": "What is 1 + 1?", "metadata": {"starter_code": ""}}


def _tokenizer(template: str | None, *, adds_bos: bool) -> Any:
    """A word-level tokenizer whose defaults add a BOS (like R1-Distill's, ``add_bos_token: true``) or not."""
    from tokenizers import Tokenizer, pre_tokenizers, processors
    from tokenizers.models import WordLevel
    from transformers import PreTrainedTokenizerFast

    backend = Tokenizer(WordLevel({"[UNK]": 0, R1_BOS: 1, R1_EOS: 2}, unk_token="[UNK]"))
    backend.pre_tokenizer = pre_tokenizers.Whitespace()
    if adds_bos:
        backend.post_processor = processors.TemplateProcessing(single=f"{R1_BOS} $A", special_tokens=[(R1_BOS, 1)])
    tok = PreTrainedTokenizerFast(tokenizer_object=backend, bos_token=R1_BOS, eos_token=R1_EOS, unk_token="[UNK]")
    if template is not None:
        tok.chat_template = template
    return tok


def test_stops_per_family() -> None:
    qwen = prompt_spec("qwen-boxed")
    assert qwen.stops == (*BASE_STOPS, "assistant", "user", "_end", "_start") and qwen.render == "text"
    assert prompt_spec("simplerl-abel").stops == (*BASE_STOPS, "Question:", "Answer:")
    assert prompt_spec("abel").stops == (*BASE_STOPS, "Question:", "Answer:")
    evalplus = prompt_spec(None, "evalplus")
    assert "\n```\n" in evalplus.stops and "\nif __name__" in evalplus.stops and "user" not in evalplus.stops
    assert "###" in prompt_spec(None, "livecodebench").stops
    # reasoning models stop on EOS only: the qwen four would cut a long trace or `range_end` in code
    for prompt in ("model", "livecodebench"):
        assert prompt_spec("r1-distill", prompt, "tokenizer").stops == (R1_EOS,)


def test_reasoning_models_get_their_own_template_no_system_no_prefill() -> None:
    tok = _tokenizer(R1_TEMPLATE, adds_bos=False)
    math = render_prompt(PROBLEM, template="r1-distill", chat="tokenizer", tokenizer=tok)
    assert math == f"{R1_BOS}<\uff5cUser\uff5c>What is 1 + 1?\nPlease reason step by step, and put your final answer within \\boxed{{}}.<\uff5cAssistant\uff5c><think>\n"
    code = render_prompt(PROBLEM, template="r1-distill", prompt="livecodebench", chat="tokenizer", tokenizer=tok)
    assert code.endswith("### Answer: (use the provided format with backticks)\n\n<\uff5cAssistant\uff5c><think>\n")
    assert "You are a helpful assistant." not in code and "```python" not in code.rsplit("<think>", 1)[1]
    spec = run_prompt({"template": "r1-distill", "chat": "tokenizer"}, {"prompt": "livecodebench"})
    assert spec.name == "deepcoder-livecodebench" and spec.thinks and prompt_thinks(spec.name)
    assert prompt_prefill(PROBLEM, spec.name) == "" and prompt_prefill(PROBLEM, "livecodebench") == "```python"
    # a template from before the 2025-02-09 update ends in <｜Assistant｜>: the <think> is added
    old = R1_TEMPLATE.replace("<think>\\n", "")
    assert render_prompt(PROBLEM, template="r1-distill", chat="tokenizer", tokenizer=_tokenizer(old, adds_bos=False)).endswith("<think>\n")


def test_pairs_without_a_prompt_are_refused() -> None:
    with pytest.raises(ConfigError, match="no evalplus prompt"):
        prompt_spec("r1-distill", "evalplus", "tokenizer")
    with pytest.raises(ConfigError, match="chat must be 'tokenizer'"):
        prompt_spec("r1-distill", "model", "chatml")
    with pytest.raises(ConfigError, match="has none"):
        prompt_spec(None, "model")
    with pytest.raises(ConfigError, match="unknown template"):
        prompt_spec("qwen-boxd")


def test_code_prompts_of_the_paper_keep_their_bytes() -> None:
    fig25 = render_prompt({"question": "def f():\n    pass\n"}, template=None, prompt="evalplus")
    assert "```\ndef f():\n    pass\n```\n<|im_end|>" in fig25 and fig25.endswith("tests:\n```python\n")
    fig24 = render_prompt(PROBLEM, template=None, prompt="livecodebench")
    assert "# YOUR CODE HERE\n```\n\n<|im_end|>" in fig24 and fig24.endswith("<|im_start|>assistant\n```python")


def test_engine_prompt_has_exactly_one_bos() -> None:
    text = render_prompt(PROBLEM, template="r1-distill", chat="tokenizer", tokenizer=_tokenizer(R1_TEMPLATE, adds_bos=True))
    tok = _tokenizer(R1_TEMPLATE, adds_bos=True)
    assert tok(text)["input_ids"][:2] == [1, 1]  # what the engine would have seen: a doubled BOS
    sent, ids = engine_prompt(text, tok, chat_template=True)
    assert sent == text[len(R1_BOS):] and ids[:2] != [1, 1] and ids[0] == 1
    assert ids == tok(text, add_special_tokens=False)["input_ids"]  # the template's own tokens
    # a tokenizer that adds no BOS: the text goes as rendered
    plain = _tokenizer(R1_TEMPLATE, adds_bos=False)
    assert engine_prompt(text, plain, chat_template=True)[0] == text
    # raw text that carries a BOS of its own, with a tokenizer that adds one: refused
    with pytest.raises(ConfigError, match="two BOS"):
        engine_prompt(R1_BOS + "Question: 1 + 1", tok, chat_template=False)
    # a template that writes no BOS while the tokenizer adds one: the ids would differ, refused
    with pytest.raises(ConfigError, match="other tokens than the template wrote"):
        engine_prompt("no bos here", tok, chat_template=True)


def test_template_labels() -> None:
    known = label_with_template("r1-distill:tokenizer", "56a1447ad31926fdc21fb07e56e5642bd9c850c4f52d8c8af7bbe5f079a84f5f")
    assert known == "r1-distill:tokenizer@56a1447ad319" and label_template_known(known) is True
    assert label_template_known("r1-distill:tokenizer@000000000000") is False
    assert label_template_known("qwen-boxed") is None


@pytest.mark.parametrize(
    ("text", "program", "why"),
    [
        ("think ```python\nx = 1\n```</think>\nAnswer:\n```python\nprint(2)\n```\n", "print(2)", ""),
        ("a</think>b</think>\n```\nprint(3)\n```\nand\n```python\nprint(4)\n```", "print(4)", ""),
        ("```python\nprint(1)\n```\nstill thinking, cut at the length limit", "", "no </think>"),
        ("done</think>\nThe answer is 4.", "", "no complete code block"),
        ("done</think>\n```python\nprint(5)\n", "", "no complete code block"),  # the closing fence was cut
    ],
)
def test_reasoning_program_is_the_last_block_after_think(text: str, program: str, why: str) -> None:
    got, reason = reasoning_program(text)
    assert got == program and reason.startswith(why)
    assert (after_thinking(text) is None) == (why == "no </think>")
