"""cover@τ beside pass@k (rule cover_figure)."""

from passk.figures.analysis_kinds import draw_cover
from passk.pipeline.rule import run_rule

run_rule(
    snakemake,  # noqa: F821 - injected by Snakemake
    lambda sm: draw_cover(dict(sm.params.figure), dict(sm.params.plot), problems=list(sm.input.problems), out_png=sm.output.png,
                          out_pdf=sm.output.pdf, out_csv=sm.output.csv, out_md=sm.output.md, out_table_csv=sm.output.table),
)
