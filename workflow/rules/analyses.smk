# The analyses beyond the paper (issue 15): code test strength, cover@τ, answer diversity, noise and
# forecast, the sample-size plan and the lucky-guess review. Each is a figure kind of the config
# (passk.figures.analysis_kinds); a figure's target builds its files like any other figure's. Their
# input functions are in analysis_inputs.smk.


rule answer_table:
    """A run's answers per problem: distinct answers, distinct correct ones, answer-level entropy."""
    localrule: True
    input:
        verdicts=verdict_shards,
        problems="results/problems/{bench}.jsonl",
    output:
        "results/passk/{model}/{bench}/{setting}/answers.csv",
    params:
        n=lambda wc: run_shards(wc).n,
        code=code_version("answer_table.py"),
    log:
        "logs/answer_table/{model}/{bench}/{setting}.log",
    conda:
        "../../envs/eval.yaml"
    script:
        "../scripts/answer_table.py"


rule base_tests_table:
    """A code run's samples passing the base tests alone (HumanEval, MBPP), beside base + plus."""
    localrule: True
    input:
        verdicts=verdict_shards,
        problems="results/problems/{bench}.jsonl",
    output:
        "results/passk/{model}/{bench}/{setting}/base_tests.csv",
    params:
        n=lambda wc: run_shards(wc).n,
        code=code_version("base_tests_table.py"),
    log:
        "logs/base_tests_table/{model}/{bench}/{setting}.log",
    conda:
        "../../envs/eval.yaml"
    script:
        "../scripts/base_tests_table.py"


rule test_strength_figure:
    """pass@k on base tests only against base + plus, and the false-positive rates."""
    localrule: True
    input:
        base_tests=lambda wc: figure_run_files(wc, "base_tests.csv"),
    output:
        png="results/figures/{figure}.png",
        pdf="results/figures/{figure}.pdf",
        csv="results/figures/{figure}.csv",
        md="results/tables/{figure}.md",
        table="results/tables/{figure}.csv",
    wildcard_constraints:
        figure=_alternation(FIGURES_OF_KIND["test_strength"]),
    params:
        figure=figure_spec,
        plot=plot_settings,
        code=code_version("test_strength_figure.py"),
    log:
        "logs/test_strength_figure/{figure}.log",
    conda:
        "../../envs/plot.yaml"
    script:
        "../scripts/test_strength_figure.py"


rule cover_figure:
    """cover@τ beside pass@k."""
    localrule: True
    input:
        problems=lambda wc: figure_run_files(wc, "problems.csv"),
    output:
        png="results/figures/{figure}.png",
        pdf="results/figures/{figure}.pdf",
        csv="results/figures/{figure}.csv",
        md="results/tables/{figure}.md",
        table="results/tables/{figure}.csv",
    wildcard_constraints:
        figure=_alternation(FIGURES_OF_KIND["cover"]),
    params:
        figure=figure_spec,
        plot=plot_settings,
        code=code_version("cover_figure.py"),
    log:
        "logs/cover_figure/{figure}.log",
    conda:
        "../../envs/plot.yaml"
    script:
        "../scripts/cover_figure.py"


rule diversity_figure:
    """Answer diversity tables and the expected only-base / only-RL / both / neither counts at every k."""
    localrule: True
    input:
        problems=lambda wc: figure_run_files(wc, "problems.csv"),
        answers=lambda wc: figure_run_files(wc, "answers.csv"),
    output:
        png="results/figures/{figure}.png",
        pdf="results/figures/{figure}.pdf",
        csv="results/figures/{figure}.csv",
        md="results/tables/{figure}.md",
        table="results/tables/{figure}.csv",
    wildcard_constraints:
        figure=_alternation(FIGURES_OF_KIND["diversity"]),
    params:
        figure=figure_spec,
        plot=plot_settings,
        code=code_version("diversity_figure.py"),
    log:
        "logs/diversity_figure/{figure}.log",
    conda:
        "../../envs/plot.yaml"
    script:
        "../scripts/diversity_figure.py"


rule noise_figure:
    """pass@k with intervals over problems, samples and both, and its forecast to large k."""
    localrule: True
    input:
        problems=lambda wc: figure_run_files(wc, "problems.csv"),
        fit_verdicts=lambda wc: _flat(noise_fit_shards(wc)),
        problem_files=lambda wc: list(figure_problem_files(wc).values()),
    output:
        png="results/figures/{figure}.png",
        pdf="results/figures/{figure}.pdf",
        csv="results/figures/{figure}.csv",
        md="results/tables/{figure}.md",
        table="results/tables/{figure}.csv",
    wildcard_constraints:
        figure=_alternation(FIGURES_OF_KIND["noise"]),
    params:
        figure=figure_spec,
        plot=plot_settings,
        fit_verdicts=noise_fit_shards,
        problem_files=figure_problem_files,
        code=code_version("noise_figure.py"),
    log:
        "logs/noise_figure/{figure}.log",
    conda:
        "../../envs/plot.yaml"
    script:
        "../scripts/noise_figure.py"


