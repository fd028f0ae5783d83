"""A malformed config stops the workflow before any job, with one message naming the key."""

from __future__ import annotations

import os
from pathlib import Path

from wf_helpers import REPO, snakemake, write_config


def test_wrong_type_names_the_key(tmp_path: Path) -> None:
    config = write_config(tmp_path / "bad.yaml", REPO / "config" / "smoke.yaml", lambda c: c["sampling"].update(max_tokens="many"))
    proc = snakemake(tmp_path, "-n", config=config, check=False)
    assert proc.returncode != 0
    assert "config key sampling.max_tokens: 'many' is not valid under any of the given schemas (new tokens per completion: an integer >= 1, or fit" in proc.stderr + proc.stdout


def test_duplicate_model_names_the_line(tmp_path: Path) -> None:
    text = (REPO / "config" / "smoke.yaml").read_text().replace("  tiny-rl:\n", "  tiny-base:\n", 1)
    config = tmp_path / "dup.yaml"
    config.write_text(text)
    proc = snakemake(tmp_path, "-n", config=config, check=False)
    assert proc.returncode != 0
    assert "duplicate key 'tiny-base'" in proc.stderr + proc.stdout


def test_full_paper_grid_dry_run_is_clean(tmp_path: Path) -> None:
    proc = snakemake(tmp_path, "-n", "--quiet", "rules", config=REPO / "config" / "config.yaml")
    out = proc.stdout + proc.stderr
    assert "sample" in out and "verify" in out


def test_a_run_that_cannot_fit_fails_the_dry_run(tmp_path: Path) -> None:
    """The old Fig 7 / Fig 10 settings (4096-token context, 16,384 new tokens) fail the plan, naming
    model, benchmark and numbers, before any job."""

    def old(config: dict) -> None:
        for name in ("qwen2.5-math-7b", "oat-zero-7b", "qwen2.5-math-7b-instruct"):
            config["models"][name].pop("max_tokens")

    config = write_config(tmp_path / "old.yaml", REPO / "config" / "config.yaml", old)
    proc = snakemake(tmp_path, "-n", "--quiet", "rules", config=config, check=False, env={"PASSK_DATA_DIR": ""})
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0
    assert "5 run(s) cannot fit their model's context" in out
    assert "model 'oat-zero-7b', benchmark 'aime24': longest prompt" in out and "> context 4096 (backend max_model_len)" in out


def test_a_figure_waiting_for_a_user_model_is_skipped_with_a_message(tmp_path: Path) -> None:
    def add(config: dict) -> None:
        config["models"]["my-rl"] = {"label": "My RL", "role": "rl", "template": "qwen-boxed",
                                     "supply": "your RL checkpoint of the tiny base (set path: to it)"}
        config["figures"]["fig_mine"] = {"kind": "passk_curves", "benchmarks": ["math500"], "models": [["tiny-base", "my-rl"]]}

    config = write_config(tmp_path / "mine.yaml", REPO / "config" / "smoke.yaml", add)
    env = {"PASSK_DATA_DIR": str(REPO.parent / "shared" / "data")} if not os.environ.get("PASSK_DATA_DIR") else {}
    proc = snakemake(tmp_path, "-n", config=config, env=env)
    out = proc.stdout + proc.stderr
    assert "NOTE: figure fig_mine is skipped until you fill in: set models.my-rl.path" in out and "your RL checkpoint of the tiny base" in out
    assert "results/figures/fig_mine.png" not in out and "results/figures/fig2_math.png" in out
    asked = snakemake(tmp_path, "-n", "fig_mine", config=config, env=env, check=False)
    assert asked.returncode != 0 and "figure fig_mine is skipped until you fill in: set models.my-rl.path" in asked.stdout + asked.stderr
