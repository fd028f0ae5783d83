"""Math-Verify equivalence through killable workers: tricky answers, shards, dedup, timeouts."""

from __future__ import annotations

import os
import time

import pytest

from passk.benchmarks.math import fastpath
from passk.benchmarks.math.checker import MathCheckPool, check_answer, verify, verify_pairs
from passk.errors import ConfigError, DataError
from passk.records.verdicts import VERDICT_SCHEMA
from passk.verify.family import VerifyContext

POWER_TOWER = "\\boxed{5^{5^{5^{5^5}}}}"


@pytest.mark.parametrize(
    ("gold", "completion", "correct"),
    [
        ("27.0", "They meet after \\boxed{27} miles.", True),  # AMC float gold
        ("27", "\\boxed{27.0}", True),
        ("025", "The answer is 25.", True),  # AIME zero padding
        ("25", "\\boxed{025}", True),
        ("(1,2)", "\\boxed{(1,2)}", True),
        ("(1,2)", "\\boxed{[1,2]}", False),  # open vs closed interval
        ("(1,2]", "\\boxed{[1,2)}", False),
        ("[1,2]", "\\boxed{\\left[1, 2\\right]}", True),
        ("\\frac{1}{2}", "\\boxed{\\dfrac{1}{2}}", True),  # frac vs dfrac vs a/b vs decimal
        ("\\frac{1}{2}", "\\boxed{1/2}", True),
        ("\\dfrac12", "\\boxed{0.5}", True),
        ("\\frac{1}{2}", "\\boxed{\\frac{1}{3}}", False),
        ("10", "\\boxed{10 \\text{ cm}}", True),  # units
        ("10", "The length is \\boxed{10 cm}.", True),
        ("\\pm 2", "\\boxed{\\pm 2}", True),  # plus-minus is both roots, not one
        ("\\pm 2", "\\boxed{2}", False),
        ("\\pm 2", "\\boxed{-2, 2}", True),
        ("50", "\\boxed{50\\%}", True),  # percent
        ("0.5", "\\boxed{50\\%}", True),
        ("50", "\\boxed{0.5}", False),
        ("3", "first \\boxed{5}, then corrected: \\boxed{3}", True),  # several boxes, last wins
        ("5", "first \\boxed{3}, then \\boxed{5}", True),
        ("3", "first \\boxed{3}, then \\boxed{5}", False),
        ("5", "so the result is $\\boxed 5$.", True),  # \boxed x
        ("x=5", "\\boxed{5}", True),
        ("\\frac{\\sqrt{3}}{2}", "\\boxed{\\sqrt3/2}", True),
        ("3", "\\boxed{3.0003}", False),
        ("\\left( 3, \\frac{\\pi}{2} \\right)", "\\boxed{(3,\\frac{\\pi}{2})}", True),
        ("7", "we get 7 or maybe 12", False),  # no answer phrase: the last number (12) counts
    ],
)
def test_tricky_pairs(gold: str, completion: str, correct: bool) -> None:
    verdict = check_answer(gold, completion, "math500")
    assert verdict.correct is correct, verdict
    assert verdict.status == ("correct" if correct else "wrong")


def test_no_answer_status() -> None:
    verdict = check_answer("5", "I give up.", "math500")
    assert (verdict.correct, verdict.status, verdict.extracted) == (False, "no_answer", None)


def test_abel_quirk_through_check_answer() -> None:
    text = "3 + 4 = 7\nAnswer: 9"
    assert check_answer("9", text, "aime24").correct
    assert not check_answer("9", text, "aime24", template="abel").correct


def test_power_tower_times_out_and_the_worker_carries_on() -> None:
    with MathCheckPool(workers=1, timeout=1.5) as pool:
        assert pool.check([("1", "1.0")])[0].status == "correct"  # warm worker: start-up is not timed
        start = time.monotonic()
        [res] = pool.check([("5", "5^{5^{5^{5^5}}}")])
        elapsed = time.monotonic() - start
        assert res.status == "timeout" and res.detail == "no verdict within 1.5 CPU s"
        assert 1.5 <= elapsed < 1.5 + 10.0  # the pair's own CPU budget (wall time on a loaded machine), never a hang
        assert pool.restarts == 0  # the worker's CPU timer stopped the pair: the worker and its caches stay
        assert pool.check([("\\frac{1}{2}", "0.5")])[0].status == "correct"


# Checkers that misbehave on purpose, served by the real worker loop (``worker.serve``) in a module
# the pool starts as ``python -m``: one ignores its CPU timer (as C-level loops do), one sleeps
# (uses wall time, not CPU time), one changes process-wide state and then runs out of time.
_STUBBORN = """
import signal, sys, time
import mpmath
from passk.benchmarks.math import worker

def check(gold, pred):
    if pred == "spin":  # the CPU timer's signal is blocked, as if stuck in C code
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGPROF})
        while True:
            pass
    if pred == "sleep":
        time.sleep(3.0)
        return True, "slept"
    if pred == "precision":  # interrupted inside a block that would have restored it
        mpmath.mp.prec = 200
        while True:
            pass
    return gold == pred, "compared"

if __name__ == "__main__":
    sys.exit(worker.serve(check))
"""


