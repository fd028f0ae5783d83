"""Figure kinds of the analyses beyond the paper (issue 15): from a figure's spec and the files its
rule hands over, to figures, tables, a plan and a review page.

Kinds (``figures.<name>.kind`` in the config; each kind's options sit under the key of its name):

- ``test_strength``: pass@k on the base tests alone (HumanEval, MBPP) beside base + plus
  (HumanEval+, MBPP+) for every k, and each run's false-positive rate;
- ``cover``: cover@τ beside pass@k (``cover.taus``);
- ``diversity``: answer diversity per problem, and the expected numbers of problems only the
  base model, only the RL model, both or neither solve at every k;
- ``noise``: pass@k with intervals over problems, over samples and over both, and the forecast
  of pass@k up to ``noise.forecast_k`` fitted on the first ``noise.fit_n`` samples;
- ``plan``: the n per problem that brings the samples interval at ``plan.k`` to ``plan.half_width``,
  as a table and as a config fragment that tops the runs up;
- ``cot_review``: the lucky-guess review (page, CoT-valid curves, the paper's §2 table).

Like ``passk.figures.kinds``, nothing here composes a ``results/...`` path: a run's table is the
path the rule gave for it, in the order of ``spec["runs"]``.
"""

from __future__ import annotations

import math
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from passk.analysis.cover import cover_at_tau, cover_steps
from passk.analysis.diversity import SUPPORT_PARTS, expected_support
from passk.analysis.forecast import METHODS, forecast_pass_at_k
from passk.analysis.aggregate import scan_run
from passk.analysis.metrics import dataset_pass_at_k, default_ks
from passk.analysis.noise import INTERVAL_KINDS, pass_at_k_intervals
from passk.analysis.planner import plan_samples
from passk.analysis.review import (
    SUMMARY_COLUMNS,
    cot_valid_counts,
    effective_marks,
    judge_suggestions,
    read_chains,
    read_marks,
    review_runs,
    review_summary,
)
from passk.analysis.tables import ANSWER_COLUMNS, CURVE_COLUMNS, format_float, read_problems_csv, read_typed_csv
from passk.analysis.test_strength import read_base_tests
from passk.errors import ConfigError, DataError
from passk.figures import plots
from passk.figures.analysis_plots import plot_cover_beside_passk, plot_support, write_cover_data, write_support_data
from passk.figures.kinds import RunKey, entry_run, figure_panels, run_tables
from passk.figures.plots import _curve_color, _settings
from passk.figures.review_page import write_review_page
from passk.io import csv_text, write_text
from passk.records.problems import load_problems
from passk.schema import figure_option_defaults

# --------------------------------------------------------------------------------------------
# Shared helpers


def _fmt(x: float, digits: int = 3) -> str:
    return "nan" if isinstance(x, float) and math.isnan(x) else f"{x:.{digits}f}"


def markdown_table(columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> list[str]:
    """Lines of a markdown table (cells as given, ``|`` escaped)."""
    def cell(v: Any) -> str:
        return str(v).replace("|", "\\|").replace("\n", " ")

    return ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)] + ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]


def _counts(problems_csv: str) -> tuple[np.ndarray, np.ndarray]:
    rows = read_problems_csv(problems_csv)
    if not rows:
        raise DataError(f"{problems_csv}: no problems")
    return np.array([r["n"] for r in rows], dtype=np.int64), np.array([r["c"] for r in rows], dtype=np.int64)


def _entries(spec: dict[str, Any]) -> list[tuple[dict[str, Any], dict[str, Any], RunKey]]:
    """Every (group-entry, benchmark, run) of a figure, group by group, benchmark by benchmark."""
    return [(entry, bench, entry_run(entry, bench["name"])) for group in spec["groups"] for bench in spec["benchmarks"] for entry in group]


def _write_tables(title: str, md_lines: list[str], columns: Sequence[str], rows: Sequence[Sequence[Any]], out_md: str, out_csv: str) -> None:
    write_text(out_md, "\n".join([f"## {title}", "", *md_lines]) + "\n")
    write_text(out_csv, csv_text(columns, rows))


