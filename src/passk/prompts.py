"""Prompt templates of the paper (Appendix E and the authors' math_eval code) and their stop strings.

Math templates are plain strings with an ``{input}`` slot, exactly as in
``math/examples/math_eval/utils.py`` of LeapLabTHU/limit-of-RLVR (rendered, then ``.strip(" ")``).
Code prompts (Fig 24 LiveCodeBench, Fig 25 EvalPlus) are chat messages with an assistant prefill;
they are rendered either in ChatML (what Qwen models use) or through the tokenizer's own chat
template (``chat: tokenizer`` in a model's config), which suits other instruct models.

A model names its math template in config; a benchmark names the message prompt it needs (or
``model`` to use the model's template). ``stop_strings`` follows math_eval.py: base stops for every
template plus the template family's own.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from passk.errors import ConfigError

MATH_TEMPLATES: dict[str, str] = {
    # SimpleRL-Zoo models and their bases (paper Fig 21, "SimpleRL Prompt").
    "qwen-boxed": (
        "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n"
        "<|im_start|>user\n{input}\nPlease reason step by step, and put your final answer within \\boxed{{}}.<|im_end|>\n"
        "<|im_start|>assistant\n"
    ),
    # Oat-Zero (paper Fig 22, "Oat Prompt").
    "qwen25-math-cot": (
        "<|im_start|>system\nPlease reason step by step, and put your final answer within \\boxed{{}}.<|im_end|>\n"
        "<|im_start|>user\n{input}<|im_end|>\n"
        "<|im_start|>assistant\n"
    ),
    # DAPO-Qwen-32B and its base in Fig 10 (not printed in the paper; from the authors' code).
    "abel": (
        "A conversation between user and assistant. The user asks a question, and the assistant solves it. "
        "The time limit is set to 20,480 tokens. If the assistant's response exceeds this limit, a progressively "
        "increasing penalty with the number of tokens exceeded will be applied.\nuser\nSolve the following math "
        "problem step by step. The last line of your response should be of the form Answer: $Answer (without quotes) "
        "where $Answer is the answer to the problem.\n{input}\nRemember to put your answer on its own line after "
        '"Answer:".\nassistant'
    ),
    # VeRL prompt of Sec. 4 (paper Fig 27); the code's version, with the period after {input}.
    "deepseek-r1": (
        "A conversation between User and Assistant. The user asks a question, and the Assistant solves it. "
        "The assistant first thinks about the reasoning process in the mind and then provides the user with the "
        "answer. The reasoning process and answer are enclosed within <think> </think> and <answer> </answer> tags, "
        "respectively, i.e., <think> reasoning process here </think> <answer> answer here </answer>. "
        "User: {input}. Assistant:"
    ),
    # No-CoT "direct answer" prompt for the guessability filter (paper App. D.2, Fig 12: Qwen2.5-7B
    # sampled "without CoT"). The paper does not print its no-CoT prompt, so this wording is our
    # choice: qwen-boxed's chat frame, asking for the boxed answer at once with no reasoning. It
    # starts with "qwen", so it gets the qwen family's stop strings. Sample it with a small
    # max_tokens, so a model that reasons anyway is cut off instead of counting as a guess.
    "qwen-boxed-direct": (
        "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n"
        "<|im_start|>user\n{input}\nDo not reason or show any work. Immediately give only your final answer "
        "within \\boxed{{}}.<|im_end|>\n"
        "<|im_start|>assistant\n"
    ),
}

BASE_STOPS = ["</s>", "<|im_end|>", "<|endoftext|>"]
FAMILY_STOPS = {
    "qwen": ["assistant", "user", "_end", "_start"],
    "abel": ["Question:", "Answer:"],
    "deepseek": ["\nProblem", "User:", "Assistant:", "</answer>", "</s>"],
}

LCB_FORMAT_WITH_STARTER = (
    "You will use the following starter code to write the solution to the problem and enclose your code within delimiters."
)
LCB_FORMAT_WITHOUT_STARTER = (
    "Read the inputs from stdin solve the problem and write the answer to stdout (do not directly test on the sample "
    "inputs). Enclose your code within delimiters as follows. Ensure that when the python program runs, it reads the "
    "inputs, runs the algorithm and writes output to STDOUT."
)


@dataclass(frozen=True)
class Messages:
    """A chat prompt: system and user turns plus the text that starts the assistant's turn."""

    system: str
    user: str
    prefill: str = ""


def evalplus_messages(problem: dict[str, Any]) -> Messages:
    """Paper Fig 25: the EvalPlus chat prompt with its assistant prefill."""
    task = problem["question"].strip()
    return Messages(
        system="You are a helpful assistant.",
        user=(
            "Please provide a self-contained Python script that solves the following problem in a markdown code block:\n"
            f"```\n{task}\n```"
        ),
        prefill="Below is a Python script with a self-contained function that solves the problem and passes corresponding tests:\n```python",
    )


