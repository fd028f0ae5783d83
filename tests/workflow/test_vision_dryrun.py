"""The paper grid plans with Fig 4 right's RL model unset (a note says what to set), refuses the
figure's own target with that message, and plans it once the checkpoint is named."""

from __future__ import annotations

from pathlib import Path

import pytest
from wf_helpers import REPO, planned_jobs_from, snakemake, write_config

pytestmark = pytest.mark.workflow


def test_paper_grid_plans_without_the_unset_rl_model(tmp_path: Path) -> None:
    proc = snakemake(tmp_path, "-n", config=REPO / "config" / "config.yaml")
    out = proc.stdout + proc.stderr
    assert "NOTE: figure fig4_vision is skipped" in out and "set models.qwen2.5-vl-7b-rl.path" in out
    assert "results/figures/fig4_vision.png" not in out and "mathvista" not in out.split("Job stats:", 1)[1]
    target = snakemake(tmp_path, "-n", "fig4_vision", config=REPO / "config" / "config.yaml", check=False)
    assert target.returncode != 0 and "set models.qwen2.5-vl-7b-rl.path to the directory of your checkpoint" in target.stdout + target.stderr


def test_naming_the_checkpoint_plans_fig4_vision(tmp_path: Path) -> None:
    config = write_config(tmp_path / "config.yaml", REPO / "config" / "config.yaml",
                          lambda c: c["models"]["qwen2.5-vl-7b-rl"].update(path=str(tmp_path / "my-checkpoint")))
    proc = snakemake(tmp_path, "-n", "fig4_vision", config=config)
    jobs = planned_jobs_from(proc.stdout + proc.stderr)
    assert jobs["sample"] == 16 and jobs["verify"] == 16 and jobs["prepare_benchmark"] == 2 and jobs["get_model"] == 2
