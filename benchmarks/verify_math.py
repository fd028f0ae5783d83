"""Math verification throughput, end to end, on distinct (gold, answer) pairs of every math benchmark.

Issue 13 asks for at least 500 checks per second per core, counted on *distinct* pairs (so the
cache of identical pairs earns nothing for free) and covering extraction, that cache and the
worker round-trip. The workload, per benchmark of $PASSK_DATA_DIR/math (gsm8k, math500,
minerva_math, olympiadbench, aime24, amc23, omni_math_rule, aime25), is each problem's gold and
model-like variants of it (``answer_variants``): respellings a model writes for the right answer
(``\\dfrac``, ``x = …``, ``27.0``, units, decimals for fractions, MATH500's second spelling) and
wrong answers (a number changed, the sign flipped, another problem's gold). Each sits at the end
of a model-like completion: the reference solution (or the question) as the reasoning, then the
answer boxed, in Minerva's "final answer is" sentence, or after "The answer is". Pairs that come
out identical after our extraction and normalisation are dropped, so every check is a new pair.

- *bare*: the peer, a plain Math-Verify loop, ``verify(parse("\\boxed{gold}"), parse(completion))``
  for every completion, in one fresh process (Math-Verify imported before timing).
- *ours*: ``passk.benchmarks.math.checker.verify`` (the workflow's verifier) with one killable
  worker: extraction, normalisation, dedup, the fast path for numbers, the worker round-trip.

Both are timed per benchmark in CPU seconds (ours: this process and its workers) and wall
seconds; checks per CPU second is the per-core figure, and stays meaningful on a loaded machine.
``ours`` keeps its worker across benchmarks, as a verify job keeps it across chunks; its start-up
(importing sympy and Math-Verify) is printed on its own line and included in the total.

Usage::

    PASSK_DATA_DIR=../shared/data .venv/bin/python benchmarks/verify_math.py [--limit 300] [--repeats 2] [--plain-workers]
"""

from __future__ import annotations

import argparse
import json
import logging
import multiprocessing as mp
import os
import random
import re
import resource
import sys
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from passk.benchmarks.math.answers import extract_answer
from passk.benchmarks.math import worker
from passk.benchmarks.math.checker import DEFAULT_TIMEOUT, process_cpu_seconds, reusable_pool, sample_items, verify, verify_pairs
from passk.benchmarks.math.gold import gold_from_record, reference_solution
from passk.benchmarks.math.latex import last_boxed, normalize_answer
from passk.verify.family import VerifyContext

REPO_ROOT = Path(__file__).resolve().parents[1]
DATA_DIR = Path(os.environ.get("PASSK_DATA_DIR", REPO_ROOT.parent / "shared" / "data"))
BENCHMARKS = ("gsm8k", "math500", "minerva_math", "olympiadbench", "aime24", "amc23", "omni_math_rule", "aime25")
PREFIX_CHARS = 1500  # reasoning kept before the final answer (real completions run 0.5-3 k characters)
_INT = re.compile(r"^-?\d+$")
_SIMPLE_FRAC = re.compile(r"^(-?)\\d?frac\{(\d+)\}\{(\d+)\}$")
_NUMBER = re.compile(r"\d+")


@dataclass
class Workload:
    """One benchmark's distinct pairs: problem records, one sample row per pair, bare (gold, text) pairs."""

    benchmark: str
    problems: dict[str, dict] = field(default_factory=dict)
    rows: list[dict] = field(default_factory=list)
    bare: list[tuple[str, str]] = field(default_factory=list)
    pairs: list[tuple[str, str]] = field(default_factory=list)  # (normalised gold, normalised answer)


def records(benchmark: str, data_dir: Path = DATA_DIR) -> list[dict]:
    path = data_dir / "math" / benchmark / "test.jsonl"
    if not path.exists():
        sys.exit(f"{path} not found; set PASSK_DATA_DIR")
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def answer_variants(gold: str, rng: random.Random, other_gold: str, second_spelling: str | None = None) -> list[str]:
    """Answers a model might give for ``gold``: the gold, respellings of it, and wrong answers."""
    out = [gold, gold.replace("\\frac", "\\dfrac").replace(",", ", ")]
    if second_spelling:
        out.append(second_spelling)
    if _INT.match(gold):
        out += [f"{gold}.0", f"{gold} \\text{{ units}}", f"x = {gold}", str(int(gold) - 1)]
    m = _SIMPLE_FRAC.match(gold)
    if m and int(m.group(3)):
        value = int(m.group(2)) / int(m.group(3)) * (-1 if m.group(1) else 1)
        out += [f"{m.group(1)}{m.group(2)}/{m.group(3)}", f"{value:.6f}", f"{value:.3f}"]
    numbers = _NUMBER.findall(gold)
    if numbers:
        n = rng.choice(numbers)
        out += [gold.replace(n, str(int(n) + 1), 1), gold.replace(n, str(int(n) * 2 + 3), 1)]
    out += [gold[1:] if gold.startswith("-") else f"-{gold}", other_gold]
    return out


