"""A tiny, real, offline causal language model for tests and the end-to-end smoke run.

The workflow's sampling, verification and pass@k stages have to be exercised on a machine with
no internet and no GPU, so we cannot download even the smallest public checkpoint. Instead we
build one: a real ``transformers`` Qwen2 architecture (the same architecture family as the
paper's models, which vLLM also serves), 2 layers, hidden size 64, with a small byte-level BPE
tokenizer trained by the ``tokenizers`` library. It is saved with ``save_pretrained`` so it loads
through ``AutoModelForCausalLM`` / ``AutoTokenizer`` exactly like a downloaded snapshot.

Random weights alone would never produce ``\\boxed{answer}``, and the smoke run needs non-zero,
different pass@k curves. So the builder can optionally train for a few steps on
``prompt + "\\boxed{answer}<|im_end|>"`` texts: a "base" model (few steps) learns the format and
guesses answers from their marginal distribution; an "rl" model (more steps) memorises some of
them. That is a caricature of the paper's setting, good enough to make every stage compute
something non-trivial.

Determinism: the same arguments and seed give byte-identical files (on the same torch build).
We train with one intra-op thread inside a forked RNG state, because multi-threaded CPU kernels
may sum in a different order, and because a library should not reseed its caller's RNG.
"""

from __future__ import annotations

import json
import random
import re
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from passk.errors import ConfigError
from passk.prompts import MATH_TEMPLATES, render_prompt

ENDOFTEXT = "<|endoftext|>"
IM_START = "<|im_start|>"
IM_END = "<|im_end|>"
SPECIAL_TOKENS = [ENDOFTEXT, IM_START, IM_END]
# Context of a tiny model unless built with another max_position_embeddings (the plan-time check
# takes it for `tiny:` models, whose weights do not exist before the run).
TINY_CONTEXT = 4096

# ChatML as a Jinja chat template, so ``chat: tokenizer`` configs work with the tiny model too.
CHATML_TEMPLATE = (
    "{% for message in messages %}"
    "{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n' }}"
    "{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}"
)

# A little generic text so that the tokenizer has merges for the words of the prompt templates
# even when no problems are given.
_BASE_CORPUS = [
    "Please reason step by step, and put your final answer within \\boxed{}.",
    "You are a helpful assistant. The answer is \\boxed{42}. The final answer is 7.",
    "A conversation between User and Assistant. The user asks a question, and the Assistant solves it.",
    "What is 12 + 30? Compute 7 * 8. Find x such that 2x + 3 = 11. Answer: 4",
    "def solve():\n    n = int(input())\n    print(n * 2)\n",
    "0 1 2 3 4 5 6 7 8 9 + - * / = ( ) { } [ ] \\frac{1}{2} $x$ ^ _",
]


def default_corpus(train_texts: Sequence[str | tuple[str, str]] | None = None) -> list[str]:
    """The tokenizer corpus used when none is given: the paper's math templates, some generic
    text, and the training texts (so the model's own prompts tokenize compactly)."""
    texts = list(_BASE_CORPUS)
    texts += [t.format(input="What is 1 + 1?") for t in MATH_TEMPLATES.values()]
    for item in train_texts or []:
        texts.append(item if isinstance(item, str) else item[0] + item[1])
    return texts


def train_tokenizer(corpus_texts: Sequence[str], vocab_size: int) -> Any:
    """Train a byte-level BPE tokenizer (Qwen-style: single digits, ChatML special tokens).

    Returns a ``transformers`` fast tokenizer with ``eos_token`` = ``<|im_end|>`` (the end of an
    assistant turn, which is what the training texts end with) and ``pad_token`` = ``<|endoftext|>``.
    """
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.Sequence(
        [pre_tokenizers.Digits(individual_digits=True), pre_tokenizers.ByteLevel(add_prefix_space=False)]
    )
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        min_frequency=1,
        special_tokens=SPECIAL_TOKENS,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tok.train_from_iterator(list(corpus_texts), trainer=trainer)
    fast = PreTrainedTokenizerFast(
        tokenizer_object=tok,
        eos_token=IM_END,
        pad_token=ENDOFTEXT,
        additional_special_tokens=[IM_START],
    )
    fast.chat_template = CHATML_TEMPLATE
    fast.model_max_length = 1 << 20
    return fast


