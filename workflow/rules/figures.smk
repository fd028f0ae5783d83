rule plot_figure:
    """Draw one figure (pass@k curves or accuracy histograms) and write its data as CSV."""
    localrule: True  # seconds of work: never queued on a cluster
    input:
        curves=lambda wc: figure_run_files(wc, "curve.csv"),
        problems=lambda wc: figure_run_files(wc, "problems.csv"),
        filter=filter_inputs,
        perplexity=perplexity_table,
        provenance=lambda wc: figure_run_files(wc, "provenance.json"),  # the caption: new tokens, prompts, tests
    output:
        png="results/figures/{figure}.png",
        pdf="results/figures/{figure}.pdf",
        csv="results/figures/{figure}.csv",
    wildcard_constraints:
        figure=_alternation(FIGURES_PLOTTED),
    params:
        figure=figure_spec,
        plot=plot_settings,
        code=code_version("plot_figure.py"),
    log:
        "logs/plot_figure/{figure}.log",
    conda:
        "../../envs/plot.yaml"
    script:
        "../scripts/plot_figure.py"


rule coverage_table:
    """Indices of the problems each model solves at least once (paper Tables 4 and 5)."""
    localrule: True
    input:
        problems=lambda wc: figure_run_files(wc, "problems.csv"),
        provenance=lambda wc: figure_run_files(wc, "provenance.json"),
    output:
        md="results/tables/{figure}.md",
        csv="results/tables/{figure}.csv",
    wildcard_constraints:
        figure=_alternation(FIGURES_TABLED),
    params:
        figure=figure_spec,
        code=code_version("coverage_table.py"),
    log:
        "logs/coverage_table/{figure}.log",
    conda:
        "../../envs/plot.yaml"
    script:
        "../scripts/coverage_table.py"


# One named target per figure of the config, so `snakemake fig2_math` builds just that figure; a
# figure skipped until the user fills in a checkpoint keeps its target, which stops with the message.
for _figure in [*config["figures"], *SKIPPED_FIGURES]:

    rule:
        name:
            _figure
        localrule: True
        input:
            figure_target_inputs(_figure),


rule guess_filter:
    """Fig 12: the problems a no-CoT run answers right with low but non-zero accuracy (guessable)."""
    localrule: True
    input:
        filter_run_problems,
    output:
        "results/filters/{figure}.json",
    wildcard_constraints:
        figure=_alternation(FIGURES_FILTERED),
    params:
        filter=lambda wc: config["figures"][wc.figure]["filter"],
        code=code_version("guess_filter.py"),
    log:
        "logs/guess_filter/{figure}.log",
    conda:
        "../../envs/plot.yaml"
    script:
        "../scripts/guess_filter.py"


rule perplexity:
    """Fig 6: perplexity of each model's sampled answers under the base and the RL model."""
    input:
        unpack(perplexity_inputs),
    output:
        "results/perplexity/{figure}.csv",
    wildcard_constraints:
        figure=_alternation(FIGURES_PERPLEXITY),
    params:
        figure=figure_spec,
        models=perplexity_models,
        backend=lambda wc: pc.backend_slice(config, perplexity_models(wc)["base"]["name"]),
        seed=config["sampling"]["seed"],
        code=code_version("perplexity.py"),
    resources:
        gpu=lambda wc: pc.gpus_for(config, perplexity_models(wc)["base"]["name"]),  # the backend's tensor-parallel size
    log:
        "logs/perplexity/{figure}.log",
    conda:
        SAMPLING_ENV
    script:
        "../scripts/perplexity.py"


rule verifier_panel:
    """Issue 15: pass@k under each math checker of verify.math_checkers, and the problems whose
    pass@k_max changes between them (with the answers on which they disagree)."""
    localrule: True
    input:
        unpack(verifier_panel_inputs),
    output:
        png="results/figures/{figure}.png",
        pdf="results/figures/{figure}.pdf",
        csv="results/figures/{figure}.csv",
        md="results/tables/{figure}.md",
        table="results/tables/{figure}.csv",
    wildcard_constraints:
        figure=_alternation(FIGURES_PANEL),
    params:
        figure=figure_spec,
        plot=plot_settings,
        code=code_version("verifier_panel.py"),
    log:
        "logs/verifier_panel/{figure}.log",
    conda:
        "../../envs/plot.yaml"
    script:
        "../scripts/verifier_panel.py"