def _curve_csv(path: Path, ks: np.ndarray, values: np.ndarray, low: np.ndarray | None = None, high: np.ndarray | None = None) -> str:
    """A curve CSV (``passk.analysis.tables.CURVE_COLUMNS``) for ``plots.plot_passk_grid``; ks may be sparse."""
    nan = np.full(ks.shape, np.nan)
    low = nan if low is None else low
    high = nan if high is None else high
    rows = [[int(k), format_float(v), format_float(lo), format_float(hi)] for k, v, lo, hi in zip(ks, values, low, high)]
    write_text(path, csv_text(CURVE_COLUMNS, rows))
    return str(path)


# --------------------------------------------------------------------------------------------
# test_strength


TEST_STRENGTH_COLUMNS = ("label", "model", "benchmark", "setting", "problems", "n", "samples", "pass_base", "pass_plus",
                         "false_positives", "false_positive_rate", "false_positive_share", "base_unknown",
                         "pass_at_1_base", "pass_at_1_plus", "pass_at_n_base", "pass_at_n_plus", "problems_only_base_solves")


def draw_test_strength(spec: dict[str, Any], settings: dict[str, Any], *, base_tests: Sequence[str], out_png: str, out_pdf: str,
                       out_csv: str, out_md: str, out_table_csv: str) -> None:
    """Curves on the base tests (dashed) and on base + plus (solid) per run, and the false-positive table."""
    tables = run_tables(spec, base_tests)
    panels = figure_panels(spec, tables, "curves")
    rows = []
    style = _settings(settings)
    with tempfile.TemporaryDirectory() as work:
        for p_index, panel in enumerate(panels):
            curves = []
            seen: dict[str, int] = {}  # two curves per model in one colour: the role's, as plot_passk_grid would pick
            for c_index, entry in enumerate(panel["curves"]):
                counts = read_base_tests(entry["csv"])
                ks = np.arange(1, int(counts.n.min()) + 1)
                color = _curve_color(entry["role"], seen, style, None)
                plus = dataset_pass_at_k(counts.n, counts.c_plus, ks)
                base = dataset_pass_at_k(counts.n, counts.c_base, ks)
                curves.append({**entry, "label": f"{entry['label']} (base + plus tests)", "color": color,
                               "csv": _curve_csv(Path(work) / f"{p_index}-{c_index}-plus.csv", ks, plus)})
                curves.append({**entry, "label": f"{entry['label']} (base tests only)", "color": color, "linestyle": "--",
                               "csv": _curve_csv(Path(work) / f"{p_index}-{c_index}-base.csv", ks, base)})
                model, bench, setting = entry["run"]
                rows.append([entry["label"], model, bench, setting, len(counts.problem_ids), int(counts.n.min()), int(counts.n.sum()),
                             int(counts.c_base.sum()), int(counts.c_plus.sum()), counts.false_positives,
                             format_float(counts.false_positive_rate), format_float(counts.false_positive_share),
                             int(counts.base_unknown.sum()), format_float(base[0]), format_float(plus[0]),
                             format_float(base[-1]), format_float(plus[-1]),
                             int(np.sum((counts.c_base > 0) & (counts.c_plus == 0)))])
            panels[p_index] = {**panel, "curves": curves}
        plots.plot_passk_grid(panels, [out_png, out_pdf], settings={"ncols": len(spec["benchmarks"]), "suptitle": spec.get("title"), **settings})
        plots.write_figure_data(panels, out_csv)
    md_rows = [[r[0], r[2], r[6], r[7], r[8], r[9], _fmt(float(r[10])), r[12], _fmt(float(r[15])), _fmt(float(r[16])), r[17]] for r in rows]
    md = ["pass@k on the benchmark's base tests alone against base + plus tests. A false positive passes the base tests and "
          "fails the plus tests; its rate is taken over the samples that pass the base tests. Verdicts killed before any test "
          "reported (base unknown) count as failing the base tests.", "",
          *markdown_table(["Model", "Benchmark", "Samples", "Pass base", "Pass base+plus", "False positives", "FP rate",
                           "Base unknown", "pass@n base", "pass@n base+plus", "Problems solved only on base tests"], md_rows)]
    _write_tables(spec.get("title", spec["name"]), md, TEST_STRENGTH_COLUMNS, rows, out_md, out_table_csv)


# --------------------------------------------------------------------------------------------
# cover