def completion(prefix: str, answer: str, style: int) -> str:
    """A model-like completion ending in ``answer`` (boxed, Minerva's sentence, or "The answer is")."""
    if style == 0:
        return f"{prefix}\n\nTherefore, the final answer is $\\boxed{{{answer}}}$."
    if style == 1:
        return f"{prefix}\nFinal Answer: The final answer is ${answer}$. I hope it is correct."
    return f"{prefix}\nThe answer is {answer}"


def _reasoning(benchmark: str, record: dict) -> str:
    """The reference solution without its final answer (or the question), as a completion's reasoning."""
    sol = reference_solution(benchmark, record) or ""
    cut = sol.rfind("\\boxed") if last_boxed(sol) is not None else sol.find("####")
    text = sol[:cut] if cut >= 0 else sol
    if not text.strip():
        text = str(record.get("problem") or record.get("question") or "")
    return text[:PREFIX_CHARS]


def build_workload(benchmark: str, limit: int | None = None, seed: int = 0, data_dir: Path = DATA_DIR) -> Workload:
    """The distinct (gold, answer) pairs of one benchmark (the first ``limit`` problems)."""
    recs = records(benchmark, data_dir)[:limit] if limit else records(benchmark, data_dir)
    rng = random.Random(seed)
    golds = [gold_from_record(benchmark, r, f"{benchmark}:{i + 1}") for i, r in enumerate(recs)]
    work = Workload(benchmark)
    seen: set[tuple[str, str]] = set()
    for i, rec in enumerate(recs):
        pid = f"{benchmark}/{i}"
        work.problems[pid] = {"id": pid, "answer": golds[i], "metadata": {"dataset": benchmark}}
        gold_norm = normalize_answer(golds[i], benchmark)
        prefix = _reasoning(benchmark, rec)
        second = rec.get("answer") if benchmark == "math500" else None
        for j, answer in enumerate(answer_variants(golds[i], rng, rng.choice(golds), second)):
            text = completion(prefix, answer, style=j % 3 if j else 0)
            extracted = extract_answer(text, benchmark)
            if extracted is None or (gold_norm, extracted) in seen:
                continue
            seen.add((gold_norm, extracted))
            work.rows.append({"problem_id": pid, "sample_index": len(work.rows), "text": text})
            work.bare.append((golds[i], text))
            work.pairs.append((gold_norm, extracted))
    return work


# --- the peer ----------------------------------------------------------------------------------


def _bare_loop(pairs: list[tuple[str, str]]) -> tuple[float, float, int]:
    """(CPU s, wall s, number correct) of a plain Math-Verify loop over (gold, completion) pairs."""
    from math_verify import parse
    from math_verify import verify as mv_verify

    logging.disable(logging.WARNING)
    mv_verify(parse("\\boxed{1}"), parse("\\boxed{1}"))  # imports and regex compilation are not timed
    cpu, wall = time.process_time(), time.perf_counter()
    ok = sum(bool(mv_verify(parse("\\boxed{" + gold + "}"), parse(text))) for gold, text in pairs)
    return time.process_time() - cpu, time.perf_counter() - wall, ok


def run_bare(pairs: list[tuple[str, str]]) -> tuple[float, float, int]:
    """The bare loop in a fresh interpreter (as fresh as our worker's parse caches)."""
    with mp.get_context("spawn").Pool(1) as pool:
        return pool.apply(_bare_loop, (pairs,))


# --- ours --------------------------------------------------------------------------------------


def _children_cpu() -> float:
    """CPU seconds of this process's live children (our checker workers), from /proc."""
    try:
        pids = Path(f"/proc/{os.getpid()}/task/{os.getpid()}/children").read_text().split()
    except OSError:
        return 0.0
    return sum(process_cpu_seconds(int(pid)) or 0.0 for pid in pids)  # a child gone meanwhile counts 0


