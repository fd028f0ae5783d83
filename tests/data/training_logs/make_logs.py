"""Make the two training logs the smoke run's Fig 18 is drawn from (committed beside this script).

A real RL framework's log has no counterpart offline, so the logs are measured on the tiny model
trained for 0, 20, ..., 200 steps on toy arithmetic (passk.models.tiny, seeds 1 and 2 standing for
two "algorithms"): at each step, 4 responses to each of 8 training problems at T = 1.0 give the
reward (share of responses whose boxed answer is right), the mean response length in tokens and
the mean token entropy (passk.sampling.entropy). They are written in two exports with different
column names, as two frameworks would: a VeRL-style CSV and a JSON-lines file.

    .venv/bin/python tests/data/training_logs/make_logs.py
"""

from __future__ import annotations

import csv
import json
import re
import sys
import tempfile
from pathlib import Path

import torch

from passk.models.tiny import build_tiny_model, problem_train_texts, toy_arithmetic_problems
from passk.sampling.entropy import TransformersEntropyMeter

HERE = Path(__file__).resolve().parent
STEPS = list(range(0, 201, 20))


def measure(model_dir: Path, problems: list[dict], prompts: list[str]) -> tuple[float, float, float]:
    meter = TransformersEntropyMeter(str(model_dir))
    rewards, lengths, entropies = [], [], []
    for i, (problem, prompt) in enumerate(zip(problems, prompts)):
        rows = meter.per_token_entropies(prompt, 1000 + i, n=4, temperature=1.0, top_p=1.0, max_tokens=16)
        # decode the same draw for the reward: the meter keeps no text, so draw once more with the seed
        enc = meter.tokenizer(prompt, return_tensors="pt")
        from transformers import GenerationConfig

        config = GenerationConfig(do_sample=True, temperature=1.0, top_p=1.0, top_k=None, max_new_tokens=16, num_return_sequences=4,
                                  eos_token_id=sorted(meter.eos_ids), pad_token_id=meter.pad_id, bos_token_id=None)
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(1000 + i)
            out = meter.model.generate(**enc, generation_config=config)
        for seq in out[:, enc["input_ids"].shape[1]:]:
            text = meter.tokenizer.decode(seq, skip_special_tokens=True)
            m = re.search(r"\\boxed\{([^}]*)\}", text)
            rewards.append(1.0 if m and m.group(1).strip() == problem["answer"] else 0.0)
        lengths += [len(r) for r in rows]
        entropies += [v for r in rows for v in r]
    return sum(rewards) / len(rewards), sum(lengths) / len(lengths), sum(entropies) / len(entropies)


def main() -> None:
    torch.set_num_threads(1)
    problems = toy_arithmetic_problems(8)
    pairs = problem_train_texts(problems)
    prompts = [p for p, _ in pairs]
    logs = {}
    for seed in (1, 2):
        rows = []
        for step in STEPS:
            with tempfile.TemporaryDirectory() as tmp:
                build_tiny_model(tmp, seed=seed, train_texts=pairs, train_steps=step)
                reward, length, entropy = measure(Path(tmp), problems, prompts)
            rows.append((step, reward, length, entropy))
            print(seed, step, f"{reward:.3f} {length:.2f} {entropy:.4f}", file=sys.stderr)
        logs[seed] = rows
    with open(HERE / "verl_grpo.csv", "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["trainer/global_step", "critic/score/mean", "response_length/mean", "actor/entropy"])
        for step, reward, length, entropy in logs[1]:
            writer.writerow([step, f"{reward:.6f}", f"{length:.4f}", f"{entropy:.6f}"])
    with open(HERE / "ppo_metrics.jsonl", "w", encoding="utf-8") as fh:
        for step, reward, length, entropy in logs[2]:
            fh.write(json.dumps({"global_step": step, "train/reward": round(reward, 6), "train/response_len": round(length, 4),
                                 "train/entropy": round(entropy, 6)}) + "\n")


if __name__ == "__main__":
    main()
