# The paper's Sec. 4 from your own training runs: checkpoint tables (Tables 2, 3), training logs
# (Fig 18), the entropy-matched temperature (Fig 17), and ΔSE / crossover tables of every figure.


rule checkpoint_table:
    """pass@1 / pass@k per checkpoint and benchmark, with a ΔSE row (paper Tables 2 and 3)."""
    localrule: True
    input:
        problems=lambda wc: figure_run_files(wc, "problems.csv"),
    output:
        md="results/tables/{figure}.md",
        csv="results/tables/{figure}.csv",
    wildcard_constraints:
        figure=_alternation(FIGURES_CHECKPOINT_TABLES),
    params:
        figure=figure_spec,
        code=code_version("checkpoint_table.py"),
    log:
        "logs/checkpoint_table/{figure}.log",
    conda:
        "../../envs/plot.yaml"
    script:
        "../scripts/checkpoint_table.py"


rule pairs_table:
    """ΔSE and the crossover k (bootstrap interval over problems) of every pair of curves of a figure."""
    localrule: True
    input:
        problems=lambda wc: figure_run_files(wc, "problems.csv"),
    output:
        md="results/tables/pairs/{figure}.md",
        csv="results/tables/pairs/{figure}.csv",
    wildcard_constraints:
        figure=_alternation(FIGURES_PAIRED),
    params:
        figure=figure_spec,
        code=code_version("pairs_table.py"),
    log:
        "logs/pairs_table/{figure}.log",
    conda:
        "../../envs/plot.yaml"
    script:
        "../scripts/pairs_table.py"


rule plot_training_log:
    """Fig 18: reward, response length and entropy against the step, from training-log exports."""
    localrule: True
    input:
        logs=training_log_files,
    output:
        png="results/figures/{figure}.png",
        pdf="results/figures/{figure}.pdf",
        csv="results/figures/{figure}.csv",
    wildcard_constraints:
        figure=_alternation(FIGURES_TRAINING),
    params:
        figure=figure_spec,
        plot=plot_settings,
        code=code_version("plot_training_log.py"),
    log:
        "logs/plot_training_log/{figure}.log",
    conda:
        "../../envs/plot.yaml"
    script:
        "../scripts/plot_training_log.py"


rule match_temperature:
    """Fig 17: the temperature at which a model's output entropy matches the reference model's at
    T = 0.6, by bisection on a subset of the benchmark (its samples are then drawn at it)."""
    input:
        problems="results/problems/{bench}.jsonl",
        reference_model=lambda wc: f"resources/models/{weights_id(match_spec(wc)['reference'])}/manifest.json",
        target_model=model_manifest,
    output:
        "results/entropy/{model}/{bench}/{setting}.json",
    wildcard_constraints:
        setting=_alternation(MATCHED_SETTINGS),
    params:
        match=match_spec,
        reference=lambda wc: model_slice(match_spec(wc)["reference"]),
        target=lambda wc: model_slice(wc.model),
        bench=lambda wc: bench_slice(wc.bench),
        sampling=lambda wc: {k: config["sampling"][k] for k in ("top_p", "seed")},
        backend=lambda wc: pc.backend_slice(config, wc.model),
        code=code_version("match_temperature.py"),
    resources:
        gpu=lambda wc: pc.gpus_for(config, wc.model),
    log:
        "logs/match_temperature/{model}/{bench}/{setting}.log",
    conda:
        SAMPLING_ENV
    script:
        "../scripts/match_temperature.py"
