"""How every model is prompted on every benchmark kind: text, chat rendering, stop strings, BOS.

The research behind each prompt (which prompt each model of the paper was trained or evaluated
with, each source cited as repository @ commit : path) is ``docs/prompts.md``; the golden prompt
files it produced (``tests/golden/prompts``) are compared with this module byte for byte.

A model's ``template`` names its prompt family, a benchmark's ``prompt`` the benchmark kind
(``model`` for math, ``evalplus`` or ``livecodebench`` for code); ``prompt_spec`` turns the pair
into one :class:`PromptSpec`:

- **Text templates** (``MATH_TEMPLATES``): plain strings with an ``{input}`` slot, exactly as in
  ``math/examples/math_eval/utils.py`` of LeapLabTHU/limit-of-RLVR (rendered, then ``.strip(" ")``).
  Base models get exactly their RL model's prompt (the paper's rule).
- **Code prompts** of the paper (Fig 24 LiveCodeBench, Fig 25 EvalPlus): chat messages with an
  assistant prefill, rendered in ChatML (``chat: chatml``, what Qwen models use) or through the
  model's own chat template (``chat: tokenizer``).
- **Chat-template families** (``CHAT_FAMILIES``, the reasoning models: DeepSeek-R1-Distill and
  DeepCoder): every prompt, math and code, goes through the model's own chat template, with no
  system turn (DeepSeek advises against one), no code-fence prefill (the generation prompt opens
  the model's ``<think>``), stop on EOS only, and the program of a code answer taken after
  ``</think>`` (``passk.verify.programs``).

Tokens: engines tokenize a prompt string with the tokenizer's default special tokens. A chat
template that writes its own BOS (R1's does, and its tokenizer also adds one) would then start
with two; ``engine_prompt`` strips the template's BOS from the text so the engine adds exactly
the one the template meant, and refuses any prompt whose tokens still differ from the template's
or start with two BOS tokens.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from passk.errors import ConfigError

# --------------------------------------------------------------------------------------------
# Math text templates (rendered with .format(input=question), then .strip(" "))
# --------------------------------------------------------------------------------------------

MATH_TEMPLATES: dict[str, str] = {
    # SimpleRL-Zoo Qwen models and their bases (paper Fig 21, "SimpleRL Prompt").
    "qwen-boxed": (
        "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n"
        "<|im_start|>user\n{input}\nPlease reason step by step, and put your final answer within \\boxed{{}}.<|im_end|>\n"
        "<|im_start|>assistant\n"
    ),
    # Oat-Zero and its base (paper Fig 22, "Oat Prompt"); also Qwen2.5-Math-Instruct's official CoT use.
    "qwen25-math-cot": (
        "<|im_start|>system\nPlease reason step by step, and put your final answer within \\boxed{{}}.<|im_end|>\n"
        "<|im_start|>user\n{input}<|im_end|>\n"
        "<|im_start|>assistant\n"
    ),
    # SimpleRL-Zoo's "simple prompt" that its Llama model was trained with (docs/prompts.md §3.2:
    # simpleRL-reason issue #71; the simplelr eval code's 'abel' template). Raw text, no chat frame.
    "simplerl-abel": "Question:\n{input}\nAnswer:\nLet's think step by step.\n",
    # DAPO-Qwen-32B and its base in Fig 10 (not printed in the paper; limit-of-RLVR fd2cf37 'abel').
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

# Where each prompt comes from (shown in figure captions and provenance); docs/prompts.md has the commits.
PROMPT_SOURCES: dict[str, str] = {
    "qwen-boxed": "paper Fig 21",
    "qwen25-math-cot": "paper Fig 22",
    "simplerl-abel": "SimpleRL-Zoo simple prompt",
    "abel": "limit-of-RLVR DAPO prompt",
    "deepseek-r1": "paper Fig 27 (code form)",
    "qwen-boxed-direct": "passk's own (no-CoT prompt not printed)",
    "r1-distill": "model chat template + DeepSeek-R1 usage notes",
    "evalplus": "paper Fig 25",
    "livecodebench": "paper Fig 24",
    "easyr1": "paper Fig 26",
    "deepcoder-livecodebench": "DeepCoder's LCB prompt, model chat template",
}

# --------------------------------------------------------------------------------------------
# Stop strings (math_eval.py: base stops for every template plus the template family's own)
# --------------------------------------------------------------------------------------------

BASE_STOPS = ["</s>", "<|im_end|>", "<|endoftext|>"]
FAMILY_STOPS = {
    "qwen": ["assistant", "user", "_end", "_start"],
    "abel": ["Question:", "Answer:"],
    "deepseek": ["\nProblem", "User:", "Assistant:", "</answer>", "</s>"],
}
# Templates whose stop family is not their name's prefix (math_eval decides by prefix).
TEMPLATE_STOP_FAMILY = {"simplerl-abel": "abel"}
# evalplus provider/utility.py EOS, plus "\n```\n" which its vLLM provider adds for chat models.
EVALPLUS_STOPS = ["<|endofmask|>", "\nif __name__", "\ndef main(", "\nprint(", "\n```\n"]
# lcb_runner's default --stop.
LCB_STOPS = ["###"]

# --------------------------------------------------------------------------------------------
# Code prompts (chat messages)
# --------------------------------------------------------------------------------------------

# lcb_runner PromptConstants (LiveCodeBench @ 28fef95 via the scitix copy; = rllm LCB_* constants).
LCB_SYSTEM_MESSAGE_GENERIC = (
    "You are an expert Python programmer. You will be given a question (problem specification) and will generate "
    "a correct Python program that matches the specification and passes all tests."
)
LCB_FORMAT_WITH_STARTER = (
    "You will use the following starter code to write the solution to the problem and enclose your code within delimiters."
)
LCB_FORMAT_WITHOUT_STARTER = (
    "Read the inputs from stdin solve the problem and write the answer to stdout (do not directly test on the sample "
    "inputs). Enclose your code within delimiters as follows. Ensure that when the python program runs, it reads the "
    "inputs, runs the algorithm and writes output to STDOUT."
)
LCB_CODEQWEN_INSTRUCTION = (
    "You will be given a question (problem specification) and will generate a correct Python program that matches "
    "the specification and passes all tests. You will NOT return anything except for the program."
)
# evalplus codegen.py instruction / response prefixes (paper Fig 25).
EVALPLUS_INSTRUCTION = "Please provide a self-contained Python script that solves the following problem in a markdown code block:"
EVALPLUS_RESPONSE = "Below is a Python script with a self-contained function that solves the problem and passes corresponding tests:"
# DeepSeek-R1 README "Usage Recommendations": the math directive goes in the user turn.
R1_MATH_DIRECTIVE = "Please reason step by step, and put your final answer within \\boxed{}."
R1_EOS = "<\uff5cend\u2581of\u2581sentence\uff5c>"  # <｜end▁of▁sentence｜>, id 151643

# sha256 of the chat templates whose text was traced to a source (tests/golden/chat_templates,
# SOURCES.md there): a model whose template hashes to one of these is rendered as verified.
KNOWN_CHAT_TEMPLATES: dict[str, str] = {
    "56a1447ad31926fdc21fb07e56e5642bd9c850c4f52d8c8af7bbe5f079a84f5f": "deepseek-r1-distill-qwen (after the 2025-02-09 HF update)",
}


@dataclass(frozen=True)
class Messages:
    """A chat prompt: an optional system turn, the user turn, and text that starts the assistant's turn."""

    user: str
    system: str | None = None
    prefill: str = ""


