"""Truncation rate and token counts per run (rule sampling_report)."""

from passk.analysis.sampling_report import write_sampling_report
from passk.pipeline.rule import run_rule


def body(sm):
    shards, runs, start = list(sm.input), [], 0
    for model, bench, setting, count in sm.params.runs:
        runs.append(((model, bench, setting), shards[start : start + count]))
        start += count
    write_sampling_report([run for run, _ in runs], [paths for _, paths in runs], sm.output[0])


run_rule(snakemake, body)  # noqa: F821 - injected by Snakemake
