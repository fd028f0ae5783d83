"""A run's answer diversity per problem (rule answer_table)."""

from passk.analysis.diversity import answer_table
from passk.pipeline.rule import run_rule

run_rule(
    snakemake,  # noqa: F821 - injected by Snakemake
    lambda sm: answer_table(list(sm.input.verdicts), sm.input.problems, sm.output[0], n_expected=int(sm.params.n)),
)
