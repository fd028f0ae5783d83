#!/usr/bin/env python3
"""Regenerate (or check) the golden prompt files in ``tests/golden/prompts/``.

Every golden is the exact prompt text one model family gets for one fixed example problem.
Sources and the reasoning behind each one are in ``docs/prompts.md``; the chat templates and
where they come from are in ``tests/golden/chat_templates/`` and its ``SOURCES.md``.

Two kinds of golden:

* **paper** – the paper prints the prompt (Figs 21, 22, 24, 25) or the authors' code holds it as a
  plain string (``math_eval`` templates). The golden is that text with the example problem put in.
  Small whitespace details the paper's figure cannot show are taken from the code the figure was
  made with (evalplus ``make_raw_chat_prompt``; ``lcb_runner``'s blank line before ``<|im_end|>``).
* **chat template** – the model's own chat template (a ``.jinja`` file here, byte-exact copy of the
  model's ``tokenizer_config.json`` ``chat_template``) rendered by transformers'
  ``apply_chat_template`` with ``add_generation_prompt=True``.

Example problems (fixed, from ``$PASSK_DATA_DIR``, default ``<repo>/../shared/data``):

* math: MATH500 ``math/math500/test.jsonl`` line 0 (``problem``; unique_id test/precalculus/807.json)
* evalplus: HumanEval+ ``HumanEval/0`` (``humaneval_plus/HumanEvalPlus-v0.1.10.jsonl.gz``)
* livecodebench: ``livecodebench/deepcoder_lcb_2408_2501_public_tests.json.gz`` entry 0 (stdin
  problem, no starter code) and the first entry with starter code (functional/LeetCode problem)

Usage::

    .venv/bin/python tests/golden/make_golden.py          # (re)write the golden files
    .venv/bin/python tests/golden/make_golden.py --check  # exit 1 if any file differs

Deterministic: no randomness, no network; output depends only on the data files, the templates
and the transformers Jinja renderer (rendered with transformers 5.24.0).
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import os
import sys
from pathlib import Path
from typing import Any, Callable

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
TEMPLATES = HERE / "chat_templates"
PROMPTS = HERE / "prompts"

# --------------------------------------------------------------------------------------------
# Prompt text (data). Each constant names its source; see docs/prompts.md for commits and paths.
# --------------------------------------------------------------------------------------------

# limit-of-RLVR math_eval PROMPT_TEMPLATES (= simpleRL / Qwen2.5-Math evaluation utils.py);
# paper Fig 21 ("SimpleRL Prompt"). Rendered with .format(input=q).strip(" ").
QWEN_BOXED = (
    "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n"
    "<|im_start|>user\n{input}\nPlease reason step by step, and put your final answer within \\boxed{{}}.<|im_end|>\n"
    "<|im_start|>assistant\n"
)
# Paper Fig 22 ("Oat Prompt"); = simplelr/Qwen2.5-Math 'qwen25-math-cot'; = understand-r1-zero
# apply_qwen_math_template (Oat-Zero's training template); = Qwen2.5-Math-Instruct's official CoT use.
QWEN25_MATH_COT = (
    "<|im_start|>system\nPlease reason step by step, and put your final answer within \\boxed{{}}.<|im_end|>\n"
    "<|im_start|>user\n{input}<|im_end|>\n"
    "<|im_start|>assistant\n"
)
# SimpleRL-Zoo "simple prompt" (the simplelr_abel_* training data) as the simpleRL eval code spells
# it: PROMPT_TEMPLATES["abel"] in examples/simplelr_math_eval/utils.py (and in QwenLM/Qwen2.5-Math
# evaluation/utils.py). NOT the limit-of-RLVR "abel", which that repo rewrote into the DAPO prompt.
SIMPLERL_ABEL = "Question:\n{input}\nAnswer:\nLet's think step by step.\n"
# limit-of-RLVR @ fd2cf37 utils.py "abel" (DAPO-Qwen-32B and its base, Fig 10); text as in PAPER.md §2.
DAPO_ABEL = (
    "A conversation between user and assistant. The user asks a question, and the assistant solves it. "
    "The time limit is set to 20,480 tokens. If the assistant's response exceeds this limit, a progressively "
    "increasing penalty with the number of tokens exceeded will be applied.\nuser\nSolve the following math "
    "problem step by step. The last line of your response should be of the form Answer: $Answer (without quotes) "
    "where $Answer is the answer to the problem.\n{input}\nRemember to put your answer on its own line after "
    '"Answer:".\nassistant'
)
# passk's own no-CoT prompt for Fig 12's guessability filter (the paper does not print one): no source.
QWEN_BOXED_DIRECT = (
    "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n"
    "<|im_start|>user\n{input}\nDo not reason or show any work. Immediately give only your final answer "
    "within \\boxed{{}}.<|im_end|>\n"
    "<|im_start|>assistant\n"
)
# limit-of-RLVR / simplelr "deepseek-r1" (the code's version of paper Fig 27: "User: {input}. Assistant:").
VERL_R1 = (
    "A conversation between User and Assistant. The user asks a question, and the Assistant solves it. "
    "The assistant first thinks about the reasoning process in the mind and then provides the user with the "
    "answer. The reasoning process and answer are enclosed within <think> </think> and <answer> </answer> tags, "
    "respectively, i.e., <think> reasoning process here </think> <answer> answer here </answer>. "
    "User: {input}. Assistant:"
)

# DeepSeek-R1 README "Usage Recommendations" item 3: the math directive goes in the user turn.
R1_MATH_DIRECTIVE = "Please reason step by step, and put your final answer within \\boxed{}."

# evalplus codegen.py instruction/response prefixes (paper Fig 25).
EVALPLUS_INSTRUCTION_PREFIX = (
    "Please provide a self-contained Python script that solves the following problem in a markdown code block:"
)
EVALPLUS_RESPONSE_PREFIX = (
    "Below is a Python script with a self-contained function that solves the problem and passes corresponding tests:"
)

# LiveCodeBench constants (lcb_runner PromptConstants at 28fef95 = rllm/system_prompts.py LCB_*).
LCB_SYSTEM_MESSAGE_GENERIC = (
    "You are an expert Python programmer. You will be given a question (problem specification) and will generate "
    "a correct Python program that matches the specification and passes all tests."
)
LCB_FORMATTING_WITH_STARTER = (
    "You will use the following starter code to write the solution to the problem and enclose your code within "
    "delimiters."
)
LCB_FORMATTING_WITHOUT_STARTER = (
    "Read the inputs from stdin solve the problem and write the answer to stdout (do not directly test on the "
    "sample inputs). Enclose your code within delimiters as follows. Ensure that when the python program runs, it "
    "reads the inputs, runs the algorithm and writes output to STDOUT."
)
# lcb_runner get_codeqwen_question_template_answer / paper Fig 24 opening sentence.
LCB_CODEQWEN_INSTRUCTION = (
    "You will be given a question (problem specification) and will generate a correct Python program that matches "
    "the specification and passes all tests. You will NOT return anything except for the program."
)

R1_BOS = "<\uff5cbegin\u2581of\u2581sentence\uff5c>"
R1_EOS = "<\uff5cend\u2581of\u2581sentence\uff5c>"

# --------------------------------------------------------------------------------------------
# Example problems
# --------------------------------------------------------------------------------------------


def data_dir() -> Path:
    env = os.environ.get("PASSK_DATA_DIR")
    return Path(env) if env else (REPO.parent / "shared" / "data")


def load_examples() -> dict[str, Any]:
    d = data_dir()
    with open(d / "math" / "math500" / "test.jsonl", encoding="utf-8") as f:
        math0 = json.loads(f.readline())
    he0 = None
    with gzip.open(d / "humaneval_plus" / "HumanEvalPlus-v0.1.10.jsonl.gz", "rt", encoding="utf-8") as f:
        for line in f:
            rec = json.loads(line)
            if rec["task_id"] == "HumanEval/0":
                he0 = rec
                break
    if he0 is None:
        raise SystemExit("HumanEval/0 not found")
    with gzip.open(d / "livecodebench" / "deepcoder_lcb_2408_2501_public_tests.json.gz", "rt", encoding="utf-8") as f:
        lcb = json.load(f)
    func_idx = next(i for i, r in enumerate(lcb) if r.get("starter_code"))
    return {
        "math": {"id": f"math500/0 ({math0['unique_id']})", "question": math0["problem"]},
        "evalplus": {"id": he0["task_id"], "prompt": he0["prompt"]},
        "lcb_stdin": {"id": "deepcoder_lcb_2408_2501 entry 0", "question": lcb[0]["problem"], "starter": lcb[0]["starter_code"] or ""},
        "lcb_func": {
            "id": f"deepcoder_lcb_2408_2501 entry {func_idx}",
            "question": lcb[func_idx]["problem"],
            "starter": lcb[func_idx]["starter_code"],
        },
    }


# --------------------------------------------------------------------------------------------
# Renderers
# --------------------------------------------------------------------------------------------


def chatml(system: str, user: str, prefill: str = "") -> str:
    """ChatML with a system turn, ending inside the assistant turn (Qwen format, as the paper prints it)."""
    return (
        f"<|im_start|>system\n{system}<|im_end|>\n"
        f"<|im_start|>user\n{user}<|im_end|>\n"
        f"<|im_start|>assistant\n{prefill}"
    )


_TOKENIZERS: dict[str, Any] = {}


def template_tokenizer(template_file: str, bos: str, eos: str) -> Any:
    """A throw-away tokenizer that carries only what a chat template reads (``bos_token``/``eos_token``
    and the template text of ``chat_templates/{template_file}``); the golden test renders passk's
    prompts through it too."""
    from tokenizers import Tokenizer
    from tokenizers.models import WordLevel
    from transformers import PreTrainedTokenizerFast

    key = f"{template_file}|{bos}|{eos}"
    tok = _TOKENIZERS.get(key)
    if tok is None:
        backend = Tokenizer(WordLevel({"[UNK]": 0, bos: 1, eos: 2}, unk_token="[UNK]"))
        tok = PreTrainedTokenizerFast(tokenizer_object=backend, bos_token=bos, eos_token=eos, unk_token="[UNK]")
        tok.chat_template = (TEMPLATES / template_file).read_text(encoding="utf-8")
        _TOKENIZERS[key] = tok
    return tok


def apply_chat_template(template_file: str, messages: list[dict[str, str]], bos: str, eos: str) -> str:
    """Render ``messages`` with transformers' own ``apply_chat_template`` from the template text
    (``tokenize=False``, so no vocabulary is involved)."""
    tok = template_tokenizer(template_file, bos, eos)
    out = tok.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
    assert isinstance(out, str)
    return out


def deepcoder_lcb_user(question: str, starter: str) -> str:
    """rllm ``fetch_live_code_bench_system_prompt`` (DeepCoder's LiveCodeBench prompt, one user turn)."""
    prompt = LCB_SYSTEM_MESSAGE_GENERIC + "\n\n" + question
    if starter:
        prompt += f"### Format: {LCB_FORMATTING_WITH_STARTER}\n"
        prompt += f"```python\n{starter}\n```\n\n"
    else:
        prompt += f"### Format: {LCB_FORMATTING_WITHOUT_STARTER}\n"
        prompt += "```python\n# YOUR CODE HERE\n```\n\n"
    prompt += "### Answer: (use the provided format with backticks)\n\n"
    return prompt


def paper_fig24_user(question: str, starter: str) -> str:
    """Paper Fig 24 user turn as PAPER.md §2 transcribes it, plus lcb_runner's blank line before <|im_end|>."""
    user = f"{LCB_CODEQWEN_INSTRUCTION}\n\nQuestion: {question}\n\n"
    if starter:
        user += f"### Format:\n{LCB_FORMATTING_WITH_STARTER}\n```python\n{starter}\n```"
    else:
        user += f"### Format:\n{LCB_FORMATTING_WITHOUT_STARTER}\n```python\n# YOUR CODE HERE\n```"
    return user + "\n\n"


def lcb_runner_codeqwen(question: str, starter: str) -> str:
    """lcb_runner LMStyle.CodeQwenInstruct prompt (SYSTEM_MESSAGE_CODEQWEN + "\\n\\n" + template), for reference."""
    prompt = "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user" + "\n\n"
    prompt += f"{LCB_CODEQWEN_INSTRUCTION}\n\nQuestion: {question}\n\n"
    if starter:
        prompt += f"{LCB_FORMATTING_WITH_STARTER}\n```python\n{starter}\n```\n\n<|im_end|>\n"
    else:
        prompt += f"{LCB_FORMATTING_WITHOUT_STARTER}\n```python\n# YOUR CODE HERE\n```\n\n<|im_end|>\n"
    prompt += "<|im_start|>assistant\n"
    return prompt


def evalplus_chatml(task_prompt: str) -> str:
    """Paper Fig 25 with evalplus make_raw_chat_prompt's bytes: fence then newline before <|im_end|>,
    and "```python\\n" (with its newline) opening the assistant turn."""
    user = f"{EVALPLUS_INSTRUCTION_PREFIX}\n```\n{task_prompt.strip()}\n```\n"
    return chatml("You are a helpful assistant.", user, f"{EVALPLUS_RESPONSE_PREFIX}\n```python\n")


# --------------------------------------------------------------------------------------------
# The goldens: file stem -> (example key, kind, builder)
# --------------------------------------------------------------------------------------------

R1_TEMPLATE = "deepseek-r1-distill-qwen.jinja"


def goldens(ex: dict[str, Any]) -> dict[str, tuple[str, str, Callable[[], str]]]:
    q = ex["math"]["question"]
    s, f = ex["lcb_stdin"], ex["lcb_func"]
    return {
        # --- math, paper / authors' code strings
        "qwen-boxed__math": ("math", "paper Fig 21 / math_eval qwen-boxed", lambda: QWEN_BOXED.format(input=q).strip(" ")),
        "qwen25-math-cot__math": ("math", "paper Fig 22 / qwen25-math-cot", lambda: QWEN25_MATH_COT.format(input=q).strip(" ")),
        "simplerl-abel__math": ("math", "simpleRL eval 'abel' (SimpleRL-Zoo simple prompt)", lambda: SIMPLERL_ABEL.format(input=q).strip(" ")),
        "dapo-abel__math": ("math", "limit-of-RLVR fd2cf37 'abel' (DAPO prompt)", lambda: DAPO_ABEL.format(input=q).strip(" ")),
        "verl-r1__math": ("math", "limit-of-RLVR 'deepseek-r1' (code form of Fig 27)", lambda: VERL_R1.format(input=q).strip(" ")),
        "qwen-boxed-direct__math": ("math", "passk's own no-CoT prompt (Fig 12 filter; not printed in the paper: unverified)", lambda: QWEN_BOXED_DIRECT.format(input=q).strip(" ")),
        # --- math, model chat template (R1-Distill-Qwen-7B, Fig 7)
        "deepseek-r1-distill__math": (
            "math",
            f"chat template {R1_TEMPLATE}; user = question + newline + R1 README directive; no system turn",
            lambda: apply_chat_template(R1_TEMPLATE, [{"role": "user", "content": f"{q}\n{R1_MATH_DIRECTIVE}"}], R1_BOS, R1_EOS),
        ),
        # --- evalplus (Fig 25)
        "chatml__evalplus": ("evalplus", "paper Fig 25 + evalplus make_raw_chat_prompt bytes", lambda: evalplus_chatml(ex["evalplus"]["prompt"])),
        # --- LiveCodeBench, paper Fig 24 (Code-R1 and its base)
        "chatml__livecodebench_stdin": (
            "lcb_stdin",
            "paper Fig 24 (PAPER.md transcription) + blank line before <|im_end|> + ```python prefill",
            lambda: chatml("You are a helpful assistant.", paper_fig24_user(s["question"], s["starter"]), "```python"),
        ),
        "chatml__livecodebench_func": (
            "lcb_func",
            "paper Fig 24 (PAPER.md transcription) + blank line before <|im_end|> + ```python prefill",
            lambda: chatml("You are a helpful assistant.", paper_fig24_user(f["question"], f["starter"]), "```python"),
        ),
        # --- LiveCodeBench, reference only: lcb_runner's own CodeQwenInstruct bytes (no prefill)
        "reference-lcb-runner-codeqwen__livecodebench_stdin": (
            "lcb_stdin", "REFERENCE: lcb_runner CodeQwenInstruct prompt (not the paper's figure)", lambda: lcb_runner_codeqwen(s["question"], s["starter"])
        ),
        "reference-lcb-runner-codeqwen__livecodebench_func": (
            "lcb_func", "REFERENCE: lcb_runner CodeQwenInstruct prompt (not the paper's figure)", lambda: lcb_runner_codeqwen(f["question"], f["starter"])
        ),
        # --- LiveCodeBench, DeepCoder's prompt through the R1 template (Fig 3: R1-Distill-14B, DeepCoder-14B)
        "deepseek-r1-distill__livecodebench_stdin": (
            "lcb_stdin",
            f"chat template {R1_TEMPLATE}; user = rllm fetch_live_code_bench_system_prompt; no system turn, no prefill",
            lambda: apply_chat_template(R1_TEMPLATE, [{"role": "user", "content": deepcoder_lcb_user(s["question"], s["starter"])}], R1_BOS, R1_EOS),
        ),
        "deepseek-r1-distill__livecodebench_func": (
            "lcb_func",
            f"chat template {R1_TEMPLATE}; user = rllm fetch_live_code_bench_system_prompt; no system turn, no prefill",
            lambda: apply_chat_template(R1_TEMPLATE, [{"role": "user", "content": deepcoder_lcb_user(f["question"], f["starter"])}], R1_BOS, R1_EOS),
        ),
    }


def template_hashes() -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(TEMPLATES.glob("*.jinja"))}


