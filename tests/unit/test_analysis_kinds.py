"""Each analysis figure kind drawn from hand-made run tables, with the numbers its tables must hold."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest
import yaml

from passk.analysis.tables import BASE_TESTS_COLUMNS, PROBLEM_COLUMNS, STATUS_COLUMNS
from passk.config.figures import figure_spec
from passk.figures import analysis_kinds as K
from passk.io import csv_text, write_text


def _config(kind: str, bench_family: str = "math", **options) -> dict:
    return {
        "sampling": {"shard_size": 4, "backend": "transformers"},
        "models": {"base": {"role": "base", "label": "Base", "template": "qwen-boxed"}, "rl": {"role": "rl", "label": "RL", "template": "qwen-boxed"}},
        "benchmarks": {"toy": {"family": bench_family, "n": 8, "label": "Toy"}},
        "figures": {"fig": {"kind": kind, "benchmarks": ["toy"], "models": [["base", "rl"]], **options}},
    }


def _problems_csv(path: Path, cs: list[int], n: int = 8) -> str:
    rows = [[f"t/{i}", i, n, c, c, n - c, 0, 0, 0, 0] for i, c in enumerate(cs)]
    write_text(path, csv_text(PROBLEM_COLUMNS, rows))
    return str(path)


def _read(path: Path) -> list[dict]:
    with open(path, newline="") as fh:
        return list(csv.DictReader(fh))


def _outs(tmp: Path) -> dict:
    return {"out_png": str(tmp / "f.png"), "out_pdf": str(tmp / "f.pdf"), "out_csv": str(tmp / "f.csv"), "out_md": str(tmp / "t.md"),
            "out_table_csv": str(tmp / "t.csv")}


def test_cover_kind(tmp_path: Path) -> None:
    spec = figure_spec(_config("cover", cover={"taus": [0.25, 1.0]}), "fig")
    tables = [_problems_csv(tmp_path / "b.csv", [0, 1, 2, 8]), _problems_csv(tmp_path / "r.csv", [0, 0, 8, 8])]
    K.draw_cover(spec, {}, problems=tables, **_outs(tmp_path))
    rows = _read(tmp_path / "t.csv")
    assert [(r["label"], float(r["cover@0.25"]), float(r["cover@1"])) for r in rows] == [("Base", 0.5, 0.25), ("RL", 0.5, 0.5)]
    assert float(rows[0]["pass_at_n"]) == 0.75 and (tmp_path / "f.png").stat().st_size > 0
    assert "cover@0.25" in (tmp_path / "t.md").read_text()


def test_test_strength_kind(tmp_path: Path) -> None:
    spec = figure_spec(_config("test_strength", "evalplus"), "fig")
    tables = []
    for name, rows in (("b", [["p/0", 0, 8, 1, 3, 1], ["p/1", 1, 8, 0, 0, 0]]), ("r", [["p/0", 0, 8, 2, 2, 0], ["p/1", 1, 8, 4, 8, 0]])):
        write_text(tmp_path / f"{name}.csv", csv_text(BASE_TESTS_COLUMNS, rows))
        tables.append(str(tmp_path / f"{name}.csv"))
    K.draw_test_strength(spec, {}, base_tests=tables, **_outs(tmp_path))
    rows = {r["label"]: r for r in _read(tmp_path / "t.csv")}
    assert int(rows["Base"]["false_positives"]) == 2 and float(rows["Base"]["false_positive_rate"]) == pytest.approx(2 / 3)
    assert int(rows["RL"]["false_positives"]) == 4 and float(rows["RL"]["false_positive_rate"]) == pytest.approx(4 / 10)
    assert int(rows["Base"]["base_unknown"]) == 1 and int(rows["RL"]["problems_only_base_solves"]) == 0
    labels = {r["label"] for r in _read(tmp_path / "f.csv")}
    assert labels == {"Base (base tests only)", "Base (base + plus tests)", "RL (base tests only)", "RL (base + plus tests)"}


def test_diversity_kind(tmp_path: Path) -> None:
    spec = figure_spec(_config("diversity"), "fig")
    problems = [_problems_csv(tmp_path / "b.csv", [0, 1, 8]), _problems_csv(tmp_path / "r.csv", [0, 8, 8])]
    header = "problem_id,index,n,c,no_answer,distinct_answers,distinct_correct,answer_classes,entropy_bits,top_answer,top_share\n"
    (tmp_path / "ab.csv").write_text(header + "t/0,0,8,0,0,8,0,8,3.0,a,0.125\nt/1,1,8,1,0,2,1,2,0.5,b,0.875\nt/2,2,8,8,0,1,1,1,0.0,c,1.0\n")
    (tmp_path / "ar.csv").write_text(header + "t/0,0,8,0,8,0,0,0,0.0,,0.0\nt/1,1,8,8,0,1,1,1,0.0,b,1.0\nt/2,2,8,8,0,1,1,1,0.0,c,1.0\n")
    K.draw_diversity(spec, {}, problems=problems, answers=[str(tmp_path / "ab.csv"), str(tmp_path / "ar.csv")], **_outs(tmp_path))
    support = [r for r in _read(tmp_path / "f.csv") if r["k"] == "8"]
    assert [float(support[0][p]) for p in ("only_base", "only_rl", "both", "neither")] == [0.0, 0.0, 2.0, 1.0]
    md = (tmp_path / "t.md").read_text()
    assert "| Base | Toy | 3 | 3.67 | 2 |" in md and "| RL | Toy | 3 | 0.67 | 1 |" in md
    assert len(_read(tmp_path / "t.csv")) == 6


def test_noise_kind_with_forecast_on_all_samples(tmp_path: Path) -> None:
    spec = figure_spec(_config("noise", noise={"forecast_k": 32, "n_boot": 50, "method": "beta"}), "fig")
    problems = [_problems_csv(tmp_path / "b.csv", [0, 1, 2, 8, 3]), _problems_csv(tmp_path / "r.csv", [0, 4, 8, 8, 8])]
    K.draw_noise(spec, {}, problems=problems, fit_verdicts=[[], []], problem_files={}, **_outs(tmp_path))
    rows = _read(tmp_path / "t.csv")
    base = [r for r in rows if r["label"] == "Base"]
    assert [int(r["k"]) for r in base] == [1, 2, 4, 8, 16, 32]
    for r in base[:4]:
        assert float(r["both_low"]) <= float(r["pass_at_k"]) <= float(r["both_high"])
        assert float(r["samples_high"]) - float(r["samples_low"]) <= float(r["both_high"]) - float(r["both_low"]) + 1e-9
    assert base[-1]["pass_at_k"] == "nan" and 0 < float(base[-1]["forecast"]) <= 1 and base[0]["fit_n"] == "8"


def test_plan_kind_writes_a_fragment_that_only_raises_n(tmp_path: Path) -> None:
    spec = figure_spec(_config("plan", plan={"k": 8, "half_width": 0.05, "draws": 30}), "fig")
    problems = [_problems_csv(tmp_path / "b.csv", [0, 1, 2, 8, 3, 5, 7, 0]), _problems_csv(tmp_path / "r.csv", [8] * 8)]
    K.write_plan(spec, problems=problems, steps=[4, 4], out_md=str(tmp_path / "p.md"), out_csv=str(tmp_path / "p.csv"), out_yaml=str(tmp_path / "p.yaml"))
    rows = {r["label"]: r for r in _read(tmp_path / "p.csv")}
    planned = int(rows["Base"]["n_planned"])
    assert planned > 8 and planned % 4 == 0
    assert int(rows["RL"]["n_planned"]) == 8  # every problem solved every time: no sampling noise left
    fragment = yaml.safe_load((tmp_path / "p.yaml").read_text())
    assert fragment == {"benchmarks": {"toy": {"n_per_model": {"base": planned}}}}
    assert "already there" in (tmp_path / "p.md").read_text()
