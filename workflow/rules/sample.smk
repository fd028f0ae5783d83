rule sample:
    """Sample one shard: `shard_size` completions for every problem of a benchmark, seeded from
    (model, benchmark, shard) so that a larger n only adds shards."""
    input:
        model=model_manifest,
        problems="results/problems/{bench}.jsonl",
        temperature=matched_temperature_input,  # Fig 17's entropy-matched runs only
    output:
        "results/samples/{model}/{bench}/{setting}/shard-{shard}.parquet",
    params:
        model=lambda wc: model_slice(wc.model),
        bench=lambda wc: bench_slice(wc.bench),
        sampling=sampling_slice,
        shard_size=lambda wc: pc.shard_size(config, wc.bench),
        backend=lambda wc: pc.backend_slice(config, wc.model),
        code=code_version("sample.py"),
    resources:
        gpu=lambda wc: pc.gpus_for(config, wc.model),
    log:
        "logs/sample/{model}/{bench}/{setting}/shard-{shard}.log",
    benchmark:
        "logs/benchmarks/sample/{model}/{bench}/{setting}/shard-{shard}.tsv"
    conda:
        SAMPLING_ENV
    script:
        "../scripts/sample.py"


# Runs with shards_per_job > 1 (short runs, where loading the model would dominate): one job
# (sample_block) draws a block of consecutive shards with one loaded model, and unpack_shard moves
# each shard to the file that `sample` would have written, byte for byte the same (same seeds).
# Its params are the `sample` rule's, so a shard is stale exactly when it would be under `sample`.
ruleorder: unpack_shard > sample


rule sample_block:
    """Sample shards {first}..{last} of a run with one loaded model (runs with shards_per_job > 1)."""
    input:
        model=model_manifest,
        problems="results/problems/{bench}.jsonl",
        temperature=matched_temperature_input,  # Fig 17's entropy-matched runs only
    output:
        temp(directory("results/samples/{model}/{bench}/{setting}/shards-{first}-{last}")),
    wildcard_constraints:
        model=_runs_regex(MULTI_SHARD_RUNS),
        first=r"\d+",
        last=r"\d+",
    params:
        model=lambda wc: model_slice(wc.model),
        bench=lambda wc: bench_slice(wc.bench),
        sampling=sampling_slice,
        shard_size=lambda wc: pc.shard_size(config, wc.bench),
        backend=lambda wc: pc.backend_slice(config, wc.model),
        code=code_version("sample_block.py"),  # unpack_shard only copies what sample_block drew
    resources:
        gpu=lambda wc: pc.gpus_for(config, wc.model),
    log:
        "logs/sample_block/{model}/{bench}/{setting}/shards-{first}-{last}.log",
    benchmark:
        "logs/benchmarks/sample_block/{model}/{bench}/{setting}/shards-{first}-{last}.tsv"
    conda:
        SAMPLING_ENV
    script:
        "../scripts/sample_block.py"


rule unpack_shard:
    """One shard of a multi-shard sampling job, copied to its own sample file."""
    localrule: True
    input:
        shard_block,
    output:
        "results/samples/{model}/{bench}/{setting}/shard-{shard}.parquet",
    wildcard_constraints:
        model=_runs_regex(MULTI_SHARD_RUNS),
    params:
        model=lambda wc: model_slice(wc.model),
        bench=lambda wc: bench_slice(wc.bench),
        sampling=sampling_slice,
        shard_size=lambda wc: pc.shard_size(config, wc.bench),
        backend=lambda wc: pc.backend_slice(config, wc.model),
        code=code_version("sample_block.py"),  # unpack_shard only copies what sample_block drew
    log:
        "logs/unpack_shard/{model}/{bench}/{setting}/shard-{shard}.log",
    conda:
        "../../envs/eval.yaml"
    script:
        "../scripts/unpack_shard.py"


rule sampling_report:
    """Truncation rate (finish_reason == length) and token counts per model, benchmark and setting."""
    localrule: True  # reads the shards' token counts: minutes at most, never queued on a cluster
    input:
        all_sample_shards(),
    output:
        "results/reports/sampling.csv",
    params:
        runs=sampling_report_runs(),
        code=code_version("sampling_report.py"),
    log:
        "logs/sampling_report.log",
    conda:
        "../../envs/eval.yaml"
    script:
        "../scripts/sampling_report.py"
