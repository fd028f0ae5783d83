"""``passk verify-code``: verdicts for samples a user brings, in evalplus's sample format.

Input lines carry ``task_id`` and ``solution`` (a full program) or ``completion`` (appended to the
prompt), or ``text`` (a raw completion after the Fig 25 prefill). Each output line is the input
line's fields plus ``sample_index`` (the input's, else the 1-based line number) and the verdict
(``correct``, ``status``, ``detail``, ``extracted``), so results join back to what was sent.

Benchmarks plug in through ``BENCHMARKS``: a name maps to a function that takes (the samples
file's rows, args) and returns verdict rows through the benchmark family's own verifier.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from passk.benchmarks.evalplus import groundtruth as evalplus_groundtruth
from passk.benchmarks.evalplus import prepare as evalplus_prepare
from passk.benchmarks.evalplus import verify as evalplus_verify
from passk.benchmarks.livecodebench import prepare as lcb_prepare
from passk.benchmarks.livecodebench import verify as lcb_verify
from passk.commands import groundtruth_cache
from passk.errors import ConfigError, DataError
from passk.io import iter_jsonl, read_jsonl, sha256_file, write_jsonl
from passk.records.problems import load_problems
from passk.sandbox.settings import SandboxSettings
from passk.verify.family import VerifyContext

Verifier = Callable[[list[dict[str, Any]], argparse.Namespace], list[dict[str, Any]]]


def default_data_dir() -> str | None:
    """``PASSK_DATA_DIR``, else None (the release file is then downloaded)."""
    return os.environ.get("PASSK_DATA_DIR") or None


def _work_dir(args: argparse.Namespace) -> Path:
    return Path(args.work_dir or tempfile.mkdtemp(prefix="passk-verify-"))


def _sandbox_section(args: argparse.Namespace) -> dict[str, Any]:
    return {"backend": args.backend}


def _data_sha256(name: str, cfg: dict[str, Any], data_dir: str | None, problems_path: Path) -> str:
    """sha256 of the release file's bytes; for a download, of the prepared records' contents
    (their ``metadata`` names where they came from, which is no part of the data)."""
    source = evalplus_prepare.source_path(name, cfg, data_dir)
    if source is not None:
        return sha256_file(source)
    records = [{k: v for k, v in rec.items() if k != "metadata"} for rec in read_jsonl(problems_path)]
    return hashlib.sha256(json.dumps(records, sort_keys=True).encode("utf-8")).hexdigest()


def evalplus_groundtruth_path(name: str, cfg: dict[str, Any], args: argparse.Namespace, problems_path: Path) -> Path:
    """The ground truth to verify against: ``--groundtruth FILE`` (built there when absent), else
    the cache entry of this data, harness, limits and machine (``commands.groundtruth_cache``),
    built when absent. Logs one line on stderr: reused or built, and where."""
    sandbox = {**_sandbox_section(args), "groundtruth_workers": max(1, int(args.workers))}
    t0 = time.time()

    def build(path: Path) -> None:
        evalplus_groundtruth.compute_groundtruth(problems_path, path, sandbox)

    if args.groundtruth:
        path = Path(args.groundtruth)
        hit = path.exists()
        if not hit:
            build(path)
        where = "file"
    else:
        root = groundtruth_cache.cache_root(args.groundtruth_cache)
        key = groundtruth_cache.cache_key(name, _data_sha256(name, cfg, args.data_dir, problems_path),
                                          SandboxSettings.from_config(sandbox))
        path, hit = groundtruth_cache.fetch(root, key, build)
        where = "cache"
    how = "hit" if hit else f"built in {time.time() - t0:.1f} s"
    print(f"passk verify-code: {name} ground truth: {where} {how}: {path}", file=sys.stderr)
    return path


def evalplus_setup(name: str, args: argparse.Namespace) -> tuple[dict[str, Any], Path, Path]:
    """(benchmark config, problem records, ground truth) of an evalplus benchmark, the ground
    truth reused or built (``evalplus_groundtruth_path``)."""
    cfg: dict[str, Any] = {"name": name, "family": "evalplus", "dataset": name, "prompt": "evalplus"}
    if args.data_file:
        cfg["file"] = args.data_file
    problems_path = _work_dir(args) / f"{name}.problems.jsonl"
    evalplus_prepare.prepare(name, cfg, args.data_dir, problems_path)
    return cfg, problems_path, evalplus_groundtruth_path(name, cfg, args, problems_path)


def _evalplus_verifier(name: str) -> Verifier:
    def verify(samples: list[dict[str, Any]], args: argparse.Namespace) -> list[dict[str, Any]]:
        cfg, problems_path, gt_path = evalplus_setup(name, args)
        problems = load_problems(problems_path, evalplus_prepare.PAYLOAD, family="evalplus")
        ctx = VerifyContext(bench=cfg, workers=args.workers, sandbox=_sandbox_section(args), groundtruth=str(gt_path))
        return evalplus_verify.verify(problems, samples, ctx)

    return verify


def _lcb_verify(samples: list[dict[str, Any]], args: argparse.Namespace) -> list[dict[str, Any]]:
    """LiveCodeBench verdicts for bring-your-own samples.

    ``problem_id`` (the file's ``task_id``) must be a LiveCodeBench ``question_id``. Problems come
    from ``--data-file`` (a local code_generation_lite JSONL), else ``--data-dir`` (the staged
    offline files: public tests of Aug 2024–Jan 2025 only; a sample of another problem is an
    error naming it), else the hub's release_v5.
    """
    cfg: dict[str, Any] = {"name": "livecodebench", "family": "livecodebench", "release": "release_v5",
                           "order": "question_id", "prompt": "livecodebench", "timeout": lcb_verify.DEFAULT_TIMEOUT}
    data_dir = args.data_dir
    if args.data_file:
        cfg["file"] = args.data_file
        data_dir = None
    elif data_dir:
        cfg["allow_missing_tests"] = True
    problems_path = _work_dir(args) / "livecodebench.problems.jsonl"
    lcb_prepare.prepare("livecodebench", cfg, data_dir, problems_path)
    problems = load_problems(problems_path)
    rows = []
    for s in samples:
        row = {"problem_id": s["problem_id"], "sample_index": s["sample_index"]}
        if isinstance(s.get("solution"), str):
            row["solution"] = s["solution"]
        else:
            row["text"] = s.get("text") if isinstance(s.get("text"), str) else s.get("completion", "")
        rows.append(row)
    ctx = VerifyContext(bench=cfg, workers=args.workers, sandbox=_sandbox_section(args))
    return lcb_verify.verify(problems, rows, ctx)


EVALPLUS = ("humaneval_plus", "mbpp_plus")
BENCHMARKS: dict[str, Verifier] = {
    "humaneval_plus": _evalplus_verifier("humaneval_plus"),
    "mbpp_plus": _evalplus_verifier("mbpp_plus"),
    "livecodebench": _lcb_verify,
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
    """The command: read, verify, write; prints a one-line summary. With
    ``--build-groundtruth-only``: fill the ground-truth cache (or ``--groundtruth FILE``) and stop."""
    if args.build_groundtruth_only:
        if args.benchmark not in EVALPLUS:
            raise ConfigError(f"--build-groundtruth-only: {args.benchmark} has no ground truth to build (only {', '.join(EVALPLUS)})")
        print(evalplus_setup(args.benchmark, args)[2])
        return 0
    if not args.samples or not args.out:
        raise ConfigError("verify-code needs --samples and --out (unless --build-groundtruth-only)")
    rows, originals = read_samples(args.samples)
    verdicts = BENCHMARKS[args.benchmark](rows, args)
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
    p.add_argument("--samples", help="JSONL: task_id + solution | completion | text (required unless --build-groundtruth-only)")
    p.add_argument("--out", help="verdicts JSONL to write (required unless --build-groundtruth-only)")
    p.add_argument("--data-dir", default=default_data_dir(),
                   help="folder with the release files, e.g. humaneval_plus/HumanEvalPlus-v0.1.10.jsonl.gz or livecodebench/ "
                        "(default $PASSK_DATA_DIR; else download, which needs the network)")
    p.add_argument("--data-file", default=None, help="the release file itself (offline alternative to --data-dir)")
    p.add_argument("--groundtruth", default=None,
                   help="a ground-truth file to reuse, or build when absent (instead of the cache)")
    p.add_argument("--groundtruth-cache", default=None, metavar="DIR",
                   help=f"where ground truths are cached (default ${groundtruth_cache.CACHE_ENV}, "
                        "else $XDG_CACHE_HOME/passk/groundtruth, i.e. ~/.cache/passk/groundtruth); "
                        "a shared folder lets a cluster build each once")
    p.add_argument("--build-groundtruth-only", action="store_true",
                   help="build (or find) the benchmark's ground truth in the cache, print its path and stop")
    p.add_argument("--work-dir", default=None, help="where problem records go (default: a temp dir)")
    p.add_argument("--backend", default="bwrap", choices=["bwrap", "docker", "process"], help="sandbox.backend")
    p.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    p.set_defaults(func=run)
