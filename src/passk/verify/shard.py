"""Verify one shard of samples: load inputs, dispatch to the benchmark family's verifier, write verdicts."""

from __future__ import annotations

import logging
from collections import Counter
from typing import Any

from passk.errors import DataError
from passk.io import read_jsonl
from passk.records import read_samples, write_verdicts
from passk.verify import verifier_module

log = logging.getLogger(__name__)


def load_problems(path: str) -> dict[str, dict[str, Any]]:
    """Problems of a benchmark by id; a duplicate id is an error naming the file."""
    problems: dict[str, dict[str, Any]] = {}
    for record in read_jsonl(path):
        if record["id"] in problems:
            raise DataError(f"{path}: duplicate problem id {record['id']!r}")
        problems[record["id"]] = record
    return problems


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
) -> None:
    """Verify every sample of a shard file and write the verdict shard (samples are never modified)."""
    problems = load_problems(problems_path)
    samples = read_samples(samples_path)
    unknown = sorted({s["problem_id"] for s in samples} - problems.keys())
    if unknown:
        raise DataError(f"{samples_path}: samples for problems not in {problems_path}: {unknown[:5]}")
    module = verifier_module(bench["family"])
    verdicts = module.verify_shard(
        problems,
        samples,
        bench,
        workers=max(1, int(workers)),
        timeout=float(verify_cfg.get("math_timeout", 5.0)),
        sandbox_cfg=sandbox_cfg,
        groundtruth_path=groundtruth_path,
    )
    if len(verdicts) != len(samples):
        raise RuntimeError(f"verifier returned {len(verdicts)} verdicts for {len(samples)} samples")
    write_verdicts(out_path, verdicts)
    counts = Counter(v["status"] for v in verdicts)
    log.info("%s: %d samples verified: %s", samples_path, len(verdicts), dict(sorted(counts.items())))