def _starter(problem: Mapping[str, Any]) -> str:
    return str((problem.get("metadata") or {}).get("starter_code") or "")


def evalplus_messages(problem: Mapping[str, Any]) -> Messages:
    """Paper Fig 25 with evalplus ``make_raw_chat_prompt``'s bytes: the user turn ends in a newline
    after the closing fence, and the prefill ends in "```python\\n"."""
    return Messages(
        system="You are a helpful assistant.",
        user=f"{EVALPLUS_INSTRUCTION}\n```\n{str(problem['question']).strip()}\n```\n",
        prefill=f"{EVALPLUS_RESPONSE}\n```python\n",
    )


def lcb_messages(problem: Mapping[str, Any]) -> Messages:
    """Paper Fig 24 (as PAPER.md transcribes it), with lcb_runner's blank line before the end of
    the user turn, prefilled with a python fence."""
    starter = _starter(problem)
    user = f"{LCB_CODEQWEN_INSTRUCTION}\n\nQuestion: {problem['question']}\n\n"
    if starter:
        user += f"### Format:\n{LCB_FORMAT_WITH_STARTER}\n```python\n{starter}\n```"
    else:
        user += f"### Format:\n{LCB_FORMAT_WITHOUT_STARTER}\n```python\n# YOUR CODE HERE\n```"
    return Messages(system="You are a helpful assistant.", user=user + "\n\n", prefill="```python")


