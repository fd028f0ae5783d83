"""Convert one benchmark to canonical problem records (rule prepare_benchmark)."""

from passk.benchmarks import family_module
from passk.checks import record_benchmark_sources
from passk.workflow_support import run_rule


def body(sm):
    bench = dict(sm.params.bench)
    family_module(bench["family"]).prepare(bench["name"], bench, sm.params.data_dir, sm.output[0])
    record_benchmark_sources(bench["name"], bench, sm.params.data_dir, sm.output.manifest)


run_rule(snakemake, body)  # noqa: F821 - injected by Snakemake
