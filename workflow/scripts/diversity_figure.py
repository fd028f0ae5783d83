"""Answer diversity and who solves what at every k (rule diversity_figure)."""

from passk.figures.analysis_kinds import draw_diversity
from passk.pipeline.rule import run_rule

run_rule(
    snakemake,  # noqa: F821 - injected by Snakemake
    lambda sm: draw_diversity(dict(sm.params.figure), dict(sm.params.plot), problems=list(sm.input.problems), answers=list(sm.input.answers),
                              out_png=sm.output.png, out_pdf=sm.output.pdf, out_csv=sm.output.csv, out_md=sm.output.md,
                              out_table_csv=sm.output.table),
)
