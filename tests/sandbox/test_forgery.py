"""The forgery suite: programs that forge their own pass through frames, gc, builtins or module
patching, lying objects, exceptions' repr/str, inherited descriptors or fake modules.

Each one is first shown to PASS the harness as it was before issue 11 (``old_harness/``, run as it
was run then, outside any sandbox: the forgeries lie but do no harm), so that none is toothless;
then every one must get a non-pass verdict from today's verifier, whose judge is out of reach.
"""

from __future__ import annotations

import gzip
import json
import pickle
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

from passk.benchmarks.evalplus.verify import verify as verify_evalplus
from passk.benchmarks.livecodebench.verify import verify as verify_lcb
from passk.sandbox import bwrap
from passk.verify.family import VerifyContext

from forgeries import FORGERIES, PROBLEMS

OLD = Path(__file__).resolve().parent / "old_harness"
needs_bwrap = pytest.mark.skipif(not bwrap.BwrapSandbox.available()[0], reason="bwrap unavailable")


def old_evalplus_passes(problem: str, code: str, tmp: Path) -> bool:
    """What the pre-issue-11 EvalPlus harness and its parent made of ``code``: a pass needs its
    ``done`` line with the run's nonce and the number of tests."""
    dataset, entry, atol, base, plus, exp_base, exp_plus = PROBLEMS[problem]
    nonce = secrets.token_hex(16)
    n = len(base) + len(plus)
    task = dict(mode="check", dataset=dataset, entry_point=entry, atol=atol, inputs=base + plus, expected=exp_base + exp_plus,
                time_limits=[5.0] * n, plus_start=len(base), exec_limit=5.0, labels=[f"t{i}" for i in range(n)], nonce=nonce, site=[])
    (tmp / "harness.py").write_bytes((OLD / "evalplus_harness.py").read_bytes())
    (tmp / "program.py").write_text(code)
    res = subprocess.run([sys.executable, "-I", "-S", "harness.py"], cwd=tmp, input=pickle.dumps(task), capture_output=True, timeout=120)
    for raw in res.stdout.splitlines():
        try:
            line = json.loads(raw)
        except ValueError:
            continue
        if isinstance(line, dict) and line.get("done") == nonce and line.get("n") == n:
            return True
    return False


def old_lcb_passes(problem: str, code: str, tmp: Path) -> bool:
    """What the pre-issue-11 LiveCodeBench harness and its parent made of ``code``: a pass needs
    ``verdict.json`` with the run's nonce, one result per test, all true."""
    _, fn_name, _, inputs, _, outputs, _ = PROBLEMS[problem]
    nonce = secrets.token_hex(16)
    (tmp / "harness_lcb.py").write_bytes((OLD / "lcb_harness.py").read_bytes())
    (tmp / "job.json").write_text(json.dumps({"nonce": nonce, "code": code, "inputs": inputs, "outputs": outputs, "fn_name": fn_name, "timeout": 5.0}))
    subprocess.run([sys.executable, "-I", "harness_lcb.py"], cwd=tmp, capture_output=True, timeout=120)
    try:
        verdict = json.loads((tmp / "verdict.json").read_text())
    except (OSError, ValueError):
        return False
    return verdict.get("nonce") == nonce and verdict.get("n_tests") == len(inputs) and all(r is True for r in verdict["results"])


@pytest.mark.parametrize("name,technique,problem,code", FORGERIES, ids=[f[0] for f in FORGERIES])
def test_each_forgery_passed_the_old_harness(tmp_path, name, technique, problem, code):
    passes = old_lcb_passes if problem.startswith("lcb") else old_evalplus_passes
    assert passes(problem, code, tmp_path), f"{name} ({technique}) did not forge a pass in the old harness: it would prove nothing"


def test_the_suite_covers_every_technique():
    assert {f[1] for f in FORGERIES} >= {"frames", "gc", "builtins", "module patching", "lying objects", "exception repr/str",
                                         "inherited descriptors", "fake modules"}


@needs_bwrap
def test_no_forgery_passes_now(tmp_path):
    sandbox_cfg = {"min_time_limit": 2.0, "startup_slack": 4.0, "timeout_per_task": 5.0, "memory_mb": 512}
    evalplus = [f for f in FORGERIES if not f[2].startswith("lcb")]
    lcb = [f for f in FORGERIES if f[2].startswith("lcb")]
    gt = tmp_path / "gt.json.gz"  # a format-2 fixture (one gzip member)
    problems, tasks = {}, {}
    for key in {f[2] for f in evalplus}:
        dataset, entry, atol, base, plus, exp_base, exp_plus = PROBLEMS[key]
        problems[key] = {"id": key, "question": "", "tests": {"dataset": dataset, "entry_point": entry, "atol": atol,
                                                             "base_input": base, "plus_input": plus}}
        tasks[key] = {"base": exp_base, "plus": exp_plus, "base_time": [0.0] * len(base), "plus_time": [0.0] * len(plus)}
    with gzip.open(gt, "wt") as fh:
        json.dump({"meta": {}, "tasks": tasks}, fh)
    rows = verify_evalplus(problems, [{"problem_id": f[2], "sample_index": i, "solution": f[3]} for i, f in enumerate(evalplus)],
                           VerifyContext(bench={}, workers=2, sandbox=sandbox_cfg, groundtruth=str(gt)))
    lcb_problems = {}
    for key in {f[2] for f in lcb}:
        _, fn_name, _, inputs, _, outputs, _ = PROBLEMS[key]
        lcb_problems[key] = {"id": key, "question": "", "tests": {"inputs": inputs, "outputs": outputs, "fn_name": fn_name}, "metadata": {}}
    rows += verify_lcb(lcb_problems, [{"problem_id": f[2], "sample_index": i, "solution": f[3]} for i, f in enumerate(lcb)],
                       VerifyContext(bench={"timeout": 2}, workers=2, sandbox=sandbox_cfg))
    names = [f[0] for f in evalplus] + [f[0] for f in lcb]
    passed = {n: r["detail"] for n, r in zip(names, rows) if r["correct"]}
    for n, r in zip(names, rows):
        print(f"  {n:32s} {r['status']:14s} {r['detail'][:100]}")
    assert not passed, f"forgeries passed today's verifier: {passed}"
    assert len(rows) == len(FORGERIES)
