"""``passk tiny-model``: build a tiny offline model (random or briefly trained) for smoke runs.

The end-to-end workflow test has no internet and no GPU; it samples from two of these models
("base" with few training steps, "rl" with more) to get non-trivial pass@k curves. See
``passk.models.tiny`` for what the model is.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from passk.io import read_jsonl
from passk.models.tiny import build_tiny_model, problem_train_texts


def register(subparsers: Any) -> None:
    """Add the ``tiny-model`` subcommand."""
    p = subparsers.add_parser(
        "tiny-model",
        help="build a tiny Qwen2-architecture model + BPE tokenizer for offline smoke runs",
        description="Build a tiny causal LM (2 layers, hidden 64) and a BPE tokenizer, optionally trained for a few "
        "steps on prompt + \\boxed{answer} texts of the given problems, saved with save_pretrained.",
    )
    p.add_argument("--out", required=True, help="output directory (a Hugging Face style model folder)")
    p.add_argument("--problems", nargs="+", action="extend", default=[], metavar="P.jsonl", help="problem files whose prompts and answers the model is trained on")
    p.add_argument("--train-steps", type=int, default=0, help="optimizer steps (0 = random weights)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--template", default="qwen-boxed", help="math template used to render training prompts (default: qwen-boxed)")
    p.add_argument("--vocab-size", type=int, default=512)
    p.add_argument("--max-position-embeddings", type=int, default=4096, help="context length written to config.json")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Build the model and print its summary as JSON."""
    problems: list[dict[str, Any]] = []
    for path in args.problems:
        problems.extend(read_jsonl(path))
    train_texts = problem_train_texts(problems, args.template) if problems else None
    summary = build_tiny_model(
        args.out,
        seed=args.seed,
        vocab_size=args.vocab_size,
        train_texts=train_texts,
        train_steps=args.train_steps,
        max_position_embeddings=args.max_position_embeddings,
    )
    print(json.dumps(summary, sort_keys=True))
    return 0
