"""Convert one benchmark to canonical problem records (rule prepare_benchmark)."""

from passk.pipeline.prepare import prepare_benchmark
from passk.pipeline.rule import run_rule

run_rule(
    snakemake,  # noqa: F821 - injected by Snakemake
    lambda sm: prepare_benchmark(dict(sm.params.bench), sm.params.data_dir, sm.output[0], sm.output.manifest),
)
