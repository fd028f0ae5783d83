"""Throughput of math verification: the math family's verifier against a bare Math-Verify loop, per core.

Workload (shaped like real sampling, where the same final answer recurs many times per problem):
for each of the first ``--problems`` MATH500 problems, ``--samples`` completions, each the problem's
reference solution with its final box replaced by one of a few candidate answers: the gold, the
gold in MATH500's other spelling (the ``answer`` field), or one of three perturbed wrong answers.

- *bare*: ``math_verify.verify(parse(gold), parse(completion))`` for every completion, in
  ``--workers`` plain processes (no timeout protection beyond Math-Verify's SIGALRM).
- *ours*: ``passk.benchmarks.math.checker.verify`` with ``--workers`` killable checker processes,
  including worker start-up, extraction, dedup and IPC.

Prints checks/s per core for both, their ratio (target ≥ 0.8), and how many distinct pairs
ours sent to Math-Verify. Usage::

    .venv/bin/python benchmarks/verify_math.py [--problems 200] [--samples 32] [--workers 1]
"""

from __future__ import annotations

import argparse
import json
import logging
import multiprocessing as mp
import os
import random
import re
import sys
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
DATA_DIR = Path(os.environ.get("PASSK_DATA_DIR", REPO_ROOT.parent / "shared" / "data"))


def _perturb(gold: str, rng: random.Random) -> list[str]:
    """Three plausible wrong answers for a gold answer."""
    nums = re.findall(r"\d+", gold)
    out = []
    if nums:
        n = rng.choice(nums)
        out.append(gold.replace(n, str(int(n) + 1), 1))
        out.append(gold.replace(n, str(int(n) * 2 + 3), 1))
    else:
        out += [gold + "+1", "2" + gold]
    out.append(f"-{gold}" if not gold.startswith("-") else gold[1:])
    return out


def build_workload(problems: int, samples: int, seed: int = 0) -> tuple[dict, list[dict], list[tuple[str, str]]]:
    """(problems by id, sample rows, bare (gold, completion) pairs) for the same completions."""
    from passk.benchmarks.math.gold import gold_from_record

    rng = random.Random(seed)
    path = DATA_DIR / "math" / "math500" / "test.jsonl"
    if not path.exists():
        sys.exit(f"{path} not found; set PASSK_DATA_DIR")
    recs = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()][:problems]
    probs, rows, bare = {}, [], []
    for i, rec in enumerate(recs):
        pid = f"math500/{i}"
        gold = gold_from_record("math500", rec, f"{path}:{i + 1}")
        probs[pid] = {"id": pid, "answer": gold, "metadata": {"dataset": "math500"}}
        sol = rec["solution"]
        cut = sol.rfind("\\boxed")
        prefix = sol[:cut] if cut >= 0 else sol
        candidates = [gold, rec["answer"]] + _perturb(gold, rng)
        weights = [6, 2, 2, 1, 1]
        for j in range(samples):
            ans = rng.choices(candidates, weights)[0]
            text = f"{prefix}\\boxed{{{ans}}}."
            rows.append({"problem_id": pid, "sample_index": j, "text": text})
            bare.append((gold, text))
    return probs, rows, bare


def _bare_chunk(pairs: list[tuple[str, str]]) -> int:
    from math_verify import parse, verify

    logging.disable(logging.WARNING)
    ok = 0
    for gold, text in pairs:
        ok += bool(verify(parse("\\boxed{" + gold + "}"), parse(text)))
    return ok


def run_bare(pairs: list[tuple[str, str]], workers: int) -> tuple[float, int]:
    """Wall time and number correct for the bare loop split over ``workers`` processes."""
    chunks = [pairs[k::workers] for k in range(workers)]
    ctx = mp.get_context("spawn")  # fresh interpreters, as our workers are: equal parse caches
    with ctx.Pool(workers) as pool:
        pool.map(_bare_chunk, [[("1", "\\boxed{1}")]] * workers)  # import math_verify before timing
        start = time.perf_counter()
        ok = sum(pool.map(_bare_chunk, chunks))
        return time.perf_counter() - start, ok


def run_ours(probs: dict, rows: list[dict], workers: int) -> tuple[float, int, int]:
    """Wall time (including worker start-up), number correct and distinct pairs checked."""
    from passk.benchmarks.math.answers import extract_answer
    from passk.benchmarks.math.checker import verify
    from passk.benchmarks.math.latex import normalize_answer
    from passk.verify.family import VerifyContext

    start = time.perf_counter()
    verdicts = verify(probs, rows, VerifyContext(bench={"family": "math"}, workers=workers))
    elapsed = time.perf_counter() - start
    # the number of distinct pairs ours sent to Math-Verify (recomputed; not timed)
    items = [(normalize_answer(probs[r["problem_id"]]["answer"], "math500"), extract_answer(r["text"], "math500"))
             for r in rows]
    unique = len({(g, e) for g, e in items if e is not None and e != g})
    return elapsed, sum(v["correct"] for v in verdicts), unique


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--problems", type=int, default=200)
    ap.add_argument("--samples", type=int, default=32, help="completions per problem")
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--repeats", type=int, default=1, help="alternate bare/ours this many times; best of each")
    args = ap.parse_args()
    probs, rows, bare_pairs = build_workload(args.problems, args.samples)
    n = len(rows)
    print(f"workload: {args.problems} MATH500 problems x {args.samples} completions = {n} checks; "
          f"workers={args.workers}; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cpus")
    best_bare, best_ours = float("inf"), float("inf")
    for _ in range(args.repeats):
        t_bare, ok_bare = run_bare(bare_pairs, args.workers)
        t_ours, ok_ours, unique = run_ours(probs, rows, args.workers)
        best_bare, best_ours = min(best_bare, t_bare), min(best_ours, t_ours)
        print(f"  bare {t_bare:7.2f}s ({ok_bare} correct)   ours {t_ours:7.2f}s ({ok_ours} correct)")
    bare_rate = n / best_bare / args.workers
    ours_rate = n / best_ours / args.workers
    print(f"bare Math-Verify loop : {bare_rate:9.1f} checks/s per core")
    print(f"ours (verify_shard)   : {ours_rate:9.1f} checks/s per core "
          f"(incl. worker start-up; {unique} distinct pairs sent to Math-Verify of {n})")
    print(f"ratio ours/bare       : {ours_rate / bare_rate:9.2f}  (target >= 0.8)")
    if ok_bare != ok_ours:
        print(f"note: verdicts differ: bare {ok_bare} correct, ours {ok_ours} correct "
              "(ours extracts the last box as the paper does, then checks that answer only)")


if __name__ == "__main__":
    main()