def tree_cpu() -> float:
    """CPU seconds of this process, its reaped children and its live ones."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    reaped = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + reaped.ru_utime + reaped.ru_stime + _children_cpu()


def run_ours(work: Workload, workers: int, plain: bool = False) -> tuple[float, float, int]:
    """(CPU s, wall s, number correct) of the workflow's verifier on one benchmark's samples.

    ``plain``: the same code path with workers that run Math-Verify without ``speedups`` (the
    fast path for plain numbers stays), to see what the speedups give.
    """
    cpu, wall = tree_cpu(), time.perf_counter()
    ctx = VerifyContext(bench={"family": "math"}, workers=workers)
    if plain:
        items = sample_items(work.problems, work.rows, ctx)
        verdicts, _ = verify_pairs(items, workers=workers, pool=reusable_pool(workers, DEFAULT_TIMEOUT, args=(worker.PLAIN_FLAG,)))
        correct = sum(v.correct for v in verdicts)
    else:
        correct = sum(r["correct"] for r in verify(work.problems, work.rows, ctx))
    return tree_cpu() - cpu, time.perf_counter() - wall, correct


def start_pool(workers: int, plain: bool = False) -> tuple[float, float]:
    """Start our workers once (what a verify job pays once): (CPU s, wall s)."""
    cpu, wall = tree_cpu(), time.perf_counter()
    reusable_pool(workers, DEFAULT_TIMEOUT, args=(worker.PLAIN_FLAG,) if plain else ()).check([("1", "2")] * workers)
    return tree_cpu() - cpu, time.perf_counter() - wall


def main(argv: Iterable[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--limit", type=int, default=0, help="first N problems of each benchmark (0: all)")
    ap.add_argument("--repeats", type=int, default=1, help="alternate bare/ours this many times; best of each")
    ap.add_argument("--benchmarks", default=",".join(BENCHMARKS), help="comma-separated subset")
    ap.add_argument("--workers", type=int, default=1, help="our checker processes")
    ap.add_argument("--plain-workers", action="store_true",
                    help="ours with workers that run Math-Verify without speedups (to see what they give)")
    args = ap.parse_args(list(argv) if argv is not None else None)
    works = [build_workload(b, args.limit or None) for b in args.benchmarks.split(",")]
    n_all = sum(len(w.rows) for w in works)
    print(f"{n_all} distinct (gold, answer) pairs; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cpus; "
          f"workers={args.workers}{' (plain: no speedups)' if args.plain_workers else ''}")
    start_cpu, start_wall = start_pool(args.workers, args.plain_workers)
    print(f"ours: worker start-up {start_cpu:.2f} CPU s, {start_wall:.2f} s wall (once per verify job)")
    header = f"{'benchmark':15s} {'pairs':>6s} {'bare/CPU-s':>11s} {'ours/CPU-s':>11s} {'ratio':>6s} " \
             f"{'bare/s wall':>11s} {'ours/s wall':>11s}  correct bare/ours"
    print(header)
    tot = {"bare_cpu": 0.0, "ours_cpu": 0.0, "bare_wall": 0.0, "ours_wall": 0.0}
    for work in works:
        best: dict[str, tuple[float, float, int]] = {}
        for _ in range(args.repeats):
            bare = run_bare(work.bare)
            ours = run_ours(work, args.workers, args.plain_workers)
            best["bare"] = min(best.get("bare", bare), bare)
            best["ours"] = min(best.get("ours", ours), ours)
        n = len(work.rows)
        (b_cpu, b_wall, b_ok), (o_cpu, o_wall, o_ok) = best["bare"], best["ours"]
        tot["bare_cpu"] += b_cpu
        tot["ours_cpu"] += o_cpu
        tot["bare_wall"] += b_wall
        tot["ours_wall"] += o_wall
        print(f"{work.benchmark:15s} {n:6d} {n / b_cpu:11.1f} {n / o_cpu:11.1f} {b_cpu / o_cpu:6.2f} "
              f"{n / b_wall:11.1f} {n / o_wall / args.workers:11.1f}  {b_ok}/{o_ok}")
    o_cpu = tot["ours_cpu"] + start_cpu
    print(f"{'all':15s} {n_all:6d} {n_all / tot['bare_cpu']:11.1f} {n_all / o_cpu:11.1f} "
          f"{tot['bare_cpu'] / o_cpu:6.2f} {n_all / tot['bare_wall']:11.1f} "
          f"{n_all / (tot['ours_wall'] + start_wall) / args.workers:11.1f}  (ours incl. start-up)")
    print("target: ours >= 500 checks per CPU second (per core)")


if __name__ == "__main__":
    main()
