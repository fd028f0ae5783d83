"""Sec. 4 pieces: training logs with mapped columns, checkpoint figures (folded axis, ΔSE arrows),
unfilled checkpoints skipped with a message, the committed Omni-MATH split, progress lines."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import numpy as np
import pytest
import yaml

from passk.analysis.tables import CURVE_COLUMNS
from passk.analysis.training_logs import read_training_log
from passk.benchmarks.math.prepare import SPLIT_FILE, make_split, prepare
from passk.config.unfilled import skip_unfilled
from passk.errors import DataError
from passk.figures.checkpoint_plots import auto_fold, plot_checkpoint_grid, plot_training_logs
from passk.io import csv_text, write_text
from passk.progress import Progress

REPO = Path(__file__).resolve().parents[2]


def test_training_logs_csv_and_jsonl_with_mapped_columns(tmp_path: Path) -> None:
    (tmp_path / "a.csv").write_text("trainer/global_step,critic/score/mean,response_length/mean,actor/entropy\n20,0.5,100,0.4\n0,0.1,120,0.6\n40,,90,0.3\n")
    (tmp_path / "b.jsonl").write_text('{"s": 0, "r": 0.2, "len": 10, "h": 1.0}\n\n{"s": 10, "r": 0.4, "len": 12, "h": 0.8}\n')
    a = read_training_log(tmp_path / "a.csv", {"step": "trainer/global_step", "reward": "critic/score/mean", "response_length": "response_length/mean", "entropy": "actor/entropy"})
    assert a["reward"][0].tolist() == [0, 20] and a["reward"][1].tolist() == [0.1, 0.5]  # sorted, blank skipped
    assert a["entropy"][0].tolist() == [0, 20, 40]
    b = read_training_log(tmp_path / "b.jsonl", {"step": "s", "reward": "r", "response_length": "len", "entropy": "h"})
    assert b["response_length"][1].tolist() == [10.0, 12.0]
    with pytest.raises(DataError, match="reward -> 'score'.*the log has"):
        read_training_log(tmp_path / "a.csv", {"step": "trainer/global_step", "reward": "score"})
    (tmp_path / "c.csv").write_text("step,reward,response_length,entropy\n1,x,2,3\n")
    with pytest.raises(DataError, match="c.csv:2: non-numeric"):
        read_training_log(tmp_path / "c.csv")
    plot_training_logs([{"label": "A", "path": str(tmp_path / "a.csv"), "columns": {"step": "trainer/global_step", "reward": "critic/score/mean",
                                                                                   "response_length": "response_length/mean", "entropy": "actor/entropy"}},
                        {"label": "B", "path": str(tmp_path / "b.jsonl"), "columns": {"step": "s", "reward": "r", "response_length": "len", "entropy": "h"}}],
                       [str(tmp_path / "f.png")], str(tmp_path / "f.csv"), settings={"dpi": 40})
    rows = (tmp_path / "f.csv").read_text().splitlines()
    assert rows[0] == "metric,log,step,value" and len(rows) == 1 + (2 + 2) + (3 + 2) + (3 + 2)


def _curve(path: Path, values: list[float]) -> str:
    write_text(path, csv_text(CURVE_COLUMNS, [[k, f"{v:.10f}", "nan", "nan"] for k, v in enumerate(values, start=1)]))
    return str(path)


def test_checkpoint_grid_folds_and_draws_delta_se(tmp_path: Path) -> None:
    base = _curve(tmp_path / "b.csv", [0.1, 0.3, 0.6, 0.8])
    rl1 = _curve(tmp_path / "r1.csv", [0.3, 0.35, 0.4, 0.45])
    rl2 = _curve(tmp_path / "r2.csv", [0.35, 0.38, 0.42, 0.44])
    panels = [{"title": "Omni-Test", "curves": [
        {"label": "Base", "role": "base", "csv": base},
        {"label": "GRPO", "role": "rl", "csv": rl1, "checkpoint": {"algorithm": "GRPO", "step": 150}},
        {"label": "PPO", "role": "rl", "csv": rl2, "checkpoint": {"algorithm": "PPO", "step": 150}},
    ]}]
    notes = plot_checkpoint_grid(panels, [str(tmp_path / "f.png")], settings={"dpi": 40}, fold_y="auto", delta_se_arrows=True)
    assert (tmp_path / "f.png").stat().st_size > 0
    assert notes == [{"panel": "Omni-Test", "delta_se": pytest.approx(0.45), "best_pass_at_1": 0.35, "best": "PPO", "base_pass_at_kmax": 0.8, "k_max": 4}]
    assert auto_fold([0.1, 0.12, 0.2, 0.9, 0.95]) == pytest.approx((0.22, 0.88))
    assert auto_fold(np.linspace(0, 1, 20)) is None
    assert auto_fold([0.0, 0.0, 0.0]) is None and auto_fold([0.5, 0.55]) is None  # nothing between two clusters


def test_unfilled_checkpoints_skip_their_figures_with_a_message() -> None:
    config = yaml.safe_load((REPO / "config" / "config.yaml").read_text())
    messages = skip_unfilled(config)
    assert "fig8_algorithms" not in config["figures"] and "table2_algorithms" not in config["figures"] and "fig18_training" not in config["figures"]
    assert "sec4_base" in config["figures"] and "fig2_math" in config["figures"]
    assert "grpo-step150" not in config["models"]
    assert messages["fig1_grpo_steps"].startswith("figure fig1_grpo_steps is skipped until you fill in: set models.grpo-step150.path")
    assert "figures.fig18_training.logs path of 'GRPO'" in messages["fig18_training"]
    config = yaml.safe_load((REPO / "config" / "config.yaml").read_text())
    for name in ("grpo-step150", "grpo-step300", "grpo-step450"):
        config["models"][name]["path"] = f"/data/{name}"
    skip_unfilled(config)
    assert "fig1_grpo_steps" in config["figures"] and "table3_grpo_steps" in config["figures"] and "fig8_algorithms" not in config["figures"]


def test_omni_math_split_is_the_committed_seeded_one(tmp_path: Path, shared_data: Path) -> None:
    data = json.loads((REPO / "src" / "passk" / "benchmarks" / "math" / SPLIT_FILE).read_text())
    parts = make_split(data["records"], data["seed"])
    assert {k: [f"omni_math_rule/{i}" for i in v] for k, v in parts.items()} == data["parts"]
    assert (len(data["parts"]["train"]), len(data["parts"]["test"])) == (2000, 821)
    assert not set(data["parts"]["train"]) & set(data["parts"]["test"])
    out = tmp_path / "test.jsonl"
    assert prepare("omni_math_test", {"family": "math", "dataset": "omni_math_rule", "split": "test"}, str(shared_data), out) == 821
    ids = [json.loads(line)["id"] for line in out.read_text().splitlines()]
    assert ids == data["parts"]["test"]
    assert prepare("t", {"family": "math", "dataset": "omni_math_rule", "split": "train", "limit": 3}, str(shared_data), out) == 3


def test_progress_lines(caplog: pytest.LogCaptureFixture) -> None:
    log = logging.getLogger("passk.test.progress")
    with caplog.at_level(logging.INFO, logger="passk.test.progress"):
        with Progress("verify x", 10, "samples", log=log, interval=0.05) as progress:
            progress.advance(4)
            import time

            time.sleep(0.2)
            bar = progress.tqdm_class(per_update=2)(total=3)
            bar.update(1)
            bar.close()
    lines = [r.getMessage() for r in caplog.records]
    assert len(lines) >= 3  # heartbeats while nothing advanced, and the last line
    assert lines[-1].startswith("progress verify x: 6/10 samples (60.0%), ") and "ETA" in lines[-1]
