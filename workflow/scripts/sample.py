"""Sample one shard (rule sample)."""

from passk.models.manifest import model_dir_from_manifest
from passk.pipeline.rule import run_rule
from passk.sampling.shard import sample_shard


def body(sm):
    sample_shard(
        model=dict(sm.params.model),
        benchmark=dict(sm.params.bench),
        problems_path=sm.input.problems,
        shard=int(sm.wildcards.shard),
        shard_size=int(sm.params.shard_size),
        sampling=dict(sm.params.sampling),
        backend=dict(sm.params.backend),
        out_path=sm.output[0],
        model_dir=model_dir_from_manifest(sm.input.model),
    )


run_rule(snakemake, body)  # noqa: F821 - injected by Snakemake