def options(spec: dict[str, Any], kind_key: str) -> dict[str, Any]:
    """A figure's options of one kind (``figures.<name>.<kind_key>``) over the schema's defaults."""
    return {**figure_option_defaults(kind_key), **(spec.get(kind_key) or {})}


def _taus(spec: dict[str, Any]) -> list[float]:
    taus = list(options(spec, "cover")["taus"])
    if not taus:
        raise ConfigError(f"figures.{spec['name']}.cover.taus: give at least one τ")
    return taus


def draw_cover(spec: dict[str, Any], settings: dict[str, Any], *, problems: Sequence[str], out_png: str, out_pdf: str, out_csv: str,
               out_md: str, out_table_csv: str) -> None:
    """cover@τ beside pass@k, one row per (group, benchmark), and the table of cover@τ at the configured τ."""
    taus = _taus(spec)
    tables = run_tables(spec, problems)
    rows, table_rows = [], []
    for panel in figure_panels(spec, tables, "curves"):
        curves, covers = [], []
        for entry in panel["curves"]:
            ns, cs = _counts(entry["csv"])
            ks = np.arange(1, int(ns.min()) + 1)
            curve = dataset_pass_at_k(ns, cs, ks)
            values = cover_at_tau(ns, cs, taus)
            curves.append({"label": entry["label"], "role": entry["role"], "k": ks, "pass_at_k": curve})
            covers.append({"label": entry["label"], "role": entry["role"], "steps": cover_steps(ns, cs), "taus": taus, "values": values})
            model, bench, setting = entry["run"]
            table_rows.append([entry["label"], model, bench, setting, len(ns), int(ns.min()), format_float(curve[0]), format_float(curve[-1]),
                               *(format_float(v) for v in values)])
        rows.append({"title": panel["title"], "curves": curves, "cover": covers})
    plot_cover_beside_passk(rows, [out_png, out_pdf], settings={"suptitle": spec.get("title"), **settings})
    write_cover_data(rows, out_csv)
    tau_names = [f"cover@{t:g}" for t in taus]
    md = ["cover@τ: the share of problems whose accuracy c/n is at least τ, beside pass@1 and pass@n (the plug-in c/n "
          "of each problem; Dragoi et al., arXiv 2510.08325).", "",
          *markdown_table(["Model", "Benchmark", "n", "pass@1", "pass@n", *tau_names],
                          [[r[0], r[2], r[5], _fmt(float(r[6])), _fmt(float(r[7])), *(_fmt(float(v)) for v in r[8:])] for r in table_rows])]
    _write_tables(spec.get("title", spec["name"]), md, ("label", "model", "benchmark", "setting", "problems", "n", "pass_at_1", "pass_at_n", *tau_names),
                  table_rows, out_md, out_table_csv)


# --------------------------------------------------------------------------------------------
# diversity


DIVERSITY_COLUMNS = ("label", "model", "benchmark", "setting", *ANSWER_COLUMNS)
_ANSWER_TYPES = {"problem_id": str, "index": int, "n": int, "c": int, "no_answer": int, "distinct_answers": int, "distinct_correct": int,
                 "answer_classes": int, "entropy_bits": float, "top_answer": str, "top_share": float}