# Paper Fig 26 (EasyR1, visual math): the system prompt, then the image before the question.
EASYR1_SYSTEM = (
    "You are Qwen, created by Alibaba Cloud. You are a helpful assistant. You FIRST think about the reasoning process "
    "as an internal monologue and then provide the final answer. The reasoning process MUST BE enclosed within "
    "<think> </think> tags. The final answer MUST BE put in \\boxed{}."
)
# Qwen2-VL's placeholder for one image: vLLM and the transformers processor expand the pad token
# into the image's patch tokens.
IMAGE_PLACEHOLDER = "<|vision_start|><|image_pad|><|vision_end|>"


def easyr1_messages(problem: Mapping[str, Any]) -> Messages:
    """Paper Fig 26: the EasyR1 system prompt; the user turn is one image placeholder per image of
    the problem, a newline, then the question."""
    images = len(problem.get("images") or []) or 1
    return Messages(system=EASYR1_SYSTEM, user=IMAGE_PLACEHOLDER * images + "\n" + problem["question"])


def deepcoder_lcb_messages(problem: Mapping[str, Any]) -> Messages:
    """DeepCoder's LiveCodeBench prompt (rllm ``fetch_live_code_bench_system_prompt``): one user
    turn, no system turn, no prefill. Its "### Format:" follows the question with no separator,
    as rllm's concatenation does (docs/prompts.md §3.6)."""
    starter = _starter(problem)
    user = LCB_SYSTEM_MESSAGE_GENERIC + "\n\n" + str(problem["question"])
    if starter:
        user += f"### Format: {LCB_FORMAT_WITH_STARTER}\n```python\n{starter}\n```\n\n"
    else:
        user += f"### Format: {LCB_FORMAT_WITHOUT_STARTER}\n```python\n# YOUR CODE HERE\n```\n\n"
    return Messages(user=user + "### Answer: (use the provided format with backticks)\n\n")


def r1_math_messages(problem: Mapping[str, Any]) -> Messages:
    """DeepSeek-R1's math use: the question, a newline (passk's choice) and the directive, in the user turn."""
    return Messages(user=f"{problem['question']}\n{R1_MATH_DIRECTIVE}")


# Message prompts by name (code benchmarks; easyr1, visual math): the message builder and the stop
# strings added to BASE_STOPS.
CODE_PROMPTS: dict[str, tuple[Callable[[Mapping[str, Any]], Messages], list[str]]] = {
    "evalplus": (evalplus_messages, EVALPLUS_STOPS),
    "livecodebench": (lcb_messages, LCB_STOPS),
    "easyr1": (easyr1_messages, []),
}
# Benchmark prompt kinds a config may name (besides "model", the model's math template).
BENCHMARK_PROMPTS = tuple(CODE_PROMPTS)
CHAT_FORMATS = ("chatml", "tokenizer")


