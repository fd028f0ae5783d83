"""The verify stage: one shard of samples through its benchmark family's verifier, into a verdict shard.

The stage loads and checks the inputs (problems, samples), verifies in chunks of whole problems
with a resume cache (``passk.verify.cache``), and writes the verdict shard atomically at the end.
It knows no family: the registry hands it the family's verifier, which always receives
``(problems, samples, VerifyContext)``.
"""

from __future__ import annotations

import logging
from collections import Counter
from typing import Any

from passk.benchmarks.registry import family as family_of
from passk.io import sha256_file
from passk.progress import Progress
from passk.records.problems import load_problems
from passk.records.samples import check_samples, read_samples
from passk.records.verdicts import VERDICT_SCHEMA, write_verdicts
from passk.verify import cache
from passk.verify.family import Verifier, VerifyContext

log = logging.getLogger(__name__)


def verify_shard_files(
    *,
    bench: dict[str, Any],
    samples_path: str,
    problems_path: str,
    out_path: str,
    workers: int,
    verify_cfg: dict[str, Any],
    sandbox_cfg: dict[str, Any],
    groundtruth_path: str | None = None,
    code_version: str,
    progress_path: str | None = None,
    verifier: Verifier | None = None,
) -> None:
    """Verify every sample of a shard file and write the verdict shard (samples are never modified).

    ``verifier`` (default: the benchmark family's) has the family verifier's signature; the math
    verifier panel passes one of its other checkers' (``passk.pipeline.verify_checker``).

    Verdicts are checkpointed per chunk to ``progress_path`` (default: ``passk.verify.cache.
    progress_path(out_path)``) and reused by a rerun after a crash; the file is removed at the end.
    ``code_version`` (the stage's, ``passk.pipeline.versions``) is part of the cache's key, so
    verdicts saved by other code are never reused.
    """
    family = family_of(str(bench["family"]))
    problems = load_problems(problems_path, family.payload, family=family.name)
    samples = read_samples(samples_path)
    check_samples(samples, samples_path, problems, problems_path=problems_path)
    # Verify in chunks of whole problems and checkpoint each, so a crash resumes (passk.verify.cache).
    context = cache.context_hash({
        "code": code_version, "bench": bench, "verify": verify_cfg, "sandbox": sandbox_cfg,
        "problems": sha256_file(problems_path), "groundtruth": sha256_file(groundtruth_path) if groundtruth_path else None,
    })
    progress = cache.VerifyProgress(progress_path or cache.progress_path(out_path), context)
    done = progress.load()
    keys = [cache.sample_key(s) for s in samples]
    if done:
        log.info("%s: resuming, %d of %d verdicts from %s", samples_path, sum(k in done for k in keys), len(samples), progress.path)
    progress.start(keep=bool(done))
    ctx = VerifyContext(bench=bench, workers=max(1, int(workers)), verify=verify_cfg, sandbox=sandbox_cfg, groundtruth=groundtruth_path)
    todo = [i for i, k in enumerate(keys) if k not in done]
    with Progress(f"verify {samples_path}", len(todo), "samples", log=log) as counter:
        for chunk in _chunks(todo, samples, cache.checkpoint_every()):
            part = [samples[i] for i in chunk]
            found = (verifier or family.verify)(problems, part, ctx)
            if len(found) != len(part):
                raise RuntimeError(f"verifier returned {len(found)} verdicts for {len(part)} samples")
            keyed = [(keys[i], _plain(v)) for i, v in zip(chunk, found)]
            done.update(keyed)
            progress.append(keyed)
            counter.advance(len(part))
    verdicts = [done[k] for k in keys]
    write_verdicts(out_path, verdicts)
    progress.remove()
    counts = Counter(v["status"] for v in verdicts)
    log.info("%s: %d samples verified: %s", samples_path, len(verdicts), dict(sorted(counts.items())))


def _plain(verdict: dict[str, Any]) -> dict[str, Any]:
    """A verdict row with exactly the schema's keys and plain Python types (JSON for the cache)."""
    row = {name: verdict.get(name) for name in VERDICT_SCHEMA.names}
    row["sample_index"] = int(row["sample_index"])
    row["correct"] = bool(row["correct"])
    return row


def _chunks(todo: list[int], samples: list[dict[str, Any]], size: int) -> list[list[int]]:
    """Sample positions in chunks of about ``size`` made of whole problems.

    Whole problems, because the verifiers deduplicate identical answers/programs within a
    problem; splitting one would only repeat work, never change a verdict.
    """
    by_problem: dict[str, list[int]] = {}
    for i in todo:
        by_problem.setdefault(str(samples[i]["problem_id"]), []).append(i)
    chunks: list[list[int]] = []
    current: list[int] = []
    for positions in by_problem.values():
        current.extend(positions)
        if len(current) >= size:
            chunks.append(current)
            current = []
    if current:
        chunks.append(current)
    return chunks
