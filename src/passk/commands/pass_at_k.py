"""``passk pass-at-k``: the unbiased pass@k of any verdict file, outside the workflow.

Meant for checking numbers by hand (ours, or another tool's output), so it reads loosely
structured JSONL: one line per sample with a problem id under ``problem_id``, ``task_id`` or
``id`` and a boolean ``correct`` (or a ``status`` that is ``pass``/``correct``), or one line per
problem with a ``score`` list of booleans (the authors' ``math_eval`` output). Several files
(e.g. one per seed) are pooled per problem, as the authors' ``pass@k.py`` does with
``N = n × seeds``. Parquet verdict shards of this workflow are read too.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import numpy as np

from passk.analysis.aggregate import VerdictCounts
from passk.analysis.metrics import dataset_pass_at_k, default_ks
from passk.errors import ConfigError, DataError
from passk.io import iter_jsonl
from passk.records.verdicts import read_verdicts

ID_FIELDS = ("problem_id", "task_id", "id")
CORRECT_STATUSES = frozenset({"pass", "correct"})  # "pass": other tools' (and older passk's) code verdicts


def register(subparsers: Any) -> None:
    """Add the ``pass-at-k`` subcommand."""
    p = subparsers.add_parser(
        "pass-at-k",
        help="unbiased pass@k of verdict files (JSONL or parquet)",
        description="Pool the samples of every problem over the given verdict files and print the unbiased "
        "pass@k = mean over problems of 1 - C(n-c,k)/C(n,k). JSONL lines need a problem id (problem_id, "
        "task_id or id) and either a boolean 'correct', a 'status' (pass/correct count as correct) or a "
        "'score' list of booleans.",
    )
    p.add_argument(
        "--verdicts",
        required=True,
        nargs="+",
        action="extend",
        metavar="VERDICTS.jsonl",
        help="verdict file(s) (.jsonl, .jsonl.gz or .parquet); repeat or list several to pool samples",
    )
    which = p.add_mutually_exclusive_group()
    which.add_argument("--k", nargs="+", type=int, metavar="K", help="k values (default: powers of two up to n, and n)")
    which.add_argument("--all-k", action="store_true", help="every k = 1..n")
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    p.set_defaults(func=run)


def _bool_correct(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    return None


def count_verdicts(paths: list[str]) -> tuple[list[str], np.ndarray, np.ndarray]:
    """``(problem ids, n per problem, c per problem)`` pooled over ``paths``, ids in first-seen order.

    A line without an id or a readable verdict is a DataError naming ``file:line``, because a
    silently skipped line would bias pass@k.
    """
    counts = VerdictCounts()
    for path in paths:
        if Path(path).suffix == ".parquet":
            for row in read_verdicts(path):
                if row["correct"] is None:
                    raise DataError(f"{path}: problem {row['problem_id']!r} sample {row['sample_index']} has null 'correct'")
                counts.add(str(row["problem_id"]), int(bool(row["correct"])), status=row["status"])
            continue
        for lineno, rec in iter_jsonl(path):
            field = next((f for f in ID_FIELDS if f in rec), None)
            if field is None or isinstance(rec[field], (dict, list, bool)) or rec[field] is None:
                raise DataError(f"{path}:{lineno}: no problem id (expected one of {', '.join(ID_FIELDS)})")
            pid = str(rec[field])
            if "score" in rec and isinstance(rec["score"], list):
                flags = [_bool_correct(v) for v in rec["score"]]
                if not flags or any(f is None for f in flags):
                    raise DataError(f"{path}:{lineno}: 'score' must be a non-empty list of booleans")
                counts.add(pid, sum(flags), n=len(flags))  # type: ignore[arg-type]
            elif "correct" in rec:
                flag = _bool_correct(rec["correct"])
                if flag is None:
                    raise DataError(f"{path}:{lineno}: 'correct' must be a boolean, got {rec['correct']!r}")
                counts.add(pid, int(flag))
            elif isinstance(rec.get("status"), str):
                counts.add(pid, int(rec["status"] in CORRECT_STATUSES))
            else:
                raise DataError(f"{path}:{lineno}: no verdict (expected a boolean 'correct', a 'status' or a 'score' list)")
    if not counts.n:
        raise DataError(f"no verdicts in {', '.join(paths)}")
    ids = list(counts.n)
    ns, cs = counts.arrays(ids)
    return ids, ns, cs


def run(args: argparse.Namespace) -> int:
    """Print pass@k at the chosen k as a table or JSON."""
    ids, ns, cs = count_verdicts(list(args.verdicts))
    n_min, n_max = int(ns.min()), int(ns.max())
    if args.all_k:
        ks = list(range(1, n_min + 1))
    elif args.k:
        ks = sorted(set(args.k))
        bad = [k for k in ks if k < 1 or k > n_min]
        if bad:
            raise ConfigError(
                f"--k {' '.join(map(str, bad))}: k must be between 1 and the smallest per-problem n ({n_min})"
                + ("" if n_min == n_max else f"; n ranges from {n_min} to {n_max}")
            )
    else:
        ks = default_ks(n_min)
    values = dataset_pass_at_k(ns, cs, ks)
    uniform = n_min == n_max
    if args.json:
        out = {
            "files": list(args.verdicts),
            "n_problems": len(ids),
            "n_min": n_min,
            "n_max": n_max,
            "uniform_n": uniform,
            "pass_at_k": [{"k": k, "pass_at_k": float(v)} for k, v in zip(ks, values)],
        }
        print(json.dumps(out, indent=2))
        return 0
    n_text = f"n = {n_min} samples per problem" if uniform else f"n differs between problems: {n_min}..{n_max} samples"
    print(f"{len(ids)} problems, {n_text}, from {len(args.verdicts)} file(s)")
    if not uniform:
        print(f"note: k is limited to the smallest n ({n_min}); pass@k is the plain mean over all problems")
    width = max(len(str(ks[-1])), 1)
    print(f"{'k':>{width}}  pass@k   (%)")
    for k, v in zip(ks, values):
        print(f"{k:>{width}}  {v:.4f}  {100 * v:5.1f}")
    return 0
