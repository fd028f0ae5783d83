"""shards_per_job in the workflow: one sample_block job per block of shards, each shard unpacked to
the file `sample` would write; raising n adds whole blocks only; the same shards drawn one per job
are byte-identical."""

from __future__ import annotations

from pathlib import Path

import pytest

from wf_helpers import REPO, planned_jobs, snakemake, snapshot, write_config

pytestmark = pytest.mark.workflow


def _config(c: dict, *, n: int, per_job: int) -> None:
    """One tiny model on three MATH500 problems, shards of 2 samples, `per_job` shards per job."""
    base = c["models"]["tiny-base"]
    base["tiny"].update(train_on=["math500"], train_steps=20)
    c["models"] = {"tiny-base": base}
    c["benchmarks"] = {"math500": {**c["benchmarks"]["math500"], "n": n, "limit": 3, "shard_size": 2, "shards_per_job": per_job}}
    c["figures"] = {"fig": {"kind": "passk_curves", "title": "shards_per_job", "benchmarks": ["math500"], "models": [["tiny-base"]]}}
    c["verify"]["math_checkers"] = ["math_verify"]  # no verifier panel here


def test_blocks_of_shards_write_the_same_files_as_one_shard_per_job(tmp_path: Path, shared_data: Path) -> None:
    env = {"PASSK_DATA_DIR": str(shared_data)}
    smoke = REPO / "config" / "smoke.yaml"
    k2 = write_config(tmp_path / "k2.yaml", smoke, lambda c: _config(c, n=8, per_job=2))
    jobs = planned_jobs(tmp_path, k2)
    assert jobs["sample_block"] == 2 and jobs["unpack_shard"] == 4 and "sample" not in jobs, jobs
    snakemake(tmp_path, config=k2, env=env)
    samples = tmp_path / "results" / "samples" / "tiny-base" / "math500" / "default"
    assert sorted(p.name for p in samples.iterdir()) == [f"shard-{i}.parquet" for i in range(4)]  # the blocks were temporary
    assert (tmp_path / "logs" / "sample_block" / "tiny-base" / "math500" / "default" / "shards-2-3.log").exists()

    # Raising n adds a block; the finished shards stay as they are.
    k2_n12 = write_config(tmp_path / "k2-n12.yaml", smoke, lambda c: _config(c, n=12, per_job=2))
    jobs = planned_jobs(tmp_path, k2_n12)
    assert jobs["sample_block"] == 1 and jobs["unpack_shard"] == 2 and "sample" not in jobs, jobs
    before = snapshot(samples)
    snakemake(tmp_path, config=k2_n12, env=env)
    after = snapshot(samples)
    assert {name: after[name] for name in before} == before and len(after) == 6

    # One shard per job: every shard is drawn again (its producer changed), byte for byte the same.
    k1 = write_config(tmp_path / "k1.yaml", smoke, lambda c: _config(c, n=12, per_job=1))
    jobs = planned_jobs(tmp_path, k1)
    assert jobs["sample"] == 6 and "sample_block" not in jobs and "unpack_shard" not in jobs, jobs
    snakemake(tmp_path, config=k1, env=env)
    again = snapshot(samples)
    assert {name: data for name, (_, data) in again.items()} == {name: data for name, (_, data) in after.items()}
