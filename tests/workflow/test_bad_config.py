"""A malformed config stops the workflow before any job, with one message naming the key."""

from __future__ import annotations

from pathlib import Path

from wf_helpers import REPO, snakemake, write_config


def test_wrong_type_names_the_key(tmp_path: Path) -> None:
    config = write_config(tmp_path / "bad.yaml", REPO / "config" / "smoke.yaml", lambda c: c["sampling"].update(max_tokens="many"))
    proc = snakemake(tmp_path, "-n", config=config, check=False)
    assert proc.returncode != 0
    assert "config key sampling.max_tokens: 'many' is not of type 'integer'" in proc.stderr + proc.stdout


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
