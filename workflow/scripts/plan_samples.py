"""The planned n per problem and the top-up config fragment (rule plan_samples)."""

from passk.figures.analysis_kinds import write_plan
from passk.pipeline.rule import run_rule

run_rule(
    snakemake,  # noqa: F821 - injected by Snakemake
    lambda sm: write_plan(dict(sm.params.figure), problems=list(sm.input.problems), steps=[int(s) for s in sm.params.steps],
                          out_md=sm.output.md, out_csv=sm.output.csv, out_yaml=sm.output.yaml),
)
