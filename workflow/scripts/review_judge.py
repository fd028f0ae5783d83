"""Sample the review's judge model on its prompts, one answer per chain (rule review_judge)."""

from passk.models.manifest import model_dir_from_manifest
from passk.pipeline.rule import run_rule
from passk.sampling.gpus import engine_gpus, gpu_lease
from passk.sampling.shard import sample_shard


def body(sm):
    with gpu_lease(engine_gpus(sm.params.backend), job=f"review_judge {sm.wildcards.figure}", configured=sm.config.get("gpus")):
        sample_shard(
            model=dict(sm.params.model),
            benchmark=dict(sm.params.bench),
            problems_path=sm.input.problems,
            shard=0,
            shard_size=1,
            sampling=dict(sm.params.sampling),
            backend=dict(sm.params.backend),
            out_path=sm.output[0],
            model_dir=model_dir_from_manifest(sm.input.model),
        )


run_rule(snakemake, body)  # noqa: F821 - injected by Snakemake
