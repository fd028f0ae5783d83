rule prepare_benchmark:
    """Convert one benchmark to canonical problem records (official source or the local data dir),
    and record the source files' sha256 (a source that changed since its first use is refused)."""
    localrule: True  # downloads (compute nodes often have no internet) and a minute of conversion at most
    input:
        images=bench_image_inputs,  # visual math: a changed image reruns its benchmark
    output:
        "results/problems/{bench}.jsonl",
        manifest="results/problems/{bench}.manifest.json",
    params:
        bench=prepare_slice,
        data_dir=DATA_DIR,
        code=lambda wc: code_version("prepare_benchmark.py", wc.bench, "prepare"),
    log:
        "logs/prepare_benchmark/{bench}.log",
    conda:
        "../../envs/eval.yaml"
    script:
        "../scripts/prepare_benchmark.py"


rule code_groundtruth:
    """Expected outputs and reference runtimes of an EvalPlus benchmark, from its canonical solutions,
    computed once in the sandbox on this machine."""
    input:
        problems="results/problems/{bench}.jsonl",
    output:
        "results/groundtruth/{bench}.jsonl.zst",
    params:
        sandbox=config.get("sandbox", {}),
        family=lambda wc: config["benchmarks"][wc.bench]["family"],
        code=lambda wc: code_version("code_groundtruth.py", wc.bench, "groundtruth"),
    # Most of a small machine (threads are capped at --cores), so the timed canonical runs are
    # little disturbed. Not `workflow.cores`: a cluster run sets no total ("Workflow requires a
    # total number of cores"), and a cluster job's own snakemake sees the node's cores, not its allocation's.
    threads: 4
    log:
        "logs/code_groundtruth/{bench}.log",
    conda:
        "../../envs/eval.yaml"
    script:
        "../scripts/code_groundtruth.py"
