"""Aggregate a run's verdicts into per-problem counts and the pass@k curve (rule pass_at_k)."""

from passk.aggregate import aggregate
from passk.workflow_support import run_rule

run_rule(
    snakemake,  # noqa: F821 - injected by Snakemake
    lambda sm: aggregate(
        list(sm.input.verdicts), sm.input.problems, sm.output.problems, sm.output.curve, n_expected=int(sm.params.n)
    ),
)
