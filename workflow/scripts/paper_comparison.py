"""The report's comparison with the paper's stated numbers (rule paper_comparison)."""

from passk.analysis.paper_comparison import write_comparison
from passk.pipeline.rule import run_rule

run_rule(
    snakemake,  # noqa: F821 - injected by Snakemake
    lambda sm: write_comparison(list(sm.params.entries), sm.output.html, sm.output.csv),
)
