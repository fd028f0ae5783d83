"""Expected outputs and reference runtimes of an EvalPlus benchmark (rule code_groundtruth)."""

from passk.benchmarks.evalplus import compute_groundtruth
from passk.workflow_support import run_rule

run_rule(
    snakemake,  # noqa: F821 - injected by Snakemake
    lambda sm: compute_groundtruth(sm.input.problems, sm.output[0], dict(sm.params.sandbox)),
)
