"""Verify one shard with another checker of the math verifier panel (rule verify_checker)."""

from passk.pipeline.rule import run_rule
from passk.pipeline.verify_checker import verify_checker_shard_files


def body(sm):
    verify_checker_shard_files(
        checker=sm.wildcards.checker,
        bench=dict(sm.params.bench),
        samples_path=sm.input.samples,
        problems_path=sm.input.problems,
        out_path=sm.output[0],
        workers=sm.threads,
        verify_cfg=dict(sm.params.verify),
        sandbox_cfg={},
        code_version=sm.params.code,
    )


run_rule(snakemake, body)  # noqa: F821 - injected by Snakemake
