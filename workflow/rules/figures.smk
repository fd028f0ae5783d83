rule plot_figure:
    """Draw one figure (pass@k curves or accuracy histograms) and write its data as CSV."""
    input:
        curves=lambda wc: figure_run_files(wc, "curve.csv"),
        problems=lambda wc: figure_run_files(wc, "problems.csv"),
    output:
        png="results/figures/{figure}.png",
        pdf="results/figures/{figure}.pdf",
        csv="results/figures/{figure}.csv",
    wildcard_constraints:
        figure=_alternation(FIGURES_PLOTTED),
    params:
        figure=figure_spec,
        plot=plot_settings,
        code=pc.code_version("plot"),
    log:
        "logs/plot_figure/{figure}.log",
    conda:
        "../../envs/plot.yaml"
    script:
        "../scripts/plot_figure.py"


rule coverage_table:
    """Indices of the problems each model solves at least once (paper Tables 4 and 5)."""
    input:
        problems=lambda wc: figure_run_files(wc, "problems.csv"),
    output:
        md="results/tables/{figure}.md",
        csv="results/tables/{figure}.csv",
    wildcard_constraints:
        figure=_alternation(FIGURES_TABLED),
    params:
        figure=figure_spec,
        code=pc.code_version("plot"),
    log:
        "logs/coverage_table/{figure}.log",
    conda:
        "../../envs/plot.yaml"
    script:
        "../scripts/coverage_table.py"


# One named target per figure of the config, so `snakemake fig2_math` builds just that figure.
for _figure in config["figures"]:

    rule:
        name:
            _figure
        localrule: True
        input:
            figure_outputs(_figure),
