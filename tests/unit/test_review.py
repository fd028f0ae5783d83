"""The lucky-guess review on hand-made runs: which chains are selected, how marks are read back,
the CoT-valid counts and the paper-style table, the judge's prompts and suggestions."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from passk.analysis.aggregate import aggregate
from passk.analysis.review import (
    cot_valid_counts,
    effective_marks,
    judge_problems,
    judge_suggestions,
    marks_document,
    problem_verdict,
    read_marks,
    review_summary,
    select_chains,
    text_sha256,
)
from passk.errors import ConfigError, DataError
from passk.io import write_json, write_jsonl
from passk.records.problems import load_problems
from passk.records.samples import write_samples
from passk.records.verdicts import write_verdicts

RUN = {"model": "m", "benchmark": "toy", "setting": "default", "label": "M"}
# problem -> correct sample indices, of n = 20: t/0 solved once (5 %), t/1 twice (10 %), t/2 never, t/3 always
CORRECT = {"t/0": [7], "t/1": [2, 11], "t/2": [], "t/3": list(range(20))}


def _run(tmp: Path) -> tuple[str, str, list[str], list[str]]:
    problems = tmp / "problems.jsonl"
    write_jsonl(problems, [{"id": pid, "index": i, "question": f"What is {i}?", "answer": str(i),
                            "metadata": {"solution": f"It is $\\\\boxed{{{i}}}$."}} for i, pid in enumerate(CORRECT)])
    verdicts, samples = [], []
    for shard in (0, 1):
        v_rows, s_rows = [], []
        for pid, good in CORRECT.items():
            for s in range(shard * 10, shard * 10 + 10):
                ok = s in good
                v_rows.append({"problem_id": pid, "sample_index": s, "correct": ok, "status": "correct" if ok else "wrong",
                               "extracted": "1" if ok else "9", "detail": ""})
                s_rows.append({"problem_id": pid, "sample_index": s, "seed": 0, "text": f"chain {pid} #{s}: so \\\\boxed{{1}}"})
        write_verdicts(tmp / f"v{shard}.parquet", v_rows)
        write_samples(tmp / f"s{shard}.parquet", s_rows)
        verdicts.append(str(tmp / f"v{shard}.parquet"))
        samples.append(str(tmp / f"s{shard}.parquet"))
    table = tmp / "problems.csv"
    aggregate(verdicts, str(problems), str(table), str(tmp / "curve.csv"), n_expected=20)
    return str(problems), str(table), verdicts, samples


def test_selection_is_the_rarely_solved_problems_and_their_correct_chains(tmp_path: Path) -> None:
    _, table, verdicts, samples = _run(tmp_path)
    chains = select_chains(RUN, table, verdicts, samples, 0.11)
    assert [(c["problem_id"], c["sample_index"]) for c in chains] == [("t/0", 7), ("t/1", 2), ("t/1", 11)]
    assert chains[0]["text"] == "chain t/0 #7: so \\\\boxed{1}" and chains[0]["sha256"] == text_sha256(chains[0]["text"])
    # the paper's threshold is strict: 1 of 20 is exactly 5 % and not below it
    assert select_chains(RUN, table, verdicts, samples, 0.05) == []
    with pytest.raises(ConfigError):
        select_chains(RUN, table, verdicts, samples, 0.0)


def _marks(tmp: Path, chains: list[dict], marks: dict[int, str], *, tamper: int | None = None) -> str:
    entries = [((c["model"], c["benchmark"], c["setting"], c["problem_id"], c["sample_index"]), m,
                "0" * 64 if i == tamper else c["sha256"]) for i, c in enumerate(chains) for j, m in marks.items() if i == j]
    path = tmp / "marks.json"
    write_json(path, marks_document("fig", entries))
    return str(path)


def test_marks_make_the_cot_valid_counts_and_the_table(tmp_path: Path) -> None:
    _, table, verdicts, samples = _run(tmp_path)
    chains = select_chains(RUN, table, verdicts, samples, 0.11)
    none = review_summary(RUN, table, chains, {}, set(), {}, 0.11)
    assert (none["rare"], none["rare_valid"], none["rare_unreviewed"], none["chains_unmarked"]) == (2, 0, 2, 3)
    assert none["pass_at_n"] == 0.75 and none["cot_valid_pass_at_n"] == 0.25  # t/3 only: unmarked chains do not count

    path = _marks(tmp_path, chains, {0: "invalid", 1: "valid", 2: "unsure"})
    applied, stale, unselected = effective_marks(chains, read_marks(path))
    assert not stale and not unselected and len(applied) == 3
    ns, cs, cs_valid = cot_valid_counts(table, chains, applied, RUN)
    assert cs.tolist() == [1, 2, 0, 20] and cs_valid.tolist() == [0, 1, 0, 20]
    row = review_summary(RUN, table, chains, applied, stale, {}, 0.11)
    assert (row["rare_valid"], row["rare_invalid"], row["rare_unsure"], row["rare_unreviewed"]) == (1, 1, 0, 0)
    assert (row["chains_valid"], row["chains_invalid"], row["chains_unsure"], row["chains_unmarked"]) == (1, 1, 1, 0)
    assert row["cot_valid_pass_at_n"] == 0.5


def test_a_mark_on_a_changed_chain_is_stale(tmp_path: Path) -> None:
    _, table, verdicts, samples = _run(tmp_path)
    chains = select_chains(RUN, table, verdicts, samples, 0.11)
    applied, stale, _ = effective_marks(chains, read_marks(_marks(tmp_path, chains, {0: "valid", 1: "valid"}, tamper=0)))
    assert len(applied) == 1 and len(stale) == 1
    assert review_summary(RUN, table, chains, applied, stale, {}, 0.11)["stale_marks"] == 1


@pytest.mark.parametrize("content, message", [
    ({"marks": []}, "not a marks file"),
    ({"format": "passk-cot-review", "marks": [{"model": "m"}]}, "needs model"),
    ({"format": "passk-cot-review", "marks": [{"model": "m", "benchmark": "toy", "setting": "default", "problem_id": "t/0", "sample_index": 7,
                                                "mark": "great", "sha256": "x"}]}, "not one of"),
])
def test_bad_marks_files_are_refused(tmp_path: Path, content: dict, message: str) -> None:
    path = tmp_path / "marks.json"
    path.write_text(json.dumps(content))
    with pytest.raises(DataError, match=message):
        read_marks(str(path))


def test_problem_verdict() -> None:
    assert problem_verdict(["invalid", "valid"]) == "valid"
    assert problem_verdict(["invalid", "unsure"]) == "unsure"
    assert problem_verdict(["invalid", "invalid"]) == "invalid"
    assert problem_verdict(["invalid", None]) == "unreviewed"


def test_judge_prompts_and_suggestions(tmp_path: Path) -> None:
    problems_path, table, verdicts, samples = _run(tmp_path)
    chains = select_chains(RUN, table, verdicts, samples, 0.11)
    records = judge_problems(chains, {"toy": load_problems(problems_path)})
    assert [r["id"] for r in records] == ["m|toy|default|t/0|7", "m|toy|default|t/1|2", "m|toy|default|t/1|11"]
    assert "What is 0?" in records[0]["question"] and "chain t/0 #7" in records[0]["question"] and "Reference answer: 0" in records[0]["question"]
    write_samples(tmp_path / "judge.parquet", [
        {"problem_id": records[0]["id"], "sample_index": 0, "seed": 0, "text": "Hmm \\boxed{valid} no wait \\boxed{Invalid}"},
        {"problem_id": records[1]["id"], "sample_index": 0, "seed": 0, "text": "I cannot tell"},
        {"problem_id": records[2]["id"], "sample_index": 0, "seed": 0, "text": "\\boxed{ unsure }"},
    ])
    got = judge_suggestions([str(tmp_path / "judge.parquet")], chains)
    assert sorted(got.values()) == ["invalid", "none", "unsure"]  # the second answer holds no mark
    applied = {k: "invalid" for k in got}
    row = review_summary(RUN, table, chains, applied, set(), got, 0.11)
    assert (row["judge_answered"], row["judge_suggested"], row["judge_agrees"]) == (3, 2, 1)
    assert np.isfinite(row["pass_at_n"])