@pytest.fixture()
def stubborn(tmp_path, monkeypatch):  # type: ignore[no-untyped-def]
    (tmp_path / "stubborn_checker.py").write_text(_STUBBORN)
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [str(tmp_path), os.environ.get("PYTHONPATH")])))
    import stubborn_checker

    return stubborn_checker


def test_a_checker_that_ignores_its_cpu_timer_is_killed(stubborn) -> None:  # type: ignore[no-untyped-def]
    with MathCheckPool(workers=1, timeout=1.0, module=stubborn) as pool:
        assert pool.check([("a", "a")])[0].status == "correct"
        start = time.monotonic()
        [res] = pool.check([("a", "spin")])
        assert res.status == "timeout" and res.detail == "no verdict within 1 CPU s; checker killed"
        assert time.monotonic() - start < 1.0 + 10.0
        assert pool.restarts == 1
        assert [r.status for r in pool.check([("a", "a"), ("a", "b")])] == ["correct", "wrong"]


def test_the_budget_is_cpu_time_so_waiting_costs_nothing(stubborn) -> None:  # type: ignore[no-untyped-def]
    # A pair that takes 3 s of wall time but no CPU time keeps its verdict under a 1-s budget:
    # on a loaded machine a pair is not timed out for the time it spent waiting for a core.
    with MathCheckPool(workers=1, timeout=1.0, module=stubborn) as pool:
        [res] = pool.check([("a", "sleep")])
        assert (res.status, res.detail) == ("correct", "slept")
        assert pool.restarts == 0


def test_a_timeout_that_leaves_global_state_changed_retires_the_worker(stubborn) -> None:  # type: ignore[no-untyped-def]
    with MathCheckPool(workers=1, timeout=1.0, module=stubborn) as pool:
        [res] = pool.check([("a", "precision")])
        assert res.status == "timeout" and res.detail == "no verdict within 1 CPU s"
        [ok] = pool.check([("a", "a")])
        assert ok.status == "correct"
        assert pool.restarts == 1  # the worker exited after its reply; a fresh one took the next pair


def test_shard_rows_order_dedup_and_timeout() -> None:
    problems = {
        "p/0": {"id": "p/0", "answer": "\\frac{1}{2}", "metadata": {"dataset": "math500"}},
        "p/1": {"id": "p/1", "answer": "27", "metadata": {"dataset": "amc23"}},
    }
    texts = ["\\boxed{0.5}", "\\boxed{1/2}", "\\boxed{0.5}", "nothing", POWER_TOWER, "\\boxed{27.0}", "\\boxed{28}"]
    pids = ["p/0"] * 5 + ["p/1"] * 2
    samples = [{"problem_id": p, "sample_index": i, "text": t} for i, (p, t) in enumerate(zip(pids, texts))]
    start = time.monotonic()
    rows = verify(problems, samples, VerifyContext(bench={"family": "math"}, workers=2, verify={"math_timeout": 2.0}))
    assert time.monotonic() - start < 12
    assert [r["sample_index"] for r in rows] == list(range(7))
    assert all(set(r) == set(VERDICT_SCHEMA.names) for r in rows)
    assert [r["status"] for r in rows] == ["correct", "correct", "correct", "no_answer", "timeout", "correct", "wrong"]
    assert [r["correct"] for r in rows] == [True, True, True, False, False, True, False]
    assert rows[3]["extracted"] is None and rows[6]["extracted"] == "28"


def test_dedup_counts_unique_pairs() -> None:
    items = [("x+1", "1+x")] * 50 + [("x+1", "x+2")] * 50 + [("2", "2")] * 10 + [("2", None)]
    items += [("2", "\\frac{4}{2}")] * 5 + [("2", "3")] * 5  # plain numbers: decided by the fast path
    verdicts, unique = verify_pairs(items, workers=2)
    assert unique == 2  # exact matches, plain numbers and no-answers never reach Math-Verify
    assert sum(v.correct for v in verdicts) == 65
    assert [v.detail for v in verdicts[-10:]] == [fastpath.EQUAL_DETAIL] * 5 + [fastpath.DIFFERENT_DETAIL] * 5


def test_unknown_problem_and_bad_args() -> None:
    with pytest.raises(DataError, match="unknown problem id 'nope'"):
        verify({}, [{"problem_id": "nope", "sample_index": 0, "text": "1"}], VerifyContext(bench={}))
    with pytest.raises(ConfigError):
        MathCheckPool(workers=0)