def draw_diversity(spec: dict[str, Any], settings: dict[str, Any], *, problems: Sequence[str], answers: Sequence[str], out_png: str,
                   out_pdf: str, out_csv: str, out_md: str, out_table_csv: str) -> None:
    """The support figure (each group's first two models: expected only-first, only-second, both, neither
    against k) and the diversity tables (a summary in markdown, every problem in the CSV)."""
    problem_tables = run_tables(spec, problems)
    answer_tables = run_tables(spec, answers)
    panels, support_md = [], []
    for group in spec["groups"]:
        if len(group) < 2:
            continue
        first, second = group[0], group[1]
        for bench in spec["benchmarks"]:
            nb, cb = _counts(problem_tables[entry_run(first, bench["name"])])
            nr, cr = _counts(problem_tables[entry_run(second, bench["name"])])
            support = expected_support(nb, cb, nr, cr)
            panels.append({"title": bench["label"], "base_label": first["label"], "rl_label": second["label"], **support})
            for k in default_ks(int(support["k"][-1])):
                support_md.append([bench["label"], first["label"], second["label"], k,
                                   *(_fmt(float(support[part][k - 1]), 2) for part in SUPPORT_PARTS)])
    if not panels:
        raise ConfigError(f"figures.{spec['name']}: a diversity figure needs groups of at least two models (base first)")
    plot_support(panels, [out_png, out_pdf], settings={"ncols": len(spec["benchmarks"]), "suptitle": spec.get("title"), **settings})
    write_support_data(panels, out_csv)
    summary, per_problem = [], []
    for entry, bench, run in _entries(spec):
        rows = read_typed_csv(answer_tables[run], _ANSWER_TYPES)
        per_problem += [[entry["label"], *run, *(r[c] if not isinstance(r[c], float) else format_float(r[c]) for c in ANSWER_COLUMNS)] for r in rows]
        distinct = np.array([r["distinct_answers"] for r in rows])
        entropy = np.array([r["entropy_bits"] for r in rows])
        single = sum(1 for r in rows if r["answer_classes"] == 1)
        no_answer = sum(r["no_answer"] for r in rows) / max(1, sum(r["n"] for r in rows))
        summary.append([entry["label"], bench["label"], len(rows), _fmt(float(distinct.mean()), 2), int(np.median(distinct)),
                        _fmt(float(np.mean([r["distinct_correct"] for r in rows])), 2), _fmt(float(entropy.mean()), 2), single, _fmt(no_answer, 3)])
    md = ["Answer diversity per problem (from the verifier's extracted answers): distinct answers, distinct correct answers, and "
          "the entropy in bits of the answer classes (all correct answers are one class; other answers are classes by their "
          "normalised string; samples with no answer are left out). Every problem is in the CSV.", "",
          *markdown_table(["Model", "Benchmark", "Problems", "Mean distinct answers", "Median distinct", "Mean distinct correct",
                           "Mean entropy (bits)", "Problems with one answer class", "No-answer share"], summary),
          "", "Expected number of problems solved by only one model, both or neither with k samples each "
          "(from per-problem pass@k; at k = n these are the coverage sets).", "",
          *markdown_table(["Benchmark", "First", "Second", "k", "Only first", "Only second", "Both", "Neither"], support_md)]
    _write_tables(spec.get("title", spec["name"]), md, DIVERSITY_COLUMNS, per_problem, out_md, out_table_csv)


# --------------------------------------------------------------------------------------------
# noise


NOISE_COLUMNS = ("label", "model", "benchmark", "setting", "n", "k", "pass_at_k", *(f"{kind}_{side}" for kind in INTERVAL_KINDS for side in ("low", "high")),
                 "forecast", "fit_n", "method")


def noise_options(spec: dict[str, Any]) -> dict[str, Any]:
    """The noise kind's options with their defaults (``noise.*`` in the figure's config)."""
    opts = options(spec, "noise")
    if opts["method"] not in METHODS:
        raise ConfigError(f"figures.{spec['name']}.noise.method: {opts['method']!r} is not one of {', '.join(METHODS)}")
    return opts


def _fit_counts(run_problems_csv: str, fit_verdicts: Sequence[str], problems_path: str | None) -> tuple[np.ndarray, np.ndarray]:
    """Counts the forecast is fitted on: the run's own, or those of its first shards' verdicts."""
    if not fit_verdicts:
        return _counts(run_problems_csv)
    if problems_path is None:
        raise ConfigError("noise: fitting on part of a run needs its problem file")
    return scan_run(list(fit_verdicts), problems_path).arrays()


