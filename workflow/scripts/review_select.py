"""The chains a review figure shows (rule review_select)."""

from passk.analysis.review import select_review
from passk.pipeline.rule import run_rule

run_rule(
    snakemake,  # noqa: F821 - injected by Snakemake
    lambda sm: select_review(dict(sm.params.figure), problems=list(sm.input.problems), verdicts=[list(v) for v in sm.params.verdicts],
                             samples=[list(s) for s in sm.params.samples], out_jsonl=sm.output[0]),
)
