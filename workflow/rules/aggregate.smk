rule pass_at_k:
    """Per-problem n and c and the unbiased pass@k for every k = 1..n of one run."""
    localrule: True  # seconds of work: never queued on a cluster
    input:
        verdicts=verdict_shards,
        problems="results/problems/{bench}.jsonl",
        samples=sample_shards,  # read for provenance only (revision, template, seeds)
        model=model_manifest,
    output:
        curve="results/passk/{model}/{bench}/{setting}/curve.csv",
        problems="results/passk/{model}/{bench}/{setting}/problems.csv",
        provenance="results/passk/{model}/{bench}/{setting}/provenance.json",
    params:
        n=lambda wc: run_shards(wc).n,
        code=code_version("aggregate.py"),
        provenance=run_provenance_slice,
    log:
        "logs/pass_at_k/{model}/{bench}/{setting}.log",
    conda:
        "../../envs/eval.yaml"
    script:
        "../scripts/aggregate.py"


rule pass_at_k_checker:
    """The math verifier panel: per-problem n and c and pass@k of a run under another checker."""
    localrule: True  # seconds of work: never queued on a cluster
    input:
        verdicts=checker_run_verdicts,
        problems="results/problems/{bench}.jsonl",
    output:
        curve="results/checkers/{checker}/passk/{model}/{bench}/{setting}/curve.csv",
        problems="results/checkers/{checker}/passk/{model}/{bench}/{setting}/problems.csv",
    wildcard_constraints:
        checker=_alternation(PANEL_CHECKERS),
        model=_runs_regex(PANEL_RUNS),
    params:
        n=lambda wc: run_shards(wc).n,
        code=code_version("aggregate_checker.py"),
    log:
        "logs/pass_at_k_checker/{checker}/{model}/{bench}/{setting}.log",
    conda:
        "../../envs/eval.yaml"
    script:
        "../scripts/aggregate_checker.py"
