"""Aggregate a run's verdicts under another math checker into its per-problem table and pass@k curve
(rule pass_at_k_checker)."""

from passk.analysis.aggregate import aggregate
from passk.pipeline.rule import run_rule

run_rule(
    snakemake,  # noqa: F821 - injected by Snakemake
    lambda sm: aggregate(list(sm.input.verdicts), sm.input.problems, sm.output.problems, sm.output.curve, n_expected=int(sm.params.n)),
)
