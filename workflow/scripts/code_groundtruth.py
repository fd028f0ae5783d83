"""Expected outputs and reference runtimes of a benchmark's tests, from its canonical solutions (rule code_groundtruth)."""

from passk.benchmarks.registry import family
from passk.pipeline.rule import run_rule

run_rule(
    snakemake,  # noqa: F821 - injected by Snakemake
    lambda sm: family(sm.params.family).groundtruth(sm.input.problems, sm.output[0], dict(sm.params.sandbox)),
)