rule plan_samples:
    """The n per problem that brings a pass@k interval to a chosen half-width, and the config
    fragment that tops the runs up to it (`--configfile <config> results/plans/<figure>.yaml`)."""
    localrule: True
    input:
        problems=lambda wc: figure_run_files(wc, "problems.csv"),
    output:
        md="results/plans/{figure}.md",
        csv="results/plans/{figure}.csv",
        yaml="results/plans/{figure}.yaml",
    wildcard_constraints:
        figure=_alternation(FIGURES_OF_KIND["plan"]),
    params:
        figure=figure_spec,
        steps=plan_steps,
        code=code_version("plan_samples.py"),
    log:
        "logs/plan_samples/{figure}.log",
    conda:
        "../../envs/plot.yaml"
    script:
        "../scripts/plan_samples.py"


rule review_select:
    """The correct chains of the problems each run solves with 0 < accuracy < review.max_accuracy."""
    localrule: True
    input:
        problems=lambda wc: figure_run_files(wc, "problems.csv"),
        verdicts=lambda wc: _flat(figure_run_shards(wc, "verdicts")),
        samples=lambda wc: _flat(figure_run_shards(wc, "samples")),
    output:
        "results/review/{figure}/chains.jsonl",
    wildcard_constraints:
        figure=_alternation(FIGURES_OF_KIND["cot_review"]),
    params:
        figure=review_select_spec,
        verdicts=lambda wc: figure_run_shards(wc, "verdicts"),
        samples=lambda wc: figure_run_shards(wc, "samples"),
        code=code_version("review_select.py"),
    log:
        "logs/review_select/{figure}.log",
    conda:
        "../../envs/plot.yaml"
    script:
        "../scripts/review_select.py"


rule review_judge_prompts:
    """The judge model's prompts, one per chain, as a problem file."""
    localrule: True
    input:
        chains="results/review/{figure}/chains.jsonl",
        problem_files=lambda wc: list(figure_problem_files(wc).values()),
    output:
        "results/review/{figure}/judge/prompts.jsonl",
    wildcard_constraints:
        figure=_alternation(FIGURES_JUDGED),
    params:
        problem_files=figure_problem_files,
        code=code_version("review_judge_prompts.py"),
    log:
        "logs/review_judge_prompts/{figure}.log",
    conda:
        "../../envs/plot.yaml"
    script:
        "../scripts/review_judge_prompts.py"


rule review_judge:
    """The judge model's answer on each chain, sampled like any run (its template, backend, setting)."""
    input:
        model=lambda wc: f"resources/models/{weights_id(review_judge_spec(wc.figure)[0])}/manifest.json",
        problems="results/review/{figure}/judge/prompts.jsonl",
    output:
        "results/review/{figure}/judge/samples.parquet",
    wildcard_constraints:
        figure=_alternation(FIGURES_JUDGED),
    params:
        model=lambda wc: model_slice(review_judge_spec(wc.figure)[0]),
        bench=lambda wc: {"name": f"review-{wc.figure}", "prompt": "model"},
        sampling=lambda wc: pc.sampling_slice(config, review_judge_spec(wc.figure)[1]),
        backend=lambda wc: pc.backend_slice(config, review_judge_spec(wc.figure)[0]),
        code=code_version("review_judge.py"),
    resources:
        gpu=lambda wc: pc.gpus_for(config, review_judge_spec(wc.figure)[0]),
    log:
        "logs/review_judge/{figure}.log",
    conda:
        SAMPLING_ENV
    script:
        "../scripts/review_judge.py"


rule cot_review:
    """The review page, the CoT-valid pass@k beside the plain curves, and the table of the paper's check."""
    localrule: True
    input:
        problems=lambda wc: figure_run_files(wc, "problems.csv"),
        chains="results/review/{figure}/chains.jsonl",
        problem_files=lambda wc: list(figure_problem_files(wc).values()),
        marks=review_marks,
        judge=review_judge_samples,
    output:
        html="results/review/{figure}/index.html",
        png="results/figures/{figure}.png",
        pdf="results/figures/{figure}.pdf",
        csv="results/figures/{figure}.csv",
        md="results/tables/{figure}.md",
        table="results/tables/{figure}.csv",
    wildcard_constraints:
        figure=_alternation(FIGURES_OF_KIND["cot_review"]),
    params:
        figure=figure_spec,
        plot=plot_settings,
        problem_files=figure_problem_files,
        judge_label=lambda wc: config["models"][review_judge_spec(wc.figure)[0]].get("label", review_judge_spec(wc.figure)[0]) if wc.figure in FIGURES_JUDGED else None,
        code=code_version("cot_review.py"),
    log:
        "logs/cot_review/{figure}.log",
    conda:
        "../../envs/plot.yaml"
    script:
        "../scripts/cot_review.py"
