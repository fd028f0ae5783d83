"""A tiny, real, offline Qwen2-VL model for tests and the smoke run's visual math.

The smoke run draws Fig 4 right on the CPU with no download, so, as for text (``passk.models.tiny``),
we build the model: transformers' ``Qwen2VLForConditionalGeneration`` (the architecture of the
paper's Qwen2.5-VL, one vision block of width 32, two text layers of width 64), the project's small
byte-level BPE tokenizer with Qwen2-VL's vision tokens added, and Qwen2-VL's real image processor
(``Qwen2VLImageProcessor``) with a pixel range of 56² to 112² (at most 16 image tokens). Saved with
``save_pretrained``, it loads as a checkpoint would (``passk.models.vision_processor``).

Training is the text pair's caricature: the exact prompt the sampling stage renders (the EasyR1
prompt of Fig 26, with the problem's image) followed by ``\\boxed{answer}<|im_end|>``; a "base"
model trained briefly guesses, an "rl" one trained longer recalls more, so the two pass@k curves
differ and are not all zero. Same arguments and seed, same files (one thread, forked RNG).
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from passk.errors import ConfigError
from passk.models.tiny import ENDOFTEXT, IM_END, IM_START, default_corpus, optimizer_step, train_tokenizer
from passk.models.vision_processor import image_processor_class, open_image
from passk.prompts import EASYR1_SYSTEM, render_prompt

VISION_TOKENS = ["<|vision_start|>", "<|vision_end|>", "<|image_pad|>", "<|video_pad|>"]
TINY_MIN_PIXELS = 56 * 56
TINY_MAX_PIXELS = 112 * 112  # 16 tokens of 28x28 pixels: fast on a CPU
VISION_PROMPT = "easyr1"


def vision_train_examples(problems: Sequence[dict[str, Any]]) -> list[tuple[str, str, dict[str, Any]]]:
    """(prompt, completion, image record) per visual problem: the prompt as sampling renders it and
    ``\\boxed{answer}<|im_end|>``. Problems without images are skipped."""
    out = []
    for problem in problems:
        images = problem.get("images") or []
        if images and "answer" in problem:
            prompt = render_prompt(problem, template="", prompt=VISION_PROMPT)
            out.append((prompt, "\\boxed{" + str(problem["answer"]) + "}" + IM_END, images[0]))
    return out


def _encode(processor: Any, examples: list[tuple[str, str, dict[str, Any]]], max_len: int) -> list[dict[str, Any]]:
    """Token ids, labels (prompt masked) and image tensors of each example, from the real processor."""
    encoded = []
    for prompt, completion, ref in examples:
        image = open_image(ref, TINY_MIN_PIXELS, TINY_MAX_PIXELS, where="tiny vision model training")
        full = processor(text=[prompt + completion], images=[image], return_tensors="pt")
        prompt_len = processor(text=[prompt], images=[image], return_tensors="pt")["input_ids"].shape[1]
        ids = full["input_ids"][0].tolist()
        if len(ids) > max_len:
            raise ConfigError(f"tiny vision model: a training text has {len(ids)} tokens, over max_train_len {max_len}")
        labels = [-100] * prompt_len + ids[prompt_len:]
        encoded.append({"ids": ids, "labels": labels, "types": full["mm_token_type_ids"][0].tolist(),
                        "pixel_values": full["pixel_values"], "grid": full["image_grid_thw"]})
    return encoded


def _train(model: Any, examples: list[dict[str, Any]], *, steps: int, seed: int, batch_size: int, learning_rate: float, pad_id: int) -> list[float]:
    """AdamW over shuffled mini-batches; images of a batch are concatenated patch-wise, as the
    processor batches them."""
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
        batch, order = [examples[i] for i in order[:batch_size]], order[batch_size:]
        width = max(len(e["ids"]) for e in batch)
        ids = torch.full((len(batch), width), pad_id, dtype=torch.long)
        labels = torch.full((len(batch), width), -100, dtype=torch.long)
        mask = torch.zeros((len(batch), width), dtype=torch.long)
        types = torch.zeros((len(batch), width), dtype=torch.long)  # which tokens are image tokens (M-RoPE)
        for row, e in enumerate(batch):
            ids[row, : len(e["ids"])] = torch.tensor(e["ids"])
            types[row, : len(e["types"])] = torch.tensor(e["types"])
            labels[row, : len(e["labels"])] = torch.tensor(e["labels"])
            mask[row, : len(e["ids"])] = 1
        out = model(input_ids=ids, attention_mask=mask, labels=labels, mm_token_type_ids=types,
                    pixel_values=torch.cat([e["pixel_values"] for e in batch]), image_grid_thw=torch.cat([e["grid"] for e in batch]))
        losses.append(optimizer_step(model, optimizer, out.loss))
    model.eval()
    return losses


def build_tiny_vision_model(
    out_dir: str | Path,
    *,
    seed: int = 0,
    vocab_size: int = 512,
    train_problems: Sequence[dict[str, Any]] | None = None,
    train_steps: int = 0,
    hidden_size: int = 64,
    num_layers: int = 2,
    num_heads: int = 4,
    vision_width: int = 32,
    max_position_embeddings: int = 4096,
    batch_size: int = 8,
    learning_rate: float = 3e-3,
    max_train_len: int = 1024,
) -> dict[str, Any]:
    """Build and save a tiny Qwen2-VL model, tokenizer and processor in ``out_dir``; returns a summary.

    ``train_problems`` are visual problem records (with ``images``); with ``train_steps == 0`` the
    weights are the seeded random initialisation. The summary is also written as ``tiny_model.json``.
    """
    import torch
    from transformers import GenerationConfig, Qwen2VLConfig, Qwen2VLForConditionalGeneration
    from transformers.models.qwen2_vl.image_processing_pil_qwen2_vl import Qwen2VLImageProcessorPil

    examples = vision_train_examples(train_problems or [])
    if train_steps > 0 and not examples:
        raise ConfigError("tiny vision model: train_steps > 0 needs visual problems to train on (tiny.train_on)")
    head_dim = hidden_size // num_heads
    if hidden_size % num_heads or head_dim % 2:
        raise ConfigError(f"tiny vision model: hidden_size {hidden_size} / num_heads {num_heads} must give an even head size")
    start = time.perf_counter()
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)

    corpus = default_corpus([p + c for p, c, _ in examples]) + [EASYR1_SYSTEM]
    tokenizer = train_tokenizer(corpus, vocab_size)
    tokenizer.add_special_tokens({"additional_special_tokens": [IM_START, *VISION_TOKENS]})
    ids = {t: tokenizer.convert_tokens_to_ids(t) for t in [IM_END, ENDOFTEXT, *VISION_TOKENS]}
    image_processor = Qwen2VLImageProcessorPil(min_pixels=TINY_MIN_PIXELS, max_pixels=TINY_MAX_PIXELS)
    processor = image_processor_class()(image_processor=image_processor, tokenizer=tokenizer)
    half = head_dim // 2  # multimodal rotary sections (time, height, width) split the rotary half
    sections = [half - 2 * (half // 3), half // 3, half // 3]
    config = Qwen2VLConfig(
        text_config={
            "vocab_size": len(tokenizer), "hidden_size": hidden_size, "intermediate_size": 4 * hidden_size,
            "num_hidden_layers": num_layers, "num_attention_heads": num_heads, "num_key_value_heads": max(1, num_heads // 2),
            "max_position_embeddings": max_position_embeddings,
            "rope_parameters": {"rope_type": "default", "rope_theta": 10000.0, "mrope_section": sections},
            "bos_token_id": None, "eos_token_id": ids[IM_END], "pad_token_id": ids[ENDOFTEXT],
        },
        vision_config={"depth": 1, "embed_dim": vision_width, "hidden_size": hidden_size, "num_heads": 2, "mlp_ratio": 2,
                       "patch_size": 14, "spatial_merge_size": 2, "temporal_patch_size": 2},
        image_token_id=ids["<|image_pad|>"], video_token_id=ids["<|video_pad|>"],
        vision_start_token_id=ids["<|vision_start|>"], vision_end_token_id=ids["<|vision_end|>"],
        tie_word_embeddings=True,
    )

    threads = torch.get_num_threads()
    losses: list[float] = []
    try:
        torch.set_num_threads(1)
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            model = Qwen2VLForConditionalGeneration(config)
            if train_steps > 0:
                encoded = _encode(processor, examples, max_train_len)
                losses = _train(model, encoded, steps=train_steps, seed=seed, batch_size=batch_size,
                                learning_rate=learning_rate, pad_id=ids[ENDOFTEXT])
    finally:
        torch.set_num_threads(threads)

    model.generation_config = GenerationConfig(bos_token_id=None, eos_token_id=[ids[IM_END], ids[ENDOFTEXT]], pad_token_id=ids[ENDOFTEXT])
    model.save_pretrained(out)
    processor.save_pretrained(out)
    summary = {
        "architecture": "Qwen2VLForConditionalGeneration",
        "seed": seed,
        "vocab_size": len(tokenizer),
        "hidden_size": hidden_size,
        "num_layers": num_layers,
        "vision_width": vision_width,
        "pixels": [TINY_MIN_PIXELS, TINY_MAX_PIXELS],
        "train_steps": train_steps,
        "train_examples": len(examples),
        "final_loss": round(losses[-1], 6) if losses else None,
    }
    (out / "tiny_model.json").write_text(json.dumps(summary, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    summary["seconds"] = round(time.perf_counter() - start, 3)
    summary["out_dir"] = str(out)
    return summary

