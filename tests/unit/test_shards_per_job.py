"""shards_per_job: one job samples several shards with one loaded model, and every shard's file is
byte for byte what a job of its own writes; the setting > benchmark > sampling precedence; n must
grow by whole jobs; the key never reaches the sampling params (changing it resamples nothing by params)."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml

from passk.config import grid as pc
from passk.config import validate as cv
from passk.errors import ConfigError
from passk.io import write_jsonl
from passk.sampling.shard import sample_shard, sample_shards
from passk.models.tiny import build_tiny_model, problem_train_texts, toy_arithmetic_problems

REPO = Path(__file__).resolve().parents[2]
PROBLEMS = toy_arithmetic_problems(4)
MODEL = {"name": "tiny", "hf_id": "local/tiny", "revision": "r", "template": "qwen-boxed", "role": "base", "chat": "chatml"}
BENCH = {"name": "toy", "prompt": "model"}
SAMPLING = {"temperature": 0.8, "top_p": 0.95, "max_tokens": 12, "seed": 3}
BACKEND = {"name": "transformers", "batch_size": 4}

pytestmark = pytest.mark.usefixtures("one_torch_thread")  # see tests/conftest.py


def test_one_job_for_several_shards_writes_each_shard_as_its_own_job_would(tmp_path: Path) -> None:
    model_dir = tmp_path / "model"
    build_tiny_model(model_dir, seed=0, train_texts=problem_train_texts(PROBLEMS), train_steps=10, max_position_embeddings=256)
    problems = tmp_path / "toy.jsonl"
    write_jsonl(problems, PROBLEMS)
    common = dict(model=MODEL, benchmark=BENCH, problems_path=str(problems), shard_size=3, sampling=SAMPLING, backend=BACKEND, model_dir=str(model_dir))
    sample_shards(shards=[2, 3, 4], out_paths=[str(tmp_path / "block" / f"{s}.parquet") for s in (2, 3, 4)], **common)
    for shard in (2, 3, 4):
        alone = tmp_path / "alone" / f"shard-{shard}.parquet"
        sample_shard(shard=shard, out_path=str(alone), **common)
        assert (tmp_path / "block" / f"{shard}.parquet").read_bytes() == alone.read_bytes(), shard
    with pytest.raises(ConfigError, match="one output per shard"):
        sample_shards(shards=[0, 1], out_paths=[str(tmp_path / "x.parquet")], **common)


def _smoke() -> dict:
    return yaml.safe_load((REPO / "config" / "smoke.yaml").read_text())


def test_precedence_setting_then_benchmark_then_sampling() -> None:
    config = _smoke()
    assert pc.shards_per_job(config, "math500") == 1
    config["sampling"]["shards_per_job"] = 2
    assert pc.shards_per_job(config, "math500") == 2
    config["benchmarks"]["aime24"]["shards_per_job"] = 3
    assert pc.shards_per_job(config, "aime24") == 3 and pc.shards_per_job(config, "aime24", "direct16") == 3
    config["settings"]["direct16"]["shards_per_job"] = 6
    assert pc.shards_per_job(config, "aime24", "direct16") == 6 and pc.shards_per_job(config, "aime24") == 3


def test_n_must_grow_by_whole_jobs() -> None:
    config = _smoke()
    config["settings"]["direct16"]["shards_per_job"] = 6  # tiny-base-direct: n = 24 = 6 shards of 4
    cv.check_config(config)
    bad = copy.deepcopy(config)
    bad["settings"]["direct16"]["shards_per_job"] = 4
    with pytest.raises(ConfigError, match=r"tiny-base-direct/aime24/direct16 has 6 shards, not a multiple of its shards_per_job 4"):
        cv.check_config(bad)


def test_shards_per_job_is_not_a_sampling_param() -> None:
    config = _smoke()
    before = pc.sampling_slice(config, "direct16")
    config["settings"]["direct16"]["shards_per_job"] = 3
    assert pc.sampling_slice(config, "direct16") == before