@dataclass(frozen=True)
class ChatFamily:
    """Models prompted through their own chat template for every benchmark kind."""

    math: Callable[[Mapping[str, Any]], Messages]
    code: dict[str, tuple[str, Callable[[Mapping[str, Any]], Messages]]]  # benchmark kind -> (prompt name, builder)
    stops: tuple[str, ...]
    generation_prompt: str = ""  # what the assistant turn must open with (appended if the template does not)
    thinks: bool = False  # the answer follows the reasoning's closing </think>


CHAT_FAMILIES: dict[str, ChatFamily] = {
    # DeepSeek-R1-Distill-Qwen-7B/14B (Figs 3, 7) and DeepCoder-14B-Preview (Fig 3).
    "r1-distill": ChatFamily(
        math=r1_math_messages,
        code={"livecodebench": ("deepcoder-livecodebench", deepcoder_lcb_messages)},
        stops=(R1_EOS,),
        generation_prompt="<think>\n",
        thinks=True,
    ),
}
TEMPLATES = (*MATH_TEMPLATES, *CHAT_FAMILIES)


# --------------------------------------------------------------------------------------------
# One (model, benchmark) -> one prompt
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PromptSpec:
    """How one model is prompted on one benchmark kind.

    ``name`` is the prompt's registry name (a math template, ``evalplus``, ``livecodebench``,
    ``deepcoder-livecodebench``); ``render`` is ``text`` (a math template string), ``chatml`` or
    ``chat_template`` (the model's own); ``label`` is what the samples' ``template`` column records.
    """

    name: str
    render: str
    label: str
    stops: tuple[str, ...]
    source: str
    text: str | None = None
    messages: Callable[[Mapping[str, Any]], Messages] | None = field(default=None, compare=False)
    generation_prompt: str = ""
    thinks: bool = False

    @property
    def chat_template(self) -> bool:
        """Whether the model's own chat template renders it (so the tokenizer is needed)."""
        return self.render == "chat_template"


def template_family(template: str) -> str:
    """The stop-string family of a template name (as math_eval.py decides it, by prefix)."""
    if template in TEMPLATE_STOP_FAMILY:
        return TEMPLATE_STOP_FAMILY[template]
    for family in ("qwen", "abel", "deepseek"):
        if template.startswith(family):
            return family
    return ""


def stop_strings(template: str) -> list[str]:
    """Stop strings of a math text template: the base three plus the template family's own."""
    if template in CHAT_FAMILIES:
        return list(CHAT_FAMILIES[template].stops)
    return BASE_STOPS + [s for s in FAMILY_STOPS.get(template_family(template), []) if s not in BASE_STOPS]


