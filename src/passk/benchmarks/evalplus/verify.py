"""Verification of HumanEval+/MBPP+ samples: the family's verifier.

Each distinct (problem, program) runs once, in the sandbox, against the expected outputs of the
ground truth (``passk.benchmarks.evalplus.groundtruth``); its verdict is shared by every sample
that produced it (models repeat themselves a lot at n = 128). How programs run and are judged:
``passk.benchmarks.evalplus.execute``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

from passk.benchmarks.evalplus.execute import Outcome, TaskPlan, batch_seconds, batch_size_for, chunk_cost, run_programs
from passk.benchmarks.evalplus.extract import program_of_sample
from passk.benchmarks.evalplus.groundtruth import load_groundtruth
from passk.errors import ConfigError, DataError
from passk.prompts import prompt_prefill
from passk.records.verdicts import verdict_row
from passk.sandbox.session import Servers
from passk.sandbox.settings import SandboxSettings, make_sandbox
from passk.verify.batches import BatchQueue, batch_programs, run_batches
from passk.verify.family import VerifyContext
from passk.verify.programs import opening_fence


def verify(problems: Mapping[str, dict[str, Any]], samples: list[dict[str, Any]], ctx: VerifyContext) -> list[dict[str, Any]]:
    """One verdict row per sample, in sample order; identical programs of a problem run once.

    Samples need ``problem_id``, ``sample_index`` and ``text`` (what the model wrote after the
    prompt's prefill), or evalplus-style ``solution``/``completion``. ``ctx.groundtruth`` is the
    file ``compute_groundtruth`` wrote for these problems.
    """
    if ctx.groundtruth is None:
        raise ConfigError(f"benchmark {ctx.bench.get('name')!r}: EvalPlus verification needs its ground-truth file")
    groundtruth_path = ctx.groundtruth
    settings = SandboxSettings.from_config(ctx.sandbox)
    sandbox = make_sandbox(settings)
    gt = load_groundtruth(groundtruth_path, {s["problem_id"] for s in samples})  # only the tasks sampled
    prompt = str(ctx.bench.get("prompt") or "evalplus")
    workers = max(1, int(ctx.workers))
    programs: list[str] = []
    keys: list[tuple[str, str]] = []
    for s in samples:
        pid = s["problem_id"]
        if pid not in problems:
            raise DataError(f"sample {s.get('sample_index')}: unknown problem {pid!r}")
        if pid not in gt:
            raise DataError(f"{groundtruth_path}: no ground truth for {pid!r}")
        prog = program_of_sample(problems[pid], s, fence=opening_fence(prompt_prefill(problems[pid], prompt)))
        programs.append(prog)
        keys.append((pid, hashlib.sha256(prog.encode("utf-8", "surrogatepass")).hexdigest()))
    unique: dict[tuple[str, str], int] = {}
    for i, k in enumerate(keys):
        unique.setdefault(k, i)
    plans: dict[str, TaskPlan] = {}
    for pid in {k[0] for k in unique}:
        plans[pid] = TaskPlan(problems[pid], gt[pid], settings)

    # Work: batches of distinct programs cut as workers free up (``passk.verify.batches``): chunks
    # of a problem's programs (a slow problem's are split so that they spread), the costliest first,
    # small problems sharing a sandbox, smaller batches toward the end so the workers end together.
    by_problem: dict[str, list[tuple[str, str]]] = {}
    for key in unique:
        by_problem.setdefault(key[0], []).append(key)
    seconds = batch_seconds([plans[k[0]] for k in unique], workers)
    chunks = []
    for pid, keys_ in by_problem.items():
        size = batch_size_for(plans[pid], batch_programs(settings.batch_size), seconds)
        chunks += [[(plans[pid], k) for k in keys_[i : i + size]] for i in range(0, len(keys_), size)]
    chunks.sort(key=chunk_cost, reverse=True)
    queue = BatchQueue(chunks, batch_programs(settings.batch_size), workers, seconds, chunk_cost)

    with Servers(settings.batch_size) as servers:  # a server goes on to the next batch, up to batch_size programs
        def one(batch: list[tuple[TaskPlan, tuple[str, str]]]) -> list[tuple[tuple[str, str], Outcome]]:
            got = run_programs(sandbox, settings, [(plan, programs[unique[k]]) for plan, k in batch], servers)
            return [(k, v) for (_, k), v in zip(batch, got)]

        verdicts = dict(run_batches(queue, workers, one))
    return [
        verdict_row(s, verdicts[k].status, extracted=prog, detail=verdicts[k].detail, base_passed=verdicts[k].base_passed, tests="base+plus")
        for s, k, prog in zip(samples, keys, programs)
    ]
