"""Verify one shard of samples (rule verify)."""

from passk.pipeline.rule import run_rule
from passk.pipeline.verify import verify_shard_files


def body(sm):
    verify_shard_files(
        bench=dict(sm.params.bench),
        samples_path=sm.input.samples,
        problems_path=sm.input.problems,
        out_path=sm.output[0],
        workers=sm.threads,
        verify_cfg=dict(sm.params.verify),
        sandbox_cfg=dict(sm.params.sandbox),
        groundtruth_path=sm.input.get("groundtruth"),
        code_version=sm.params.code,
    )


run_rule(snakemake, body)  # noqa: F821 - injected by Snakemake