def draw_noise(spec: dict[str, Any], settings: dict[str, Any], *, problems: Sequence[str], fit_verdicts: Sequence[Sequence[str]],
               problem_files: dict[str, str], out_png: str, out_pdf: str, out_csv: str, out_md: str, out_table_csv: str) -> None:
    """Each run's curve with its problems-and-samples interval as the band, and its forecast (dashed)
    fitted on the first ``fit_n`` samples, up to ``forecast_k``; the table gives all three intervals."""
    opts = noise_options(spec)
    tables = run_tables(spec, problems)
    fits = dict(zip((tuple(r) for r in spec["runs"]), fit_verdicts))
    panels = figure_panels(spec, tables, "curves")
    rows = []
    style = _settings(settings)
    with tempfile.TemporaryDirectory() as work:
        for p_index, panel in enumerate(panels):
            curves = []
            seen: dict[str, int] = {}
            for c_index, entry in enumerate(panel["curves"]):
                model, bench, setting = entry["run"]
                color = _curve_color(entry["role"], seen, style, None)  # a run and its forecast in one colour
                ns, cs = _counts(entry["csv"])
                n = int(ns.min())
                ks = np.asarray(default_ks(n))
                iv = pass_at_k_intervals(ns, cs, ks, n_boot=int(opts["n_boot"]), seed=int(opts["seed"]), level=float(opts["level"]))
                dense = dataset_pass_at_k(ns, cs)
                low = np.full(n, np.nan)
                high = np.full(n, np.nan)
                low[ks - 1], high[ks - 1] = iv.low["both"], iv.high["both"]
                fit_ns, fit_cs = _fit_counts(entry["csv"], fits[entry["run"]], problem_files.get(bench))
                fit_n = int(fit_ns.min())
                forecast_k = int(opts["forecast_k"] or 4 * n)
                f_ks = np.unique(np.round(2.0 ** np.arange(0.0, math.log2(forecast_k) + 1e-9, 0.25)).astype(np.int64))
                f_ks = np.unique(np.concatenate([f_ks, ks, [forecast_k]]))
                forecast, model_fit = forecast_pass_at_k(fit_ns, fit_cs, f_ks, opts["method"])
                curves.append({**entry, "label": f"{entry['label']} (n={n})", "color": color,
                               "csv": _curve_csv(Path(work) / f"{p_index}-{c_index}.csv", np.arange(1, n + 1), dense, low, high)})
                curves.append({**entry, "label": f"{entry['label']}: forecast from n={fit_n}", "linestyle": "--", "color": color,
                               "marker": "", "csv": _curve_csv(Path(work) / f"{p_index}-{c_index}-f.csv", f_ks, forecast)})
                f_at = dict(zip(f_ks.tolist(), forecast))
                method = opts["method"] + (f": {model_fit.describe()}" if model_fit is not None else "")
                for j, k in enumerate(ks):
                    rows.append([entry["label"], model, bench, setting, n, int(k), format_float(iv.estimate[j]),
                                 *(format_float(side[kind][j]) for kind in INTERVAL_KINDS for side in (iv.low, iv.high)),
                                 format_float(f_at[int(k)]), fit_n, method])
                for k in f_ks[f_ks > n]:
                    if k & (k - 1) == 0 or k == forecast_k:
                        rows.append([entry["label"], model, bench, setting, n, int(k), "nan", *(["nan"] * 6), format_float(f_at[int(k)]), fit_n, method])
            panels[p_index] = {**panel, "curves": curves}
        plots.plot_passk_grid(panels, [out_png, out_pdf], settings={"ncols": len(spec["benchmarks"]), "suptitle": spec.get("title"),
                                                                     "height_per_panel": 3.4, **settings, "ci_band": True})
        plots.write_figure_data(panels, out_csv)
    level = f"{100 * float(opts['level']):g} %"
    md_rows = [[r[0], r[2], r[5], _fmt(float(r[6])) if r[6] != "nan" else "—",
                *(f"[{_fmt(float(r[7 + 2 * i]))}, {_fmt(float(r[8 + 2 * i]))}]" if r[7 + 2 * i] != "nan" else "—" for i in range(3)),
                _fmt(float(r[13])), r[14]] for r in rows]
    md = [f"pass@k with {level} intervals: over problems (the curve's band), over samples (these problems fixed: the part more "
          "samples remove) and over both (problems and samples resampled; drawn as the figure's band), and the forecast of "
          "pass@k fitted on the first fit_n samples per problem (beyond n: the forecast alone).", "",
          *markdown_table(["Model", "Benchmark", "k", "pass@k", "problems", "samples", "both", "forecast", "fit n"], md_rows)]
    _write_tables(spec.get("title", spec["name"]), md, NOISE_COLUMNS, rows, out_md, out_table_csv)


# --------------------------------------------------------------------------------------------
# plan