def _encode_examples(tokenizer: Any, train_texts: Sequence[str | tuple[str, str]], max_len: int) -> list[tuple[list[int], list[int]]]:
    """(input_ids, labels) per training text; a (prompt, completion) pair masks the prompt's loss
    so the few training steps go to the answer, not to re-learning the template."""
    examples = []
    for item in train_texts:
        if isinstance(item, str):
            ids = tokenizer(item, add_special_tokens=False)["input_ids"]
            labels = list(ids)
        else:
            prompt_ids = tokenizer(item[0], add_special_tokens=False)["input_ids"]
            completion_ids = tokenizer(item[1], add_special_tokens=False)["input_ids"]
            ids = prompt_ids + completion_ids
            labels = [-100] * len(prompt_ids) + completion_ids
        examples.append((ids[-max_len:], labels[-max_len:]))
    return examples


def optimizer_step(model: Any, optimizer: Any, loss: Any) -> float:
    """One training step of the tiny models (text and vision share it): gradients of ``loss``,
    clipped to norm 1, applied; returns the loss."""
    import torch  # heavy optional dependency, loaded only when a tiny model is trained

    optimizer.zero_grad()
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    optimizer.step()
    return float(loss.detach())



def _train(model: Any, examples: list[tuple[list[int], list[int]]], *, steps: int, seed: int, batch_size: int, learning_rate: float, pad_id: int) -> list[float]:
    """A plain AdamW loop over shuffled mini-batches; returns the loss per step."""
    import torch

    rng = random.Random(seed)
    optimizer = torch.optim.AdamW(model.parameters(), lr=learning_rate, weight_decay=0.0)
    model.train()
    losses: list[float] = []
    order: list[int] = []
    for _ in range(steps):
        if len(order) < batch_size:
            extra = list(range(len(examples)))
            rng.shuffle(extra)
            order += extra * max(1, -(-batch_size // len(examples)))
        batch, order = order[:batch_size], order[batch_size:]
        width = max(len(examples[i][0]) for i in batch)
        ids = torch.full((len(batch), width), pad_id, dtype=torch.long)
        labels = torch.full((len(batch), width), -100, dtype=torch.long)
        mask = torch.zeros((len(batch), width), dtype=torch.long)
        for row, i in enumerate(batch):
            x, y = examples[i]
            ids[row, : len(x)] = torch.tensor(x)
            labels[row, : len(y)] = torch.tensor(y)
            mask[row, : len(x)] = 1
        out = model(input_ids=ids, attention_mask=mask, labels=labels)
        losses.append(optimizer_step(model, optimizer, out.loss))
    model.eval()
    return losses


def build_tiny_model(
    out_dir: str | Path,
    *,
    seed: int = 0,
    vocab_size: int = 512,
    corpus_texts: list[str] | None = None,
    train_texts: Sequence[str | tuple[str, str]] | None = None,
    train_steps: int = 0,
    hidden_size: int = 64,
    num_layers: int = 2,
    num_heads: int = 4,
    max_position_embeddings: int = TINY_CONTEXT,
    batch_size: int = 16,
    learning_rate: float = 3e-3,
    max_train_len: int = 128,
) -> dict[str, Any]:
    """Build and save a tiny Qwen2 causal LM plus tokenizer in ``out_dir``; returns a summary.

    ``train_texts`` items are either whole strings (loss on every token) or ``(prompt,
    completion)`` pairs (loss on the completion only). With ``train_steps == 0`` the weights are
    the seeded random initialisation. Training sees only the last ``max_train_len`` tokens of each
    text: that keeps a 160-step build of 30 math problems near 15 CPU-seconds (full-length MATH500
    prompts took 4x longer), and the tail (end of the question, the template, the answer) is what
    tells problems apart. ``max_position_embeddings`` defaults to 4096 because chat prompts of code
    benchmarks are long in a 512-token vocabulary (LiveCodeBench: ~1.3k tokens), and the sampling
    guard rejects prompt + max_tokens beyond it; with rotary positions this costs no parameters.
    The summary (also written as ``tiny_model.json``) records
    the arguments, the final training loss and the build time.
    """
    import torch
    from transformers import GenerationConfig, Qwen2Config, Qwen2ForCausalLM

    if train_steps > 0 and not train_texts:
        raise ConfigError("tiny-model: --train-steps > 0 needs training texts (give --problems)")
    if hidden_size % num_heads:
        raise ConfigError(f"tiny-model: hidden_size {hidden_size} is not divisible by num_heads {num_heads}")
    start = time.perf_counter()
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)

    tokenizer = train_tokenizer(corpus_texts if corpus_texts is not None else default_corpus(train_texts), vocab_size)
    eos_id = tokenizer.convert_tokens_to_ids(IM_END)
    eot_id = tokenizer.convert_tokens_to_ids(ENDOFTEXT)
    config = Qwen2Config(
        vocab_size=max(vocab_size, len(tokenizer)),
        hidden_size=hidden_size,
        intermediate_size=4 * hidden_size,
        num_hidden_layers=num_layers,
        num_attention_heads=num_heads,
        num_key_value_heads=max(1, num_heads // 2),
        max_position_embeddings=max_position_embeddings,
        tie_word_embeddings=True,
        bos_token_id=None,
        eos_token_id=eos_id,
        pad_token_id=eot_id,
    )

    threads = torch.get_num_threads()
    losses: list[float] = []
    try:
        torch.set_num_threads(1)
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            model = Qwen2ForCausalLM(config)
            if train_steps > 0:
                examples = _encode_examples(tokenizer, train_texts or [], max_train_len)
                losses = _train(model, examples, steps=train_steps, seed=seed, batch_size=batch_size, learning_rate=learning_rate, pad_id=eot_id)
    finally:
        torch.set_num_threads(threads)

    model.generation_config = GenerationConfig(bos_token_id=None, eos_token_id=[eos_id, eot_id], pad_token_id=eot_id)
    model.save_pretrained(out)
    tokenizer.save_pretrained(out)
    summary = {
        "architecture": "Qwen2ForCausalLM",
        "seed": seed,
        "vocab_size": config.vocab_size,
        "hidden_size": hidden_size,
        "num_layers": num_layers,
        "train_steps": train_steps,
        "train_examples": len(train_texts or []),
        "final_loss": round(losses[-1], 6) if losses else None,
    }
    (out / "tiny_model.json").write_text(json.dumps(summary, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    summary["seconds"] = round(time.perf_counter() - start, 3)  # not written: it would break byte identity
    summary["out_dir"] = str(out)
    return summary


def evalplus_reference_program(problem: dict[str, Any]) -> str | None:
    """A short, correct program for an EvalPlus problem: the task's imports and signature with the
    docstring dropped, plus the canonical body (HumanEval+); the canonical program (MBPP+)."""
    tests = problem.get("tests") or {}
    solution = tests.get("canonical_solution")
    if not solution:
        return None
    if tests.get("dataset") == "humaneval":
        head = re.sub(r'\n\s*(\"\"\"|\'\'\')[\s\S]*?\1[ \t]*', "", problem["question"], count=1)
        return (head.rstrip() + "\n" + solution.strip("\n") + "\n").strip("\n")
    return solution.strip("\n")


def problem_train_texts(problems: Sequence[dict[str, Any]], template: str = "qwen-boxed") -> list[tuple[str, str]]:
    """(prompt, completion) training pairs: each problem's exact prompt as the sampling stage
    renders it, and for math ``\\boxed{answer}<|im_end|>``, for EvalPlus code a short reference
    program closing the prefilled fence. Problems with neither (LiveCodeBench) are skipped."""
    pairs = []
    for problem in problems:
        if "answer" in problem:
            prompt = render_prompt(problem, template=template)
            pairs.append((prompt, "\\boxed{" + str(problem["answer"]) + "}" + IM_END))
            continue
        program = evalplus_reference_program(problem)
        if program is not None:
            prompt = render_prompt(problem, template=template, prompt="evalplus")
            opening = "" if prompt.endswith("\n") else "\n"  # the prefill opens the fence ("```python\n")
            pairs.append((prompt, opening + program + "\n```" + IM_END))
    return pairs


def toy_arithmetic_problems(n: int = 20, *, seed: int = 0, benchmark: str = "toy") -> list[dict[str, Any]]:
    """``n`` one-digit addition problems in the workflow's problem record format.

    Tests and the smoke run train and evaluate the tiny models on these: answers come from a
    small set (2..18), so an undertrained model guesses some right and a longer-trained one
    memorises more, which gives non-zero, different pass@k curves.
    """
    rng = random.Random(seed)
    problems = []
    for i in range(n):
        a, b = rng.randint(1, 9), rng.randint(1, 9)
        problems.append(
            {"id": f"{benchmark}-{i}", "benchmark": benchmark, "index": i, "question": f"What is {a} + {b}?", "answer": str(a + b), "metadata": {}}
        )
    return problems
