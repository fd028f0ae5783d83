"""Write a coverage table (paper Tables 4 and 5) (rule coverage_table)."""

from passk.figures.kinds import draw_coverage_table
from passk.pipeline.rule import run_rule

run_rule(
    snakemake,  # noqa: F821 - injected by Snakemake
    lambda sm: draw_coverage_table(dict(sm.params.figure), problems=list(sm.input.problems), out_md=sm.output.md, out_csv=sm.output.csv,
                                   provenance=list(sm.input.provenance)),
)