def index_text(ex: dict[str, Any], rendered: dict[str, tuple[str, str, str]]) -> str:
    lines = [
        "# Golden prompts: index",
        "",
        "Generated by `tests/golden/make_golden.py` (do not edit by hand; rerun it). The chat-template",
        "goldens were rendered with transformers 5.24.0 (`apply_chat_template`, `add_generation_prompt=True`).",
        "",
        "| file | example | how it is built | sha256 |",
        "|---|---|---|---|",
    ]
    for stem, (key, how, text) in rendered.items():
        digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]
        cell = how.replace("|", "\\|")  # keep markdown table cells intact
        lines.append(f"| `{stem}.txt` | {ex[key]['id']} | {cell} | `{digest}` |")
    lines += ["", "Chat templates (sha256):", ""]
    for name, digest in template_hashes().items():
        lines.append(f"- `{name}`: `{digest}`")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="compare with the committed files instead of writing")
    args = ap.parse_args(argv)
    ex = load_examples()
    rendered = {stem: (key, how, build()) for stem, (key, how, build) in goldens(ex).items()}
    files = {PROMPTS / f"{stem}.txt": text for stem, (_, _, text) in rendered.items()}
    files[PROMPTS / "INDEX.md"] = index_text(ex, rendered)
    bad = []
    for path, text in files.items():
        data = text.encode("utf-8")
        if args.check:
            if not path.exists() or path.read_bytes() != data:
                bad.append(path)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
    if args.check:
        if bad:
            print("golden files differ:", *[str(p.relative_to(REPO)) for p in bad], sep="\n  ", file=sys.stderr)
            return 1
        print(f"{len(files)} golden files match")
    else:
        print(f"wrote {len(files)} files to {PROMPTS.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
