"""The judge model's prompts, one per chain to review (rule review_judge_prompts)."""

from passk.analysis.review import write_judge_problems
from passk.pipeline.rule import run_rule

run_rule(
    snakemake,  # noqa: F821 - injected by Snakemake
    lambda sm: write_judge_problems(sm.input.chains, dict(sm.params.problem_files), sm.output[0]),
)
