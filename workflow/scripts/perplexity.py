"""Fig 6: score sampled answers under the base and the RL model (rule perplexity)."""

from passk.pipeline.perplexity import score_perplexity_figure
from passk.pipeline.rule import run_rule
from passk.sampling.gpus import engine_gpus, gpu_lease


def body(sm):
    # The engine's GPUs (the base model's tensor-parallel size, also used for the RL model; none on
    # the CPU backend) are leased before it starts; under SLURM the allocation's GPUs are used as given.
    with gpu_lease(engine_gpus(sm.params.backend), job=f"perplexity {sm.wildcards.figure}", configured=sm.config.get("gpus")):
        score_perplexity_figure(
            dict(sm.params.figure),
            dict(sm.params.models),
            problems_path=sm.input.problems,
            base_samples=list(sm.input.base_samples),
            rl_samples=list(sm.input.rl_samples),
            base_manifest=sm.input.base_model,
            rl_manifest=sm.input.rl_model,
            backend=dict(sm.params.backend),
            seed=int(sm.params.seed),
            out_csv=sm.output[0],
        )


run_rule(snakemake, body)  # noqa: F821 - injected by Snakemake
