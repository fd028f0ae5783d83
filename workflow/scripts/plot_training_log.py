"""Draw Fig 18 from training logs (rule plot_training_log)."""

from passk.figures.kinds import draw_training_logs
from passk.pipeline.rule import run_rule

run_rule(
    snakemake,  # noqa: F821 - injected by Snakemake
    lambda sm: draw_training_logs(dict(sm.params.figure), dict(sm.params.plot), logs=list(sm.input.logs),
                                  out_png=sm.output.png, out_pdf=sm.output.pdf, out_csv=sm.output.csv),
)
