rule verify:
    """Verify one shard: math answers by equivalence checking, code by running it in the sandbox."""
    input:
        unpack(verify_inputs),
    output:
        "results/verdicts/{model}/{bench}/{setting}/shard-{shard}.parquet",
    params:
        bench=lambda wc: run_bench_slice(wc.model, wc.bench),
        verify=config.get("verify", {}),
        sandbox=config.get("sandbox", {}),
        code=lambda wc: code_version("verify.py", wc.bench, "verify"),
    threads: config.get("verify", {}).get("threads", 2)
    log:
        "logs/verify/{model}/{bench}/{setting}/shard-{shard}.log",
    conda:
        "../../envs/eval.yaml"
    script:
        "../scripts/verify.py"
