"""``passk verify-code``: verdicts for samples a user brings, in evalplus's sample format.

Input lines carry ``task_id`` and ``solution`` (a full program) or ``completion`` (appended to the
prompt), or ``text`` (a raw completion after the Fig 25 prefill). Each output line is the input
line's fields plus ``sample_index`` (the input's, else the 1-based line number) and the verdict
(``correct``, ``status``, ``detail``, ``extracted``), so results join back to what was sent.

Benchmarks plug in through ``BENCHMARKS``: a name maps to a ``CodeBenchmark`` whose ``verify``
takes (samples file rows, args) and returns verdict rows; another family adds one entry.
"""

from __future__ import annotations

import argparse
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from passk.errors import DataError
from passk.io import iter_jsonl, write_jsonl


def default_data_dir() -> str | None:
    """``PASSK_DATA_DIR``, else None (the release file is then downloaded)."""
    return os.environ.get("PASSK_DATA_DIR") or None


def _evalplus_verify(name: str) -> Callable[[list[dict[str, Any]], argparse.Namespace], list[dict[str, Any]]]:
    def verify(samples: list[dict[str, Any]], args: argparse.Namespace) -> list[dict[str, Any]]:
        from passk.benchmarks import evalplus as E
        from passk.io import read_jsonl
        from passk.verify.code import verify_shard

        cfg: dict[str, Any] = {"family": "evalplus", "dataset": name}
        if args.data_file:
            cfg["file"] = args.data_file
        work = Path(args.work_dir or tempfile.mkdtemp(prefix="passk-verify-"))
        problems_path = work / f"{name}.problems.jsonl"
        gt_path = Path(args.groundtruth) if args.groundtruth else work / f"{name}.groundtruth.json.gz"
        sandbox_cfg = {"backend": args.backend}
        E.prepare(name, cfg, args.data_dir, problems_path)
        if not gt_path.exists():
            E.compute_groundtruth(problems_path, gt_path, sandbox_cfg)
        problems = {p["id"]: p for p in read_jsonl(problems_path)}
        return verify_shard(problems, samples, cfg, workers=args.workers, groundtruth_path=str(gt_path), sandbox_cfg=sandbox_cfg)

    return verify


@dataclass(frozen=True)
class CodeBenchmark:
    """A benchmark this command can verify."""

    verify: Callable[[list[dict[str, Any]], argparse.Namespace], list[dict[str, Any]]]


def _lcb_verify(samples: list[dict[str, Any]], args: argparse.Namespace) -> list[dict[str, Any]]:
    from passk.verify.lcb import verify_code_cli_adapter  # LiveCodeBench's own module (issue #4)

    return verify_code_cli_adapter(samples, args)


BENCHMARKS: dict[str, CodeBenchmark] = {
    "humaneval_plus": CodeBenchmark(_evalplus_verify("humaneval_plus")),
    "mbpp_plus": CodeBenchmark(_evalplus_verify("mbpp_plus")),
    "livecodebench": CodeBenchmark(_lcb_verify),
}


def read_samples(path: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(rows for the verifier, original lines) of an evalplus-style samples file."""
    rows, originals = [], []
    for lineno, rec in iter_jsonl(path):
        if "task_id" not in rec:
            raise DataError(f"{path}:{lineno}: missing 'task_id'")
        if not any(isinstance(rec.get(k), str) for k in ("solution", "completion", "text")):
            raise DataError(f"{path}:{lineno}: needs a string 'solution', 'completion' or 'text'")
        index = rec.get("sample_index", lineno)
        if not isinstance(index, int):
            raise DataError(f"{path}:{lineno}: 'sample_index' must be an integer")
        row = {"problem_id": rec["task_id"], "sample_index": index}
        for k in ("solution", "completion", "text"):
            if isinstance(rec.get(k), str):
                row[k] = rec[k]
                break
        rows.append(row)
        originals.append(rec)
    return rows, originals


def run(args: argparse.Namespace) -> int:
    """The command: read, verify, write; prints a one-line summary."""
    rows, originals = read_samples(args.samples)
    verdicts = BENCHMARKS[args.benchmark].verify(rows, args)
    out = []
    for orig, row, v in zip(originals, rows, verdicts):
        rec = dict(orig)
        rec["task_id"] = orig["task_id"]
        rec["sample_index"] = row["sample_index"]
        rec.update({k: v[k] for k in ("correct", "status", "detail", "extracted")})
        out.append(rec)
    write_jsonl(args.out, out)
    passed = sum(1 for v in verdicts if v["correct"])
    print(f"{args.out}: {len(out)} verdicts, {passed} pass")
    return 0


def register(subparsers: Any) -> None:
    """Add ``verify-code`` to the ``passk`` command line."""
    p = subparsers.add_parser("verify-code", help="verify code samples (evalplus jsonl) in the sandbox")
    p.add_argument("--benchmark", required=True, choices=sorted(BENCHMARKS))
    p.add_argument("--samples", required=True, help="JSONL: task_id + solution | completion | text")
    p.add_argument("--out", required=True, help="verdicts JSONL to write")
    p.add_argument("--data-dir", default=default_data_dir(), help="folder with the release files (default $PASSK_DATA_DIR; else download)")
    p.add_argument("--data-file", default=None, help="the release file itself")
    p.add_argument("--groundtruth", default=None, help="ground-truth cache to reuse or create")
    p.add_argument("--work-dir", default=None, help="where problem records and the ground truth go (default: a temp dir)")
    p.add_argument("--backend", default="bwrap", choices=["bwrap", "docker", "process"], help="sandbox.backend")
    p.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    p.set_defaults(func=run)
