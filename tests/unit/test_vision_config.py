"""Fig 4 right in the config: the RL model is the user's to name; until then the figure is skipped
with a message saying what to set, and the rest of the grid is unaffected."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml

from passk.config import grid as pc
from passk.config.unfilled import skip_unfilled, unfilled_models
from passk.config import validate as cv
from passk.errors import ConfigError

REPO = Path(__file__).resolve().parents[2]
SCHEMA = REPO / "config" / "schema.yaml"


def paper() -> dict:
    return yaml.safe_load((REPO / "config" / "config.yaml").read_text())


def test_the_base_model_is_pinned_and_the_rl_model_unset() -> None:
    config = paper()
    base = config["models"]["qwen2.5-vl-7b-instruct"]
    assert base["hf_id"] == "Qwen/Qwen2.5-VL-7B-Instruct" and len(base["revision"]) == 40
    assert "qwen2.5-vl-7b-rl" in unfilled_models(config) and "qwen2.5-vl-7b-instruct" not in unfilled_models(config)
    assert config["figures"]["fig4_vision"]["benchmarks"] == ["mathvista", "mathvision"]


def test_an_unset_rl_model_skips_its_figure_with_what_to_set() -> None:
    config = paper()
    cv.validate_schema(config, SCHEMA)
    skipped = skip_unfilled(config)
    cv.check_config(config)
    assert "fig4_vision" in skipped and "fig4_vision" not in config["figures"]
    assert "set models.qwen2.5-vl-7b-rl.path to the directory of your checkpoint" in skipped["fig4_vision"]
    assert "snakemake fig4_vision" in skipped["fig4_vision"]
    runs = pc.all_runs(config)
    assert not [r for r in runs if r.benchmark in ("mathvista", "mathvision")]
    assert {r.benchmark for r in runs} >= {"aime24", "humaneval_plus"}  # the rest of the grid


def test_naming_the_checkpoint_brings_the_figure_back() -> None:
    config = paper()
    config["models"]["qwen2.5-vl-7b-rl"]["path"] = "/checkpoints/my-easyr1-run"
    assert "fig4_vision" not in skip_unfilled(config)
    cv.check_config(config)
    runs = [(r.model, r.benchmark, len(r.shards)) for r in pc.all_runs(config) if r.benchmark in ("mathvista", "mathvision")]
    assert sorted(runs) == sorted((m, b, 4) for m in ("qwen2.5-vl-7b-instruct", "qwen2.5-vl-7b-rl") for b in ("mathvista", "mathvision"))


def test_a_model_with_no_source_at_all_is_still_an_error() -> None:
    config = paper()
    del config["models"]["qwen2.5-vl-7b-rl"]["path"]
    with pytest.raises(ConfigError, match=r"models.qwen2.5-vl-7b-rl: give exactly one of hf_id, path, tiny"):
        cv.check_config(config)


def test_a_visual_benchmark_needs_the_image_prompt() -> None:
    config = copy.deepcopy(paper())
    del config["benchmarks"]["mathvision"]["prompt"]
    config["models"]["qwen2.5-vl-7b-rl"]["path"] = "/x"
    for m in ("qwen2.5-vl-7b-instruct", "qwen2.5-vl-7b-rl"):
        config["models"][m]["template"] = "qwen-boxed"
    with pytest.raises(ConfigError, match="benchmarks.mathvision.prompt: a visual math benchmark needs a prompt that shows the image"):
        cv.check_config(config)
