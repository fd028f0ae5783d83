"""Draw a verifier-panel figure and write its disagreement table (rule verifier_panel)."""

from passk.figures.kinds import draw_verifier_panel
from passk.pipeline.rule import run_rule


def body(sm):
    spec = dict(sm.params.figure)
    draw_verifier_panel(
        spec,
        dict(sm.params.plot),
        curves=list(sm.input.curves),
        verdicts={f"{c}/{i}": list(sm.input[f"verdicts_{c}_{i}"]) for c in spec["checkers"] for i in range(len(spec["runs"]))},
        problem_files=list(sm.input.problem_files),
        out_png=sm.output.png,
        out_pdf=sm.output.pdf,
        out_csv=sm.output.csv,
        out_md=sm.output.md,
        out_table_csv=sm.output.table,
    )


run_rule(snakemake, body)  # noqa: F821 - injected by Snakemake
