"""LiveCodeBench verification throughput: samples/s of the LiveCodeBench verifier in the sandbox.

Workload: the official o1-mini release_v5 submission's program for each of the 279 problems of
2024-08-01..2025-02-01, run on the staged public tests (736 tests: 474 stdin, 262 call-based) — a
real mix of passes, wrong answers, runtime errors and a timeout. Every program is distinct, so
dedupe does not help here (``--repeat R`` adds R-1 identical copies per problem to show what it
saves at n=128-style sampling).

Modes:

- *sandbox* (always): the configured backend (``--backend``, default bwrap), ``--workers`` runs at
  a time; includes extraction, job files, sandbox start-up and verdict parsing.
- *bare* (``--bare``): the same fork server, harness and judge under the ``process`` backend (no
  namespaces, no isolation): what the isolation itself costs.

Also prints the agreement with the official verdicts (official pass must pass ours). Usage::

    .venv/bin/python benchmarks/verify_lcb.py [--workers 2] [--backend bwrap] [--limit N] [--repeat R] [--bare]
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DATA = Path(os.environ.get("PASSK_DATA_DIR", REPO.parent / "shared" / "data"))


def _bare_sandbox():  # type: ignore[no-untyped-def]
    """The ``process`` backend: the same fork server and judge, rlimits only, no isolation (trusted programs only)."""
    import warnings

    from passk.sandbox.process import ProcessSandbox

    warnings.filterwarnings("ignore", message="sandbox.backend 'process'")
    return ProcessSandbox()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--backend", default="bwrap", choices=["bwrap", "docker", "process"])
    ap.add_argument("--limit", type=int, default=None, help="first N problems only")
    ap.add_argument("--repeat", type=int, default=1, help="identical samples per problem (dedupe runs each once)")
    ap.add_argument("--timeout", type=float, default=6.0, help="per-test limit (lcb_runner default 6 s)")
    ap.add_argument("--bare", action="store_true", help="also time the harness without a sandbox")
    args = ap.parse_args()

    from passk.benchmarks.livecodebench.prepare import SUBMISSION_FILE, prepare
    from passk.benchmarks.livecodebench.verify import verify
    from passk.io import read_json, read_jsonl
    from passk.verify.family import VerifyContext

    if not (DATA / "livecodebench").is_dir():
        print(f"no LiveCodeBench data at {DATA / 'livecodebench'} (set PASSK_DATA_DIR)", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "problems.jsonl"
        cfg = {"start_date": "2024-08-01", "end_date": "2025-02-01", "expected_count": 279}
        if args.limit:
            cfg["limit"] = args.limit
        prepare("lcb_2408_2501", cfg, str(DATA), out)
        problems = {r["id"]: r for r in read_jsonl(out)}
    official = {s["question_id"]: s for s in read_json(DATA / "livecodebench" / SUBMISSION_FILE)}
    samples = [
        {"problem_id": pid, "sample_index": k, "text": official[pid]["code_list"][0]}
        for pid in problems
        for k in range(args.repeat)
    ]
    bench = {"prompt": "none", "timeout": args.timeout}
    modes = [("sandbox", None)] + ([("bare", _bare_sandbox())] if args.bare else [])
    report = {}
    for mode, box in modes:
        start = time.monotonic()
        rows = verify(problems, samples, VerifyContext(bench=bench, workers=args.workers, sandbox={"backend": args.backend}), sandbox=box)
        seconds = time.monotonic() - start
        table = collections.Counter((official[r["problem_id"]]["graded_list"][0], r["correct"]) for r in rows[:: args.repeat])
        report[mode] = {
            "samples": len(samples),
            "distinct_programs": len(problems),
            "tests": sum(len(p["tests"]["inputs"]) for p in problems.values()),
            "seconds": round(seconds, 2),
            "samples_per_s": round(len(samples) / seconds, 2),
            "programs_per_s": round(len(problems) / seconds, 2),
            "statuses": dict(collections.Counter(r["status"] for r in rows)),
            "official_pass_ours_pass": table[True, True],
            "official_pass_ours_fail": table[True, False],
            "official_fail_ours_pass": table[False, True],
            "official_fail_ours_fail": table[False, False],
        }
        print(f"{mode:8s} {report[mode]['samples_per_s']:7.2f} samples/s ({len(samples)} samples, {seconds:.1f} s, "
              f"workers={args.workers}) statuses={report[mode]['statuses']}")
    print(json.dumps({"workers": args.workers, "backend": args.backend, "cpus": os.cpu_count(), **report}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