def lcb_messages(problem: dict[str, Any]) -> Messages:
    """Paper Fig 24: the LiveCodeBench prompt, with or without starter code, prefilled with a python fence."""
    starter = (problem.get("metadata") or {}).get("starter_code") or ""
    user = (
        "You will be given a question (problem specification) and will generate a correct Python program that matches "
        "the specification and passes all tests. You will NOT return anything except for the program.\n\n"
        f"Question: {problem['question']}\n\n"
    )
    if starter:
        user += f"### Format:\n{LCB_FORMAT_WITH_STARTER}\n```python\n{starter}\n```"
    else:
        user += f"### Format:\n{LCB_FORMAT_WITHOUT_STARTER}\n```python\n# YOUR CODE HERE\n```"
    return Messages(system="You are a helpful assistant.", user=user, prefill="```python")


# Paper Fig 26 (EasyR1, visual math): the system prompt, then the image before the question.
EASYR1_SYSTEM = (
    "You are Qwen, created by Alibaba Cloud. You are a helpful assistant. You FIRST think about the reasoning process "
    "as an internal monologue and then provide the final answer. The reasoning process MUST BE enclosed within "
    "<think> </think> tags. The final answer MUST BE put in \\boxed{}."
)
# Qwen2-VL's placeholder for one image: vLLM and the transformers processor expand the pad token
# into the image's patch tokens.
IMAGE_PLACEHOLDER = "<|vision_start|><|image_pad|><|vision_end|>"


def easyr1_messages(problem: dict[str, Any]) -> Messages:
    """Paper Fig 26: the EasyR1 system prompt; the user turn is one image placeholder per image of
    the problem, a newline, then the question."""
    images = len(problem.get("images") or []) or 1
    return Messages(system=EASYR1_SYSTEM, user=IMAGE_PLACEHOLDER * images + "\n" + problem["question"])


MESSAGE_PROMPTS: dict[str, Callable[[dict[str, Any]], Messages]] = {
    "evalplus": evalplus_messages,
    "livecodebench": lcb_messages,
    "easyr1": easyr1_messages,
}

CHAT_FORMATS = ("chatml", "tokenizer")


def template_family(template: str) -> str:
    """The stop-string family of a template name (as math_eval.py decides it by prefix)."""
    for family in ("qwen", "abel", "deepseek"):
        if template.startswith(family):
            return family
    return ""


def stop_strings(template: str) -> list[str]:
    """Stop strings for a template: the base three plus the template family's own."""
    return BASE_STOPS + [s for s in FAMILY_STOPS.get(template_family(template), []) if s not in BASE_STOPS]


def render_chatml(messages: Messages) -> str:
    """Render messages in ChatML, the format of Qwen chat models, ending inside the assistant turn."""
    return (
        f"<|im_start|>system\n{messages.system}<|im_end|>\n"
        f"<|im_start|>user\n{messages.user}<|im_end|>\n"
        f"<|im_start|>assistant\n{messages.prefill}"
    )


def render_with_tokenizer(messages: Messages, tokenizer: Any) -> str:
    """Render messages through the tokenizer's chat template, then append the prefill."""
    turns = [{"role": "system", "content": messages.system}, {"role": "user", "content": messages.user}]
    text = tokenizer.apply_chat_template(turns, tokenize=False, add_generation_prompt=True)
    return text + messages.prefill


def render_prompt(problem: dict[str, Any], *, template: str, prompt: str = "model", chat: str = "chatml", tokenizer: Any = None) -> str:
    """The exact prompt text for a problem.

    ``prompt`` is the benchmark's prompt kind: ``model`` renders the model's math ``template``
    around the question; ``evalplus`` or ``livecodebench`` render that benchmark's chat messages
    with the model's ``chat`` format.
    """
    if prompt == "model":
        if template not in MATH_TEMPLATES:
            raise ConfigError(f"template: unknown template {template!r}; known: {sorted(MATH_TEMPLATES)}")
        return MATH_TEMPLATES[template].format(input=problem["question"]).strip(" ")
    if prompt not in MESSAGE_PROMPTS:
        raise ConfigError(f"prompt: unknown prompt kind {prompt!r}; known: {['model', *sorted(MESSAGE_PROMPTS)]}")
    messages = MESSAGE_PROMPTS[prompt](problem)
    if chat == "chatml":
        return render_chatml(messages)
    if chat == "tokenizer":
        if tokenizer is None:
            raise ConfigError("chat: 'tokenizer' needs the model's tokenizer, which was not given")
        return render_with_tokenizer(messages, tokenizer)
    raise ConfigError(f"chat: unknown chat format {chat!r}; known: {list(CHAT_FORMATS)}")


def prompt_prefill(problem: dict[str, Any], prompt: str) -> str:
    """The assistant prefill that a code prompt ends with (needed to rebuild the full program text)."""
    if prompt in MESSAGE_PROMPTS:
        return MESSAGE_PROMPTS[prompt](problem).prefill
    return ""
