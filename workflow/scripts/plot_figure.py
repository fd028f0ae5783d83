"""Draw one figure from its runs' aggregated tables (rule plot_figure)."""

from passk.figures.kinds import draw_figure
from passk.pipeline.rule import run_rule

run_rule(
    snakemake,  # noqa: F821 - injected by Snakemake
    lambda sm: draw_figure(
        dict(sm.params.figure),
        dict(sm.params.plot),
        curves=list(sm.input.curves),
        problems=list(sm.input.problems),
        out_png=sm.output.png,
        out_pdf=sm.output.pdf,
        out_csv=sm.output.csv,
        filter_json=sm.input.filter[0] if sm.input.filter else None,
        perplexity_csv=sm.input.perplexity[0] if sm.input.perplexity else None,
        provenance=list(sm.input.provenance),
    ),
)
