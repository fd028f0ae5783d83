"""Sample a block of consecutive shards of a run with one loaded model (rule sample_block)."""

import os

from passk.analysis.entropy import resolve_temperature
from passk.models.manifest import model_dir_from_manifest
from passk.sampling.gpus import engine_gpus, gpu_lease
from passk.sampling.shard import sample_shards
from passk.pipeline.rule import run_rule


def body(sm):
    wc = sm.wildcards
    shards = list(range(int(wc.first), int(wc.last) + 1))
    out_dir = sm.output[0]
    os.makedirs(out_dir, exist_ok=True)
    # The engine's GPUs are leased before it starts, as in rule sample.
    with gpu_lease(engine_gpus(sm.params.backend), job=f"sample_block {wc.model}/{wc.bench}/{wc.setting}/shards-{wc.first}-{wc.last}", configured=sm.config.get("gpus")):
        sample_shards(
            model=dict(sm.params.model),
            benchmark=dict(sm.params.bench),
            problems_path=sm.input.problems,
            shards=shards,
            shard_size=int(sm.params.shard_size),
            sampling=resolve_temperature(dict(sm.params.sampling), list(sm.input.temperature)),
            backend=dict(sm.params.backend),
            out_paths=[os.path.join(out_dir, f"{shard}.parquet") for shard in shards],
            model_dir=model_dir_from_manifest(sm.input.model),
        )


run_rule(snakemake, body)  # noqa: F821 - injected by Snakemake
