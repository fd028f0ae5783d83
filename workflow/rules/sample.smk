rule sample:
    """Sample one shard: `shard_size` completions for every problem of a benchmark, seeded from
    (model, benchmark, shard) so that a larger n only adds shards."""
    input:
        model=model_manifest,
        problems="results/problems/{bench}.jsonl",
    output:
        "results/samples/{model}/{bench}/{setting}/shard-{shard}.parquet",
    params:
        model=lambda wc: model_slice(wc.model),
        bench=lambda wc: bench_slice(wc.bench),
        sampling=sampling_slice,
        shard_size=lambda wc: pc.shard_size(config, wc.bench),
        backend=lambda wc: pc.backend_slice(config, wc.model),
        code=pc.code_version("sample"),
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


rule sampling_report:
    """Truncation rate (finish_reason == length) and token counts per model, benchmark and setting."""
    localrule: True  # reads the shards' token counts: minutes at most, never queued on a cluster
    input:
        all_sample_shards(),
    output:
        "results/reports/sampling.csv",
    log:
        "logs/sampling_report.log",
    conda:
        "../../envs/eval.yaml"
    script:
        "../scripts/sampling_report.py"
