"""pass@k on base tests only against base + plus (rule test_strength_figure)."""

from passk.figures.analysis_kinds import draw_test_strength
from passk.pipeline.rule import run_rule

run_rule(
    snakemake,  # noqa: F821 - injected by Snakemake
    lambda sm: draw_test_strength(dict(sm.params.figure), dict(sm.params.plot), base_tests=list(sm.input.base_tests), out_png=sm.output.png,
                                  out_pdf=sm.output.pdf, out_csv=sm.output.csv, out_md=sm.output.md, out_table_csv=sm.output.table),
)
