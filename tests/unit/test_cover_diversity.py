"""cover@τ and answer diversity on hand-made counts and verdicts whose answers are known."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from passk.analysis.cover import cover_at_tau, cover_steps
from passk.analysis.diversity import answer_stats, answer_table, entropy_bits, expected_support
from passk.analysis.metrics import compare_coverage
from passk.analysis.tables import read_typed_csv
from passk.errors import ConfigError, DataError
from passk.io import write_jsonl
from passk.records.verdicts import write_verdicts


def test_cover_at_tau_counts_problems_at_or_above_each_accuracy() -> None:
    ns = [10, 10, 10, 10]
    cs = [0, 1, 5, 10]  # accuracies 0, 0.1, 0.5, 1
    assert cover_at_tau(ns, cs, [0.05, 0.1, 0.11, 0.5, 0.51, 1.0]).tolist() == [0.75, 0.75, 0.5, 0.5, 0.25, 0.25]


def test_cover_at_tau_is_exact_at_the_boundary() -> None:
    # 3/10 against τ = 0.3: 3 * 10 >= 3 * 10 in integers; a float 0.1 * 3 would say 0.30000000000000004 > 0.3
    assert cover_at_tau([10], [3], [0.3]).tolist() == [1.0]
    assert cover_at_tau([3], [1], [1 / 3]).tolist() == [1.0]  # τ as written, 0.3333333333333333, is below 1/3
    assert cover_at_tau([3], [1], [0.34]).tolist() == [0.0]


def test_cover_rejects_tau_outside_0_1() -> None:
    for tau in (0, -0.1, 1.5, True):
        with pytest.raises(ConfigError):
            cover_at_tau([4], [1], [tau])


def test_cover_steps_is_the_whole_function() -> None:
    taus, values = cover_steps([8, 8, 8], [0, 2, 8])
    assert taus.tolist() == [0.25, 1.0] and values.tolist() == [2 / 3, 1 / 3]
    # every τ in (0, 0.25] gives 2/3, every τ in (0.25, 1] gives 1/3
    assert cover_at_tau([8, 8, 8], [0, 2, 8], [0.01, 0.25, 0.26, 1.0]).tolist() == [2 / 3, 2 / 3, 1 / 3, 1 / 3]


def test_entropy_in_bits() -> None:
    assert entropy_bits([5]) == 0.0
    assert entropy_bits([1, 1]) == 1.0
    assert math.isclose(entropy_bits([1, 1, 1, 1]), 2.0)
    assert entropy_bits([]) == 0.0


def test_answer_stats_merges_correct_answers_into_one_class() -> None:
    answers = [("1/2", True), ("\\frac{1}{2}", True), ("3", False), ("3", False), (None, False), ("7", False)]
    s = answer_stats(answers)
    assert (s.n, s.c, s.no_answer) == (6, 2, 1)
    assert s.distinct_answers == 4  # 1/2, \frac{1}{2}, 3, 7
    assert s.distinct_correct == 2
    assert s.answer_classes == 3  # correct, 3, 7
    assert math.isclose(s.entropy_bits, -(0.4 * math.log2(0.4) * 2 + 0.2 * math.log2(0.2)))
    assert s.top_answer == "3" and s.top_share == 2 / 6


def test_expected_support_at_k_n_is_the_coverage_sets() -> None:
    rng = np.random.default_rng(0)
    n = 16
    cb = rng.integers(0, 3, size=40)
    cr = rng.integers(0, 3, size=40)
    support = expected_support(np.full(40, n), cb, np.full(40, n), cr)
    sets = compare_coverage(cb, cr)
    at_n = {part: support[part][-1] for part in ("only_base", "only_rl", "both", "neither")}
    assert at_n == pytest.approx({"only_base": len(sets.base_only), "only_rl": len(sets.rl_only), "both": len(sets.both), "neither": len(sets.neither)})
    total = support["only_base"] + support["only_rl"] + support["both"] + support["neither"]
    assert np.allclose(total, 40)


def test_expected_support_at_k_1_by_hand() -> None:
    # one problem: base 1 of 4 correct, RL 3 of 4: with one sample each, P(only base) = 1/4 · 1/4
    s = expected_support([4], [1], [4], [3], ks=[1])
    assert s["only_base"][0] == pytest.approx(1 / 16)
    assert s["only_rl"][0] == pytest.approx(9 / 16)
    assert s["both"][0] == pytest.approx(3 / 16)
    assert s["neither"][0] == pytest.approx(3 / 16)


def _answer_fixture(tmp: Path) -> tuple[str, list[str]]:
    problems = tmp / "problems.jsonl"
    write_jsonl(problems, [{"id": f"t/{i}", "index": i, "question": "q", "answer": "1"} for i in range(2)])
    shards = []
    answers = {"t/0": ["1", "1", "2", None], "t/1": ["5", "6", "7", "8"]}
    for shard in (0, 1):
        rows = []
        for pid, values in answers.items():
            for s in range(shard * 2, shard * 2 + 2):
                a = values[s]
                status = "no_answer" if a is None else ("correct" if a == "1" else "wrong")
                rows.append({"problem_id": pid, "sample_index": s, "correct": status == "correct", "status": status, "extracted": a, "detail": ""})
        path = tmp / f"v{shard}.parquet"
        write_verdicts(path, rows)
        shards.append(str(path))
    return str(problems), shards


def test_answer_table_from_verdicts(tmp_path: Path) -> None:
    problems, shards = _answer_fixture(tmp_path)
    out = tmp_path / "answers.csv"
    answer_table(shards, problems, str(out), n_expected=4)
    rows = read_typed_csv(out, {"problem_id": str, "n": int, "c": int, "no_answer": int, "distinct_answers": int, "answer_classes": int,
                                "entropy_bits": float, "top_answer": str})
    assert [(r["problem_id"], r["n"], r["c"], r["no_answer"], r["distinct_answers"], r["answer_classes"]) for r in rows] == [
        ("t/0", 4, 2, 1, 2, 2), ("t/1", 4, 0, 0, 4, 4)]
    assert rows[1]["entropy_bits"] == pytest.approx(2.0)
    assert rows[0]["top_answer"] == "1"
    with pytest.raises(DataError, match="n_expected=8"):
        answer_table(shards, problems, str(out), n_expected=8)
