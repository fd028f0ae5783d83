"""Fetch, register or build a model's weights and write its manifest (rule get_model)."""

from passk.models.obtain import obtain_model
from passk.pipeline.rule import run_rule

run_rule(
    snakemake,  # noqa: F821 - injected by Snakemake
    lambda sm: obtain_model(sm.params.spec, out_manifest=sm.output[0], training_problems=list(sm.input.problems)),
)
