"""ΔSE and the crossover k of every pair of curves of a figure (rule pairs_table)."""

from passk.figures.kinds import draw_pairs_table
from passk.pipeline.rule import run_rule

run_rule(
    snakemake,  # noqa: F821 - injected by Snakemake
    lambda sm: draw_pairs_table(dict(sm.params.figure), problems=list(sm.input.problems), out_csv=sm.output.csv, out_md=sm.output.md),
)
