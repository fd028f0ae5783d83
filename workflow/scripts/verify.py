"""Verify one shard of samples (rule verify)."""

from passk.verify.shard import verify_shard_files
from passk.workflow_support import run_rule


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
    )


run_rule(snakemake, body)  # noqa: F821 - injected by Snakemake
