"""Every canonical solution of HumanEval+ and MBPP+ must pass under the sandbox, several runs in a row.

    python benchmarks/evalplus_canonical.py --bench humaneval_plus --runs 5 --workers 1
    python benchmarks/evalplus_canonical.py --bench mbpp_plus --runs 5 --workers 2

Computes the ground truth once (in the sandbox), then verifies the canonical programs ``--runs``
times with ``--workers`` parallel sandboxes (the ``--cores`` of the workflow) and prints the pass
rate of each run and every non-pass with its detail.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

from passk.benchmarks.evalplus import groundtruth as G
from passk.benchmarks.evalplus import prepare as E
from passk.benchmarks.evalplus.verify import verify
from passk.io import read_jsonl, write_jsonl
from passk.verify.family import VerifyContext

REPO = Path(__file__).resolve().parents[1]
DATA = Path(os.environ.get("PASSK_DATA_DIR", REPO.parent / "shared" / "data"))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--bench", default="humaneval_plus", choices=["humaneval_plus", "mbpp_plus"])
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--work", default=None)
    ap.add_argument("--exclude", nargs="*", default=[], help="task ids to leave out (reported as excluded)")
    args = ap.parse_args()
    work = Path(args.work or tempfile.mkdtemp(prefix="passk-canon-"))
    work.mkdir(parents=True, exist_ok=True)
    probs_path, gt = work / "problems.jsonl", work / "gt.jsonl.zst"
    E.prepare(args.bench, {"dataset": args.bench}, str(DATA), probs_path)
    if args.exclude:
        write_jsonl(probs_path, [p for p in read_jsonl(probs_path) if p["id"] not in set(args.exclude)])
        print(f"excluded: {args.exclude}")
    if not gt.exists():
        t0 = time.time()
        G.compute_groundtruth(probs_path, gt, {})
        print(f"ground truth: {time.time() - t0:.1f}s")
    probs = {p["id"]: p for p in read_jsonl(probs_path)}
    samples = [{"problem_id": pid, "sample_index": 0, "solution": E.program_of_canonical(p)} for pid, p in probs.items()]
    for run in range(1, args.runs + 1):
        t0 = time.time()
        rows = verify(probs, samples, VerifyContext(bench={}, workers=args.workers, groundtruth=str(gt)))
        ok = sum(r["correct"] for r in rows)
        print(f"run {run}: {ok}/{len(rows)} pass in {time.time() - t0:.1f}s (workers={args.workers})")
        for r in rows:
            if not r["correct"]:
                print(f"  {r['problem_id']}: {r['status']}: {r['detail'][:300]}")


if __name__ == "__main__":
    main()
