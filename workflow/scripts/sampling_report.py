"""Truncation rate and token counts per run (rule sampling_report)."""

from passk.reports import write_sampling_report
from passk.workflow_support import run_rule

run_rule(snakemake, lambda sm: write_sampling_report(list(sm.input), sm.output[0]))  # noqa: F821
