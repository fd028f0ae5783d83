"""Write Table 2 / Table 3: pass@1 and pass@k per checkpoint and benchmark (rule checkpoint_table)."""

from passk.figures.kinds import draw_checkpoint_table
from passk.pipeline.rule import run_rule

run_rule(
    snakemake,  # noqa: F821 - injected by Snakemake
    lambda sm: draw_checkpoint_table(dict(sm.params.figure), problems=list(sm.input.problems), out_md=sm.output.md, out_csv=sm.output.csv),
)