PLAN_COLUMNS = ("label", "model", "benchmark", "setting", "problems", "n", "k", "half_width", "level", "pilot_half_width",
                "n_planned", "predicted_half_width", "problems_floor", "step", "prior")


def plan_options(spec: dict[str, Any]) -> dict[str, Any]:
    """The plan kind's options with their defaults (``plan.*`` in the figure's config)."""
    opts = options(spec, "plan")
    for key in ("k", "half_width"):
        if key not in opts:
            raise ConfigError(f"figures.{spec['name']}.plan.{key}: required")
    return opts


def write_plan(spec: dict[str, Any], *, problems: Sequence[str], steps: Sequence[int], out_md: str, out_csv: str, out_yaml: str) -> None:
    """The planned n of each run (table) and the config fragment that tops the runs up to it.

    ``steps``: per run (``spec["runs"]`` order) the samples one sampling job adds (shard size ×
    shards per job), so the planned n is a whole number of jobs. Pass the fragment after the
    config (``--configfile config.yaml results/plans/NAME.yaml``): it raises ``n_per_model`` of
    the runs that need more samples, which only adds shards.
    """
    opts = plan_options(spec)
    tables = run_tables(spec, problems)
    step_of = dict(zip((tuple(r) for r in spec["runs"]), steps))
    rows, raise_n, md_rows = [], {}, []
    for entry, bench, run in _entries(spec):
        ns, cs = _counts(tables[run])
        plan = plan_samples(ns, cs, k=int(opts["k"]), half_width=float(opts["half_width"]), level=float(opts["level"]),
                            step=int(step_of[run]), n_max=int(opts["n_max"]), quantile=float(opts["quantile"]),
                            draws=int(opts["draws"]), seed=int(opts["seed"]))
        model, bench_name, setting = run
        planned = plan.n_planned
        rows.append([entry["label"], model, bench_name, setting, plan.n_problems, plan.n_pilot, plan.k, plan.half_width, plan.level,
                     format_float(plan.pilot_half_width) if plan.pilot_half_width is not None else "nan",
                     planned if planned is not None else "", format_float(plan.predicted_half_width), format_float(plan.problems_floor),
                     plan.step, plan.model.describe()])
        if planned is not None and planned > plan.n_pilot:
            current = raise_n.setdefault(bench_name, {}).get(model, 0)
            raise_n[bench_name][model] = max(current, planned)
        verdict = (f"{planned}" + (" (already there)" if planned <= plan.n_pilot else "")) if planned is not None else f"not within n_max={plan.n_max}"
        md_rows.append([entry["label"], bench["label"], plan.n_pilot, _fmt(plan.pilot_half_width, 4) if plan.pilot_half_width is not None else "—",
                        verdict, _fmt(plan.predicted_half_width, 4), _fmt(plan.problems_floor, 4)])
    title = spec.get("title", spec["name"])
    md = [f"Samples per problem for a {100 * float(opts['level']):g} % samples interval of half-width {opts['half_width']} at k = {opts['k']} "
          f"(met in {100 * float(opts['quantile']):g} % of {opts['draws']} simulated top-ups). The floor is the part of the "
          "problems-and-samples interval that comes from the benchmark's problems, which no n removes.", "",
          *markdown_table(["Model", "Benchmark", "n now", "Half-width now", "Planned n", "Predicted half-width", "Problems floor"], md_rows),
          "", f"Top up: `snakemake --configfile <your config> {Path(out_yaml).as_posix()}` (adds shards only)."]
    _write_tables(title, md, PLAN_COLUMNS, rows, out_md, out_csv)
    fragment = {"benchmarks": {bench: {"n_per_model": dict(sorted(models.items()))} for bench, models in sorted(raise_n.items())}} if raise_n else {}
    header = (f"# Written by the plan figure {spec['name']!r}: n per problem for a half-width of {opts['half_width']} at k = {opts['k']}.\n"
              "# Give it after your config to top the runs up (only new shards are sampled):\n"
              f"#   snakemake --configfile <your config> {Path(out_yaml).as_posix()}\n")
    write_text(out_yaml, header + (yaml.safe_dump(fragment, sort_keys=True) if fragment else "{}\n"))


# --------------------------------------------------------------------------------------------
# cot_review


