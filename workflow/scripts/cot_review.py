"""The review page, CoT-valid curves and the check's table (rule cot_review)."""

from passk.figures.analysis_kinds import draw_cot_review
from passk.pipeline.rule import run_rule

run_rule(
    snakemake,  # noqa: F821 - injected by Snakemake
    lambda sm: draw_cot_review(
        dict(sm.params.figure),
        dict(sm.params.plot),
        problems=list(sm.input.problems),
        chains_jsonl=sm.input.chains,
        problem_files=dict(sm.params.problem_files),
        marks_path=sm.input.marks[0] if sm.input.marks else None,
        judge_samples=list(sm.input.judge),
        judge_label=sm.params.judge_label,
        out_html=sm.output.html,
        out_png=sm.output.png,
        out_pdf=sm.output.pdf,
        out_csv=sm.output.csv,
        out_md=sm.output.md,
        out_table_csv=sm.output.table,
    ),
)