def prompt_spec(template: str | None, prompt: str = "model", chat: str | None = None) -> PromptSpec:
    """The prompt of a model (its ``template`` and ``chat`` format) on a benchmark of prompt kind ``prompt``.

    ConfigError, naming what is missing, for a pair that has no prompt: a math benchmark for a
    model without a template, or a code benchmark that a chat family has no sourced prompt for.
    """
    if template and template not in TEMPLATES:
        raise ConfigError(f"template: unknown template {template!r}; known: {sorted(TEMPLATES)}")
    family = CHAT_FAMILIES.get(template or "")
    if family is not None and chat not in (None, "tokenizer"):
        raise ConfigError(f"template {template!r} is rendered with the model's own chat template; chat must be 'tokenizer', not {chat!r}")
    chat = chat or ("tokenizer" if family is not None else "chatml")
    if chat not in CHAT_FORMATS:
        raise ConfigError(f"chat: unknown chat format {chat!r}; known: {list(CHAT_FORMATS)}")
    if prompt == "model":
        if template is None:
            raise ConfigError("a math benchmark uses the model's template, but the model has none (set its template)")
        if family is not None:
            return PromptSpec(template, "chat_template", f"{template}:tokenizer", family.stops, PROMPT_SOURCES[template],
                              messages=family.math, generation_prompt=family.generation_prompt, thinks=family.thinks)
        return PromptSpec(template, "text", template, tuple(stop_strings(template)), PROMPT_SOURCES[template], text=MATH_TEMPLATES[template])
    if prompt not in CODE_PROMPTS:
        raise ConfigError(f"prompt: unknown prompt kind {prompt!r}; known: {['model', *BENCHMARK_PROMPTS]}")
    if family is not None:
        if prompt not in family.code:
            raise ConfigError(f"template {template!r} has no {prompt} prompt (none was found in its authors' code; see docs/prompts.md)")
        name, builder = family.code[prompt]
        return PromptSpec(name, "chat_template", f"{name}:tokenizer", family.stops, PROMPT_SOURCES[name],
                          messages=builder, generation_prompt=family.generation_prompt, thinks=family.thinks)
    builder, extra = CODE_PROMPTS[prompt]
    stops = tuple(BASE_STOPS + [s for s in extra if s not in BASE_STOPS])
    return PromptSpec(prompt, "chat_template" if chat == "tokenizer" else "chatml", f"{prompt}:{chat}", stops,
                      PROMPT_SOURCES[prompt], messages=builder)


def run_prompt(model: Mapping[str, Any], benchmark: Mapping[str, Any]) -> PromptSpec:
    """The prompt of a model config entry on a benchmark config entry."""
    return prompt_spec(model.get("template"), str(benchmark.get("prompt", "model")), model.get("chat"))


# --------------------------------------------------------------------------------------------
# Rendering
# --------------------------------------------------------------------------------------------


def render_chatml(messages: Messages) -> str:
    """Render messages in ChatML, the format of Qwen chat models, ending inside the assistant turn."""
    system = "" if messages.system is None else f"<|im_start|>system\n{messages.system}<|im_end|>\n"
    return f"{system}<|im_start|>user\n{messages.user}<|im_end|>\n<|im_start|>assistant\n{messages.prefill}"


def render_with_tokenizer(messages: Messages, tokenizer: Any, generation_prompt: str = "") -> str:
    """Render messages through the tokenizer's chat template (``add_generation_prompt=True``); the
    assistant turn then opens with ``generation_prompt`` (unless the template already wrote it)
    and the prefill."""
    turns = ([] if messages.system is None else [{"role": "system", "content": messages.system}]) + [{"role": "user", "content": messages.user}]
    text = tokenizer.apply_chat_template(turns, tokenize=False, add_generation_prompt=True)
    if generation_prompt and not text.endswith(generation_prompt):
        text += generation_prompt  # templates before the R1 update of 2025-02-09 end in <｜Assistant｜>
    return text + messages.prefill


def render_spec(problem: Mapping[str, Any], spec: PromptSpec, tokenizer: Any = None) -> str:
    """The exact prompt text of ``spec`` for a problem (the tokenizer renders chat-template prompts)."""
    if spec.render == "text":
        assert spec.text is not None
        return spec.text.format(input=problem["question"]).strip(" ")
    assert spec.messages is not None
    messages = spec.messages(problem)
    if spec.render == "chatml":
        return render_chatml(messages)
    if tokenizer is None:
        raise ConfigError(f"prompt {spec.name!r} is rendered with the model's chat template, which needs its tokenizer")
    return render_with_tokenizer(messages, tokenizer, spec.generation_prompt)


def render_prompt(problem: Mapping[str, Any], *, template: str | None, prompt: str = "model", chat: str | None = None,
                  tokenizer: Any = None) -> str:
    """The exact prompt text for a problem, for a model's ``template``/``chat`` on a benchmark of kind ``prompt``."""
    return render_spec(problem, prompt_spec(template, prompt, chat), tokenizer)


