# The HTML report: `snakemake --report results/report.html` after a run. Every figure and table of
# the config is one report item (its own copy, captioned with what was run), every curve figure adds
# its ΔSE / crossover table, and the comparison section has one row per number the paper states.

import os


rule paper_comparison:
    """The paper's stated numbers (analysis/paper_numbers.yaml) beside ours, or 'not run'."""
    localrule: True
    input:
        comparison_inputs(),
    output:
        html=report(
            "results/report/comparison.html",
            caption="../report/comparison.rst",
            category="Comparison with the paper",
        ),
        csv="results/report/comparison.csv",
    params:
        entries=comparison_entries(),
        code=code_version("paper_comparison.py"),
    log:
        "logs/paper_comparison.log",
    conda:
        "../../envs/plot.yaml"
    script:
        "../scripts/paper_comparison.py"


# One rule per figure: the caption's path must be known when the rule is defined, and each figure's
# caption is written by its own job (from the runs' provenance), so each figure gets its rule.
for _figure in REPORTED_FIGURES:
    _kind = config["figures"][_figure]["kind"]
    _folder = f"results/report/{_figure}"
    _caption = os.path.join(os.path.abspath(_folder), "caption.rst")
    _is_table = _kind in ("coverage_table", "checkpoint_table")
    _outputs = {
        "caption": f"{_folder}/caption.rst",
        "item": report(
            f"{_folder}/{_figure}.{'html' if _is_table else 'png'}",
            caption=_caption,
            category="Tables" if _is_table else "Figures",
            labels={"figure": _figure, "kind": _kind},
        ),
    }
    if _figure in FIGURES_PAIRED:
        _outputs["pairs"] = report(
            f"{_folder}/pairs.html",
            caption=_caption,
            category="ΔSE and crossover k",
            labels={"figure": _figure, "kind": "pairs"},
        )

    rule:
        name:
            f"report_{_figure}"
        localrule: True
        input:
            unpack(lambda wc, f=_figure: report_item_inputs(f)),
        output:
            **_outputs,
        params:
            figure=lambda wc, f=_figure: _figure_spec(config, f),
            benchmarks=lambda wc, f=_figure: list(config["figures"][f].get("benchmarks") or []),
            code=code_version("report_item.py"),
        log:
            f"logs/report_item/{_figure}.log",
        conda:
            "../../envs/plot.yaml"
        script:
            "../scripts/report_item.py"
