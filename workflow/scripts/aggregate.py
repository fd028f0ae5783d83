"""Aggregate a run's verdicts into per-problem counts and the pass@k curve (rule pass_at_k)."""

from passk.analysis.aggregate import aggregate
from passk.pipeline.provenance import workflow_dir_of, write_run_provenance
from passk.pipeline.rule import run_rule


def body(sm):
    aggregate(list(sm.input.verdicts), sm.input.problems, sm.output.problems, sm.output.curve, n_expected=int(sm.params.n))
    prov = dict(sm.params.provenance)
    write_run_provenance(
        sm.output.provenance,
        run={"model": sm.wildcards.model, "benchmark": sm.wildcards.bench, "setting": sm.wildcards.setting, "n": int(sm.params.n)},
        config_slices={k: v for k, v in prov.items() if k != "code_versions"},
        code_versions=prov.get("code_versions"),
        sample_paths=list(sm.input.samples),
        input_paths=[sm.input.problems, *sm.input.verdicts],
        verdict_paths=list(sm.input.verdicts),
        model_manifest=sm.input.model,
        workflow_dir=workflow_dir_of(sm),
    )


run_rule(snakemake, body)  # noqa: F821 - injected by Snakemake