def prompt_bound_text(problem: Mapping[str, Any], spec: PromptSpec) -> str:
    """A stand-in for the prompt text when the model's tokenizer (and chat template) is not at
    hand: chat-template prompts are drawn in ChatML, whose markup the size bound of the plan-time
    check then pads (``passk.config.fit``)."""
    if spec.render != "chat_template":
        return render_spec(problem, spec)
    assert spec.messages is not None
    return render_chatml(spec.messages(problem)) + spec.generation_prompt


def prompt_prefill(problem: Mapping[str, Any], prompt: str) -> str:
    """The assistant prefill a code prompt ends with (needed to rebuild the full program text);
    ``prompt`` is a code prompt's name (``evalplus``, ``livecodebench``, ``deepcoder-livecodebench``)."""
    if prompt in CODE_PROMPTS:
        return CODE_PROMPTS[prompt][0](problem).prefill
    for family in CHAT_FAMILIES.values():
        for name, builder in family.code.values():
            if name == prompt:
                return builder(problem).prefill
    return ""


def prompt_thinks(prompt: str) -> bool:
    """Whether the answer of a code prompt follows the model's reasoning (``</think>``)."""
    return any(name == prompt and family.thinks for family in CHAT_FAMILIES.values() for name, _ in family.code.values())


def chat_template_sha256(tokenizer: Any) -> str | None:
    """sha256 of the tokenizer's chat template text (None if it has none)."""
    template = getattr(tokenizer, "chat_template", None)
    if not isinstance(template, str):
        return None
    return hashlib.sha256(template.encode("utf-8")).hexdigest()


def label_with_template(label: str, sha256: str | None) -> str:
    """The samples' ``template`` label of a chat-template prompt: ``{label}@{first 12 hex of the template's sha256}``."""
    return label if sha256 is None else f"{label}@{sha256[:12]}"


def label_template_known(label: str) -> bool | None:
    """For a ``{label}@{sha12}`` sample label: whether that chat template is one traced to a source
    (``KNOWN_CHAT_TEMPLATES``); None for labels of prompts that use no model chat template."""
    if "@" not in label:
        return None
    prefix = label.rsplit("@", 1)[1]
    return any(sha.startswith(prefix) for sha in KNOWN_CHAT_TEMPLATES)


# --------------------------------------------------------------------------------------------
# Tokens: what the engine will see
# --------------------------------------------------------------------------------------------


def engine_prompt(text: str, tokenizer: Any, *, chat_template: bool) -> tuple[str, list[int]]:
    """The prompt string to hand to an engine, and its token ids, with exactly one BOS.

    Engines (vLLM, transformers) tokenize a prompt with the tokenizer's default special tokens.
    For a chat-template prompt the intended ids are the template text's own tokens (what
    ``apply_chat_template(tokenize=True)`` and verl use); a template that writes the BOS itself,
    with a tokenizer that also adds one, would get two. Then the template's BOS is left out of the
    string, so the engine's one is the only one. ConfigError if the ids still differ from the
    template's, or if any prompt starts with two BOS tokens.
    """
    ids = list(tokenizer(text)["input_ids"])
    if chat_template:
        intended = list(tokenizer(text, add_special_tokens=False)["input_ids"])
        bos = getattr(tokenizer, "bos_token", None)
        if ids != intended and bos and text.startswith(bos):
            stripped = text[len(bos):]
            if list(tokenizer(stripped)["input_ids"]) == intended:
                text, ids = stripped, intended
        if ids != intended:
            raise ConfigError(
                f"the chat template's prompt would reach the engine as other tokens than the template wrote "
                f"(first ids {ids[:4]} vs {intended[:4]}): the tokenizer adds special tokens the template does not expect"
            )
    bos_id = getattr(tokenizer, "bos_token_id", None)
    if bos_id is not None and len(ids) >= 2 and ids[0] == ids[1] == bos_id:
        raise ConfigError(f"the prompt starts with two BOS tokens ({bos_id}, {bos_id}): the text holds a BOS and the tokenizer adds another")
    return text, ids
