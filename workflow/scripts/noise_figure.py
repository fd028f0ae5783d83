"""pass@k with its intervals and forecast (rule noise_figure)."""

from passk.figures.analysis_kinds import draw_noise
from passk.pipeline.rule import run_rule

run_rule(
    snakemake,  # noqa: F821 - injected by Snakemake
    lambda sm: draw_noise(dict(sm.params.figure), dict(sm.params.plot), problems=list(sm.input.problems),
                          fit_verdicts=[list(paths) for paths in sm.params.fit_verdicts], problem_files=dict(sm.params.problem_files),
                          out_png=sm.output.png, out_pdf=sm.output.pdf, out_csv=sm.output.csv, out_md=sm.output.md,
                          out_table_csv=sm.output.table),
)
