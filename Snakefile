# The reasoning-boundary workflow: download models, prepare benchmarks, sample, verify,
# aggregate unbiased pass@k and draw the paper's figures. See README.md.
#   snakemake --cores all                                  every figure in the config
#   snakemake fig2_math                                    one figure by its name
#   snakemake --configfile config/smoke.yaml --cores 2     the offline CPU smoke run

from snakemake.utils import min_version

min_version("9.0")


report: "workflow/report/workflow.rst"


# The paper grid by default; a config given with --configfile (e.g. config/smoke.yaml) replaces it
# rather than being merged into it.
if not workflow.configfiles:

    configfile: "config/config.yaml"


include: "workflow/rules/common.smk"
include: "workflow/rules/models.smk"
include: "workflow/rules/data.smk"
include: "workflow/rules/sample.smk"
include: "workflow/rules/verify.smk"
include: "workflow/rules/aggregate.smk"
include: "workflow/rules/analysis_inputs.smk"
include: "workflow/rules/analyses.smk"
include: "workflow/rules/figures.smk"
include: "workflow/rules/training_runs.smk"
include: "workflow/rules/report.smk"


rule all:
    """Every figure and table of the config, plus the sampling report."""
    default_target: True
    localrule: True
    input:
        all_figure_outputs(),
        "results/reports/sampling.csv",
        report_outputs(),
        panel_outputs(),