def draw_cot_review(spec: dict[str, Any], settings: dict[str, Any], *, problems: Sequence[str], chains_jsonl: str, problem_files: dict[str, str],
                    marks_path: str | None, judge_samples: Sequence[str], judge_label: str | None, out_html: str, out_png: str, out_pdf: str,
                    out_csv: str, out_md: str, out_table_csv: str) -> None:
    """The review page, the CoT-valid curves beside the plain ones, and the table of the paper's check."""
    opts = options(spec, "review")
    chains = read_chains(chains_jsonl)
    marks = read_marks(marks_path)
    applied, stale, unselected = effective_marks(chains, marks)
    suggestions = judge_suggestions(judge_samples, chains) if judge_samples else {}
    problem_records = {bench: load_problems(path) for bench, path in problem_files.items()}
    runs = review_runs(spec)
    write_review_page(figure=spec["name"], title=spec.get("title", spec["name"]), max_accuracy=float(opts["max_accuracy"]), chains=chains,
                      problems=problem_records, runs=runs, marks=applied, suggestions=suggestions, judge_label=judge_label, out_html=out_html)
    tables = run_tables(spec, problems)
    summary = [review_summary(run, tables[(run["model"], run["benchmark"], run["setting"])], chains, applied, stale, suggestions,
                              float(opts["max_accuracy"])) for run in runs]
    panels = figure_panels(spec, tables, "curves")
    style = _settings(settings)
    with tempfile.TemporaryDirectory() as work:
        for p_index, panel in enumerate(panels):
            curves = []
            seen: dict[str, int] = {}
            for c_index, entry in enumerate(panel["curves"]):
                model, bench, setting = entry["run"]
                color = _curve_color(entry["role"], seen, style, None)  # the plain and the CoT-valid curve in one colour
                ns, cs, cs_valid = cot_valid_counts(entry["csv"], chains, applied, {"model": model, "benchmark": bench, "setting": setting})
                ks = np.arange(1, int(ns.min()) + 1)
                curves.append({**entry, "color": color, "csv": _curve_csv(Path(work) / f"{p_index}-{c_index}.csv", ks, dataset_pass_at_k(ns, cs, ks))})
                curves.append({**entry, "label": f"{entry['label']} (CoT-valid)", "linestyle": "--", "color": color,
                               "csv": _curve_csv(Path(work) / f"{p_index}-{c_index}-v.csv", ks, dataset_pass_at_k(ns, cs_valid, ks))})
            panels[p_index] = {**panel, "curves": curves}
        plots.plot_passk_grid(panels, [out_png, out_pdf], settings={"ncols": len(spec["benchmarks"]), "suptitle": spec.get("title"), **settings})
        plots.write_figure_data(panels, out_csv)
    md_rows = [[s["label"], s["benchmark"], s["rare"], s["rare_valid"], s["rare_unsure"], s["rare_invalid"], s["rare_unreviewed"],
                f"{s['chains_valid']}/{s['chains_invalid']}/{s['chains_unsure']}/{s['chains_unmarked']}", s["stale_marks"],
                f"{s['judge_agrees']}/{s['judge_suggested']} ({s['judge_answered']} answered)" if s["judge_answered"] else "—",
                _fmt(s["pass_at_n"]), _fmt(s["cot_valid_pass_at_n"])] for s in summary]
    source = f"marks from {marks.source}" if marks.source else "no marks file yet (review.marks in the config)"
    md = [f"The paper's §2 check: problems solved with 0 < accuracy < {opts['max_accuracy']:g} and how many have at least one valid "
          f"chain of thought ({source}; {len(unselected)} mark(s) for chains not in this selection). A CoT-valid sample is a correct one "
          "whose chain is marked valid; unsure and unmarked chains do not count.", "",
          *markdown_table(["Model", "Benchmark", "Rare problems", "≥1 valid CoT", "Unsure", "All invalid", "Not reviewed",
                           "Chains valid/invalid/unsure/unmarked", "Stale marks", "Judge agrees / marked", "pass@n", "CoT-valid pass@n"], md_rows)]
    rows = [[s[c] if not isinstance(s[c], float) else format_float(s[c]) for c in SUMMARY_COLUMNS] for s in summary]
    _write_tables(spec.get("title", spec["name"]), md, SUMMARY_COLUMNS, rows, out_md, out_table_csv)
