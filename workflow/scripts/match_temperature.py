"""Search an RL model's entropy-matched temperature on one benchmark (rule match_temperature)."""

from passk.pipeline.entropy import match_temperature
from passk.pipeline.rule import run_rule
from passk.sampling.gpus import engine_gpus, gpu_lease


def body(sm):
    wc = sm.wildcards
    with gpu_lease(engine_gpus(sm.params.backend), job=f"match_temperature {wc.model}/{wc.bench}/{wc.setting}", configured=sm.config.get("gpus")):
        match_temperature(
            match=dict(sm.params.match),
            reference=dict(sm.params.reference),
            target=dict(sm.params.target),
            benchmark=dict(sm.params.bench),
            problems_path=sm.input.problems,
            reference_manifest=sm.input.reference_model,
            target_manifest=sm.input.target_model,
            sampling=dict(sm.params.sampling),
            backend=dict(sm.params.backend),
            out_json=sm.output[0],
        )


run_rule(snakemake, body)  # noqa: F821 - injected by Snakemake
