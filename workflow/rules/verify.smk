rule verify:
    """Verify one shard: math answers by equivalence checking, code by running it in the sandbox."""
    input:
        unpack(verify_inputs),
    output:
        "results/verdicts/{model}/{bench}/{setting}/shard-{shard}.parquet",
    params:
        bench=lambda wc: run_bench_slice(wc.model, wc.bench),
        verify=verify_settings(),
        sandbox=config.get("sandbox", {}),
        code=lambda wc: code_version("verify.py", wc.bench, "verify"),
    threads: config.get("verify", {}).get("threads", 2)
    log:
        "logs/verify/{model}/{bench}/{setting}/shard-{shard}.log",
    conda:
        "../../envs/eval.yaml"
    script:
        "../scripts/verify.py"


rule verify_checker:
    """The math verifier panel: verify one shard with another checker of verify.math_checkers."""
    input:
        samples="results/samples/{model}/{bench}/{setting}/shard-{shard}.parquet",
        problems="results/problems/{bench}.jsonl",
    output:
        "results/checkers/{checker}/verdicts/{model}/{bench}/{setting}/shard-{shard}.parquet",
    wildcard_constraints:
        checker=_alternation(PANEL_CHECKERS),
        model=_runs_regex(PANEL_RUNS),
    params:
        bench=lambda wc: bench_slice(wc.bench),
        verify=verify_settings(),
        code=code_version("verify_checker.py"),
    threads: config.get("verify", {}).get("threads", 2)
    log:
        "logs/verify_checker/{checker}/{model}/{bench}/{setting}/shard-{shard}.log",
    conda:
        "../../envs/eval.yaml"
    script:
        "../scripts/verify_checker.py"
