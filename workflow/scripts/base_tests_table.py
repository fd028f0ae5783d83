"""A code run's per-problem base-test passes (rule base_tests_table)."""

from passk.analysis.test_strength import base_tests_table
from passk.pipeline.rule import run_rule

run_rule(
    snakemake,  # noqa: F821 - injected by Snakemake
    lambda sm: base_tests_table(list(sm.input.verdicts), sm.input.problems, sm.output[0], n_expected=int(sm.params.n)),
)
