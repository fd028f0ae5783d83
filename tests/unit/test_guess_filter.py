"""Guessability filter (paper App. D.2, Fig 12): boundaries, the filtered curve, byte determinism."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from passk.analysis.aggregate import aggregate
from passk.analysis.guess_filter import filtered_curve, guessable, read_filter, write_filter
from passk.analysis.metrics import bootstrap_ci_curve, dataset_pass_at_k, default_ks
from passk.analysis.tables import CURVE_COLUMNS, read_curve_csv
from passk.errors import ConfigError, DataError
from passk.io import write_jsonl
from passk.prompts import MATH_TEMPLATES, render_prompt, stop_strings
from passk.records.verdicts import write_verdicts


def _aggregate(tmp: Path, name: str, counts: dict[str, tuple[int, int]], order: list[str] | None = None) -> tuple[Path, Path]:
    """Per-problem and curve CSVs of a toy run: ``counts = {problem_id: (n, c)}``, via aggregate."""
    ids = order or list(counts)
    problems = tmp / f"{name}.jsonl"
    write_jsonl(problems, [{"id": pid, "index": i, "question": "q"} for i, pid in enumerate(ids)])
    rows = [
        {"problem_id": pid, "sample_index": s, "correct": s < counts[pid][1], "status": "correct" if s < counts[pid][1] else "wrong",
         "extracted": "", "detail": ""}
        for pid in ids
        for s in range(counts[pid][0])
    ]
    write_verdicts(tmp / f"{name}.parquet", rows)
    table, curve = tmp / f"{name}_problems.csv", tmp / f"{name}_curve.csv"
    aggregate([str(tmp / f"{name}.parquet")], str(problems), str(table), str(curve))
    return table, curve


def test_boundaries(tmp_path: Path) -> None:
    counts = {
        "zero": (20, 0),  # never answered directly: kept
        "exactly_5pct": (20, 1),  # 1/20 = 0.05: not < 0.05, kept
        "just_below": (21, 1),  # 1/21 < 0.05: guessable
        "tiny": (1024, 1),  # 1/1024: guessable
        "all": (20, 20),  # accuracy 1: kept (easy, not a guess)
        "three_of_60": (60, 3),  # 3/60 = 0.05 exactly: kept
        "just_above": (19, 1),  # 1/19 > 0.05: kept
    }
    table, _ = _aggregate(tmp_path, "direct", counts)
    assert guessable(str(table)) == ["just_below", "tiny"]  # CSV (index) order
    assert guessable(str(table), max_accuracy=0.0500001) == ["exactly_5pct", "just_below", "tiny", "three_of_60"]
    assert guessable(str(table), max_accuracy=1.0) == ["exactly_5pct", "just_below", "tiny", "three_of_60", "just_above"]  # 1.0 itself excluded
    for bad in (0, 0.0, -0.1, 1.5, "0.05", True):
        with pytest.raises(ConfigError):
            guessable(str(table), max_accuracy=bad)  # type: ignore[arg-type]


def test_filtered_curve_equals_the_curve_on_the_subset(tmp_path: Path) -> None:
    rng = np.random.default_rng(7)
    ids = [f"aime-{i}" for i in range(30)]
    counts = {pid: (64, int(c)) for pid, c in zip(ids, rng.integers(0, 65, size=30))}
    counts["aime-3"] = (64, 0)
    table, _ = _aggregate(tmp_path, "cot", counts)
    exclude = ["aime-5", "aime-0", "aime-17", "aime-29"]
    out = tmp_path / "out" / "filtered_curve.csv"
    filtered_curve(str(table), exclude, str(out))

    # 1) the same bytes as aggregate() writes for a benchmark of only the kept problems
    kept = {pid: counts[pid] for pid in ids if pid not in exclude}
    _, curve_subset = _aggregate(tmp_path, "subset", kept, order=[p for p in ids if p not in exclude])
    assert out.read_bytes() == curve_subset.read_bytes()

    # 2) the numbers passk.metrics gives on the subset, in aggregate's layout
    data = read_curve_csv(out)
    ns = np.array([kept[p][0] for p in kept])
    cs = np.array([kept[p][1] for p in kept])
    assert list(data["k"]) == list(range(1, 65))
    np.testing.assert_allclose(data["pass_at_k"], dataset_pass_at_k(ns, cs), rtol=0, atol=1e-10)
    ks = default_ks(64)
    low, high = bootstrap_ci_curve(ns, cs, ks, 1000, 0)
    np.testing.assert_allclose(data["ci_low"][np.array(ks) - 1], low, atol=1e-10)
    np.testing.assert_allclose(data["ci_high"][np.array(ks) - 1], high, atol=1e-10)
    assert np.isnan(data["ci_low"][2]) and out.read_text().splitlines()[0] == ",".join(CURVE_COLUMNS)

    # 3) nothing excluded: exactly aggregate's own curve of the whole run
    filtered_curve(str(table), [], str(tmp_path / "none.csv"))
    assert (tmp_path / "none.csv").read_bytes() == (tmp_path / "cot_curve.csv").read_bytes()


def test_filtered_curve_errors(tmp_path: Path) -> None:
    table, _ = _aggregate(tmp_path, "cot", {"a": (4, 1), "b": (4, 0)})
    with pytest.raises(DataError, match="not in this table"):
        filtered_curve(str(table), ["a", "zzz"], str(tmp_path / "x.csv"))
    with pytest.raises(DataError, match="every problem"):
        filtered_curve(str(table), ["a", "b"], str(tmp_path / "x.csv"))
    assert not (tmp_path / "x.csv").exists()


def test_outputs_are_byte_deterministic(tmp_path: Path) -> None:
    counts = {f"p{i}": (32, c) for i, c in enumerate([0, 1, 2, 5, 32, 1, 0, 9])}
    table, _ = _aggregate(tmp_path, "direct", counts)
    ids = guessable(str(table))
    assert ids == ["p1", "p5"]  # 1/32 < 0.05; 2/32 = 0.0625 is not
    meta = {"model": "qwen2.5-7b", "template": "qwen-boxed-direct", "max_accuracy": 0.05, "n_problems": 8, "source": "direct_problems.csv"}
    for name in ("a", "b"):
        write_filter(ids, str(tmp_path / f"{name}.json"), dict(reversed(list(meta.items()))))
        filtered_curve(str(table), read_filter(tmp_path / f"{name}.json"), str(tmp_path / f"{name}.csv"))
    assert (tmp_path / "a.json").read_bytes() == (tmp_path / "b.json").read_bytes()
    assert (tmp_path / "a.csv").read_bytes() == (tmp_path / "b.csv").read_bytes()
    data = json.loads((tmp_path / "a.json").read_text())
    assert data == {"excluded": ["p1", "p5"], "n_excluded": 2, "meta": meta}
    with pytest.raises(DataError, match="duplicate"):
        write_filter(["p1", "p1"], str(tmp_path / "c.json"), {})
    (tmp_path / "bad.json").write_text("[1, 2]")
    with pytest.raises(DataError, match="not a guess-filter file"):
        read_filter(tmp_path / "bad.json")


def test_direct_answer_template() -> None:
    text = render_prompt({"question": "What is 2 + 3?"}, template="qwen-boxed-direct")
    boxed = render_prompt({"question": "What is 2 + 3?"}, template="qwen-boxed")
    # same chat frame as qwen-boxed; asks for the boxed answer without reasoning
    assert text.startswith("<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\nWhat is 2 + 3?\n")
    assert text.endswith("<|im_end|>\n<|im_start|>assistant\n") and boxed.endswith("<|im_end|>\n<|im_start|>assistant\n")
    assert "\\boxed{}" in text and "step by step" not in text and "reason" in text.lower()
    assert stop_strings("qwen-boxed-direct") == stop_strings("qwen-boxed")
    assert {"qwen-boxed", "qwen25-math-cot", "abel", "deepseek-r1"} <= set(MATH_TEMPLATES)
