"""Sample one shard (rule sample)."""

from passk.analysis.entropy import resolve_temperature
from passk.models.manifest import model_dir_from_manifest
from passk.pipeline.rule import run_rule
from passk.sampling.gpus import engine_gpus, gpu_lease
from passk.sampling.shard import sample_shard


def body(sm):
    wc = sm.wildcards
    # The engine's GPUs (its tensor-parallel size; none on the CPU backend) are leased, and
    # CUDA_VISIBLE_DEVICES set, before it starts; under SLURM the allocation's GPUs are used as given.
    with gpu_lease(engine_gpus(sm.params.backend), job=f"sample {wc.model}/{wc.bench}/{wc.setting}/shard-{wc.shard}", configured=sm.config.get("gpus")):
        sample_shard(
            model=dict(sm.params.model),
            benchmark=dict(sm.params.bench),
            problems_path=sm.input.problems,
            shard=int(wc.shard),
            shard_size=int(sm.params.shard_size),
            sampling=resolve_temperature(dict(sm.params.sampling), list(sm.input.temperature)),
            backend=dict(sm.params.backend),
            out_path=sm.output[0],
            model_dir=model_dir_from_manifest(sm.input.model),
        )


run_rule(snakemake, body)  # noqa: F821 - injected by Snakemake
