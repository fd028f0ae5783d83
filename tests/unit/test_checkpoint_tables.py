"""Tables 2/3 formatting, and the crossover interval on hand-made counts whose answer is known."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from passk.analysis.checkpoint_tables import percent, write_checkpoint_table
from passk.analysis.curve_pairs import panel_pairs, write_pairs_table
from passk.analysis.metrics import bootstrap_crossover_k, crossover_k, dataset_pass_at_k
from passk.analysis.tables import PROBLEM_COLUMNS
from passk.io import csv_text, write_text


def problems_csv(path: Path, ns: list[int], cs: list[int]) -> str:
    rows = [[f"b/{i}", i, n, c, c, n - c, 0, 0, 0, 0] for i, (n, c) in enumerate(zip(ns, cs))]
    write_text(path, csv_text(PROBLEM_COLUMNS, rows))
    return str(path)


def test_percent_one_decimal() -> None:
    assert percent(0.261) == "26.1" and percent(0.6719) == "67.2" and percent(1.0) == "100.0" and percent(0.0) == "0.0"


def test_no_crossover_when_the_leader_never_falls_behind() -> None:
    """A behind B on every problem at every k: no crossover, and every resample says 'beyond k_max'."""
    ns = [8] * 10
    a = dataset_pass_at_k(ns, [7] * 10)
    b = dataset_pass_at_k(ns, [4] * 10)
    assert crossover_k(a, b, strict=True) is None  # A leads from k = 1: nothing to cross
    got = bootstrap_crossover_k(ns, [4] * 10, ns, [5] * 10, n_boot=200)
    assert got["k"] is None and got["found_fraction"] == 0.0 and got["low"] == got["high"] == 9  # "beyond k_max = 8"


def test_crossover_interval_on_a_known_mixture() -> None:
    """A solves every problem 2 times in 8; B solves half the problems always and the rest never.
    B = share of always-solved problems at every k; A = 1 - C(6,k)/C(8,k) = .25, .464, .643, .786...
    On the data B = .5, so A overtakes at k = 3. A resample with share s of B's solved problems
    crosses at the first k with A(k) > s: k = 2 if s < .464, 3 if s < .643, 4 if s < .786, ... The
    interval's ends must be those thresholds applied to the resampled shares' percentiles."""
    p = 40
    ns = [8] * p
    cs_a = [2] * p
    cs_b = [8] * (p // 2) + [0] * (p // 2)
    got = bootstrap_crossover_k(ns, cs_a, ns, cs_b, n_boot=2000, seed=1)
    assert got["k"] == 3 and got["k_max"] == 8
    a_curve = dataset_pass_at_k([8], [2])
    rng = np.random.default_rng(1)
    idx = rng.integers(0, p, size=(2000, p))
    shares = (idx < p // 2).mean(axis=1)  # B's solved problems are the first half

    def k_of(s: float) -> int:
        over = np.nonzero(a_curve > s)[0]
        return int(over[0]) + 1 if s > a_curve[0] and over.size else (0 if s <= a_curve[0] else 9)

    ks = np.array([k_of(s) for s in shares])
    ks = np.where(ks == 0, 9, ks)
    low, high = np.quantile(ks, [0.025, 0.975], method="inverted_cdf")
    assert (got["low"], got["high"]) == (int(low), int(high))
    assert got["low"] <= 3 <= got["high"] and got["low"] >= 2


def test_pairs_and_checkpoint_tables(tmp_path: Path) -> None:
    base = problems_csv(tmp_path / "base.csv", [4] * 4, [1, 1, 0, 4])
    rl1 = problems_csv(tmp_path / "rl1.csv", [4] * 4, [3, 0, 0, 4])
    rl2 = problems_csv(tmp_path / "rl2.csv", [4] * 4, [4, 0, 0, 4])
    pairs = panel_pairs("Omni-Test", [("Base", base), ("GRPO", rl1), ("PPO", rl2)], n_boot=50)
    assert [(p.a, p.b) for p in pairs] == [("Base", "GRPO"), ("Base", "PPO"), ("GRPO", "PPO")]
    first = pairs[0]
    assert first.k_max == 4 and first.a_pass_at_1 == pytest.approx(6 / 16) and first.b_pass_at_1 == pytest.approx(7 / 16)
    assert first.delta_se == pytest.approx(0.75 - 7 / 16)  # base pass@4 = 3 of 4 problems
    write_pairs_table(pairs, str(tmp_path / "p.csv"), str(tmp_path / "p.md"), title="pairs")
    assert "| Omni-Test | Base | GRPO | 4 | 37.5 / 43.8 | 75.0 / 50.0 | 31.2 |" in (tmp_path / "p.md").read_text()

    entries = [{"label": "Qwen2.5-7B", "role": "base", "problems": {"t": base}},
               {"label": "GRPO", "role": "rl", "problems": {"t": rl1}},
               {"label": "PPO", "role": "rl", "problems": {"t": rl2}}]
    write_checkpoint_table(entries, [{"name": "t", "label": "Omni-MATH-Test"}], str(tmp_path / "t.md"), str(tmp_path / "t.csv"), title="Table 2")
    md = (tmp_path / "t.md").read_text().splitlines()
    assert md[2] == "pass@1 / pass@4 (%)"
    assert md[4:] == [
        "| Model | Omni-MATH-Test |",
        "|---|---|",
        "| Qwen2.5-7B | 37.5 / 75.0 |",
        "| GRPO | 43.8 / 50.0 |",
        "| PPO | 50.0 / 50.0 |",
        "| ΔSE = pass@4(Qwen2.5-7B) − best pass@1 | 25.0 (PPO) |",
    ]
    csv = (tmp_path / "t.csv").read_text().splitlines()
    assert csv[0] == "model,role,benchmark,k,pass_at_1,pass_at_k,delta_se" and csv[2].endswith(",0.3125000000")
