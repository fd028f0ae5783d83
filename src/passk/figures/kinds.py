"""Figure kinds: from a figure's spec and the tables the rule hands over, to panels and files.

The workflow resolves a figure's config into a spec (``passk.config.figures.figure_spec``: groups
of curves × benchmarks, labels, roles, each curve's sampling setting per benchmark, and ``runs``,
the figure's runs in the order of the rule's inputs). This module pairs each run with the table
path the rule gave for it, builds the panels (rows: the figure's model groups; columns: its
benchmarks; ``transpose`` swaps them, as the paper's Fig 16 is drawn), writes the title and caption
(``passk.figures.captions``: prompts, new tokens, tests) and calls the drawing functions of
``passk.figures.plots``. It never composes a ``results/...`` path: a run's table is whatever the
rule passed.
"""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from passk.analysis.checker_panel import PanelRun, write_panel_table
from passk.analysis.checkpoint_tables import write_checkpoint_table
from passk.analysis.curve_pairs import panel_pairs, write_pairs_table
from passk.analysis.guess_filter import filtered_curve, read_filter
from passk.analysis.tables import read_problems_csv
from passk.errors import ConfigError
from passk.figures import checkpoint_plots, plots
from passk.figures.captions import figure_caption, run_facts
from passk.records.problems import load_problems
from passk.records.verdicts import read_verdicts

RunKey = tuple[str, str, str]


def run_tables(spec: dict[str, Any], paths: Sequence[str]) -> dict[RunKey, str]:
    """``{(model, benchmark, setting): path}`` from the spec's ``runs`` and the rule's inputs, in the same order."""
    runs = [tuple(run) for run in spec["runs"]]
    if len(runs) != len(paths):
        raise ConfigError(f"figures.{spec['name']}: {len(paths)} tables given for {len(runs)} runs")
    return dict(zip(runs, (str(p) for p in paths)))  # type: ignore[arg-type]


def entry_run(entry: dict[str, Any], bench: str) -> RunKey:
    """The run one curve of a panel is drawn from."""
    return (entry["model"], bench, entry["settings"][bench])


def _panel_title(spec: dict[str, Any], group: list[dict[str, Any]], bench: dict[str, Any]) -> str:
    if len(spec["groups"]) == 1:
        return bench["label"]
    return f"{bench['label']} · {group[0]['label']}"


def figure_panels(spec: dict[str, Any], tables: dict[RunKey, str], key: str) -> list[dict[str, Any]]:
    """Panels in row-major order: one row per model group and one column per benchmark, or with
    ``transpose`` one row per benchmark and one column per model group."""
    cells = [(group, bench) for group in spec["groups"] for bench in spec["benchmarks"]]
    if spec.get("transpose"):
        cells = [(group, bench) for bench in spec["benchmarks"] for group in spec["groups"]]
    panels = []
    for group, bench in cells:
        entries = [
            {"label": entry["label"], "role": entry["role"], "run": entry_run(entry, bench["name"]),
             "csv": tables[entry_run(entry, bench["name"])], "checkpoint": entry.get("checkpoint")}
            for entry in group
        ]
        panels.append({"title": _panel_title(spec, group, bench), key: entries})
    return panels


def panel_columns(spec: dict[str, Any]) -> int:
    """Columns of the panel grid: the benchmarks, or with ``transpose`` the model groups."""
    return len(spec["groups"]) if spec.get("transpose") else len(spec["benchmarks"])


def _filtered_panels(panels: list[dict[str, Any]], problem_tables: dict[RunKey, str], filter_json: str, workdir: str) -> list[dict[str, Any]]:
    """Fig 12: the same panels with each curve recomputed without the guessable problems."""
    exclude = read_filter(filter_json)
    out = []
    for p_index, panel in enumerate(panels):
        curves = []
        for c_index, curve in enumerate(panel["curves"]):
            problems_csv = problem_tables[curve["run"]]
            bench_ids = {row["problem_id"] for row in read_problems_csv(problems_csv)}
            target = str(Path(workdir) / f"{p_index}-{c_index}.csv")
            filtered_curve(problems_csv, sorted(bench_ids & set(exclude)), target)
            curves.append({**curve, "csv": target})
        out.append({**panel, "curves": curves})
    return out


def draw_figure(
    spec: dict[str, Any],
    settings: dict[str, Any],
    *,
    curves: Sequence[str],
    problems: Sequence[str],
    out_png: str,
    out_pdf: str,
    out_csv: str,
    filter_json: str | None = None,
    perplexity_csv: str | None = None,
    provenance: Sequence[str] = (),
) -> None:
    """Draw a pass@k-curve, accuracy-histogram or perplexity figure and write its data CSV.

    ``curves``, ``problems`` and ``provenance`` are the runs' curve and per-problem tables and
    provenance records, in ``spec["runs"]`` order (the caption reads the provenance).
    """
    title, caption = figure_caption(spec, run_facts(spec, list(provenance)))
    settings = {"ncols": panel_columns(spec), "suptitle": title, "caption": "\n".join(caption) or None, **settings}
    if spec["kind"] == "passk_curves":
        panels = figure_panels(spec, run_tables(spec, curves), "curves")
        with tempfile.TemporaryDirectory() as workdir:
            if filter_json is not None:
                panels = _filtered_panels(panels, run_tables(spec, problems), filter_json, workdir)
            plots.plot_passk_grid(panels, [out_png, out_pdf], settings=settings)
            plots.write_figure_data(panels, out_csv)
    elif spec["kind"] == "checkpoint_curves":
        panels = figure_panels(spec, run_tables(spec, curves), "curves")
        checkpoint_plots.plot_checkpoint_grid(
            panels, [out_png, out_pdf], settings=settings, color_by=spec.get("label_by") or "label",
            fold_y=spec.get("fold_y") or False, delta_se_arrows=bool(spec.get("delta_se_arrows")),
        )
        plots.write_figure_data(panels, out_csv)
    elif spec["kind"] == "perplexity":
        if perplexity_csv is None:
            raise ConfigError(f"figures.{spec['name']}: a perplexity figure needs its perplexity table")
        panels = perplexity_panels(spec, perplexity_csv)
        plots.plot_perplexity_boxes(panels, [out_png, out_pdf], settings={**settings, "ncols": len(panels)})
        plots.write_perplexity_data(panels, out_csv)
    elif spec["kind"] == "accuracy_histogram":
        panels = figure_panels(spec, run_tables(spec, problems), "models")
        plots.plot_accuracy_histogram(panels, [out_png, out_pdf], settings=settings)
        plots.write_histogram_data(panels, out_csv)
    else:
        raise ConfigError(f"figures.{spec['name']}.kind: {spec['kind']!r} is not a plotted kind")


def draw_coverage_table(spec: dict[str, Any], *, problems: Sequence[str], out_md: str, out_csv: str, provenance: Sequence[str] = ()) -> None:
    """Solvable-set table of a figure's first two models on its first benchmark (Tables 4 and 5),
    titled and captioned like a figure (``passk.figures.captions``)."""
    group = spec["groups"][0]
    if len(group) != 2 or len(spec["benchmarks"]) != 1:
        raise ConfigError(f"figures.{spec['name']}: a coverage table needs one benchmark and one pair of models")
    bench = spec["benchmarks"][0]["name"]
    tables = run_tables(spec, problems)
    base, rl = ({"label": e["label"], "csv": tables[entry_run(e, bench)]} for e in group)
    title, caption = figure_caption(spec, run_facts(spec, list(provenance)))
    index_range = spec.get("index_range")
    plots.write_coverage_table(
        base,
        rl,
        out_md,
        out_csv,
        index_range=(index_range[0], index_range[1] + 1) if index_range else None,
        title=title,
        caption=caption,
    )


def draw_checkpoint_table(spec: dict[str, Any], *, problems: Sequence[str], out_md: str, out_csv: str) -> None:
    """Tables 2 and 3: pass@1 / pass@k of the first model group (base first) on every benchmark."""
    tables = run_tables(spec, problems)
    entries = [
        {"label": e["label"], "role": e["role"], "problems": {b["name"]: tables[entry_run(e, b["name"])] for b in spec["benchmarks"]}}
        for e in spec["groups"][0]
    ]
    write_checkpoint_table(entries, spec["benchmarks"], out_md, out_csv, title=spec.get("title"), k=spec.get("k"))


def draw_pairs_table(spec: dict[str, Any], *, problems: Sequence[str], out_csv: str, out_md: str) -> None:
    """ΔSE and the crossover k (with its bootstrap interval) of every pair of curves of every panel."""
    panels = figure_panels(spec, run_tables(spec, problems), "curves")
    pairs = [p for panel in panels for p in panel_pairs(panel["title"], [(c["label"], c["csv"]) for c in panel["curves"]])]
    write_pairs_table(pairs, out_csv, out_md, title=f"{spec.get('title', spec['name'])}: ΔSE and crossover k of every pair of curves")


def draw_training_logs(spec: dict[str, Any], settings: dict[str, Any], *, logs: Sequence[str], out_png: str, out_pdf: str, out_csv: str) -> None:
    """Fig 18 from the training logs the rule hands over (in the order of ``spec["logs"]``)."""
    entries = spec.get("logs") or []
    if len(entries) != len(logs):
        raise ConfigError(f"figures.{spec['name']}: {len(logs)} log files given for {len(entries)} logs")
    merged = [{**entry, "path": path} for entry, path in zip(entries, logs)]
    checkpoint_plots.plot_training_logs(merged, [out_png, out_pdf], out_csv, settings={"suptitle": spec.get("title"), **settings})


# The boxes of Fig 6: (scorer, source of the responses).
PERPLEXITY_BOXES = (("base", "base", "PPL_Base(Y_Base)"), ("base", "rl", "PPL_Base(Y_RL)"), ("rl", "rl", "PPL_RL(Y_RL)"))


def perplexity_panels(spec: dict[str, Any], table_csv: str) -> list[dict[str, Any]]:
    """One panel per scored problem, one box per (scorer, response source) of Fig 6."""
    return [
        {
            "title": f"{spec['benchmarks'][0]['label']} {problem_id}",
            "problem_id": problem_id,
            "boxes": [{"label": label, "scorer": scorer, "source": source, "csv": table_csv} for scorer, source, label in PERPLEXITY_BOXES],
        }
        for problem_id in spec["problems"]
    ]


# --- verifier_panel: pass@k under each math checker, and where they disagree (issue 15) ---------

CHECKER_LINESTYLES = ("-", "--", ":", "-.")  # by the checker's position in verify.math_checkers


def verifier_panel_panels(spec: dict[str, Any], curves: Sequence[str], settings: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """Panels (model groups × benchmarks) with one curve per model and checker: a colour per model,
    a line style per checker. ``curves``: the curve tables checker by checker (``spec["checkers"]``
    order), each in ``spec["runs"]`` order."""
    checkers = spec["checkers"]
    n_runs = len(spec["runs"])
    if len(curves) != len(checkers) * n_runs:
        raise ConfigError(f"figures.{spec['name']}: {len(curves)} curve tables given for {len(checkers)} checkers x {n_runs} runs")
    tables = {c: run_tables(spec, curves[i * n_runs:(i + 1) * n_runs]) for i, c in enumerate(checkers)}
    panels = []
    for group in spec["groups"]:
        colors = plots.role_colors([entry["role"] for entry in group], settings)
        for bench in spec["benchmarks"]:
            entries = []
            for entry, color in zip(group, colors):
                run = entry_run(entry, bench["name"])
                for j, c in enumerate(checkers):
                    entries.append({"label": f"{entry['label']} · {spec['checker_labels'][c]}", "role": entry["role"],
                                    "run": run, "csv": tables[c][run], "color": color,
                                    "linestyle": CHECKER_LINESTYLES[j % len(CHECKER_LINESTYLES)]})
            panels.append({"title": _panel_title(spec, group, bench), "curves": entries})
    return panels


def draw_verifier_panel(
    spec: dict[str, Any],
    settings: dict[str, Any],
    *,
    curves: Sequence[str],
    verdicts: dict[str, Sequence[str]],
    problem_files: Sequence[str],
    out_png: str,
    out_pdf: str,
    out_csv: str,
    out_md: str,
    out_table_csv: str,
) -> None:
    """The verifier-panel figure (its data CSV) and its table of problems whose pass@k_max changes.

    ``curves``: see ``verifier_panel_panels``; ``verdicts``: ``"{checker}/{i}"`` → the verdict shards
    of run ``spec["runs"][i]`` under that checker; ``problem_files``: each benchmark's problem file,
    in ``spec["benchmarks"]`` order (the gold answers shown in the table).
    """
    settings = {"ncols": len(spec["benchmarks"]), "suptitle": spec.get("title"), **settings}
    panels = verifier_panel_panels(spec, curves, settings)
    plots.plot_passk_grid(panels, [out_png, out_pdf], settings=settings)
    plots.write_figure_data(panels, out_csv)
    if len(problem_files) != len(spec["benchmarks"]):
        raise ConfigError(f"figures.{spec['name']}: {len(problem_files)} problem files given for {len(spec['benchmarks'])} benchmarks")
    problems = {b["name"]: load_problems(path) for b, path in zip(spec["benchmarks"], problem_files)}
    bench_labels = {b["name"]: b["label"] for b in spec["benchmarks"]}
    model_labels = {entry_run(e, b["name"]): e["label"] for g in spec["groups"] for e in g for b in spec["benchmarks"]}
    runs = []
    for i, run in enumerate(tuple(r) for r in spec["runs"]):
        rows = {c: [row for path in verdicts[f"{c}/{i}"] for row in read_verdicts(path)] for c in spec["checkers"]}
        runs.append(PanelRun(model=model_labels.get(run, run[0]), benchmark=bench_labels[run[1]],
                             problems=problems[run[1]], verdicts=rows))
    write_panel_table(runs, spec["checkers"], spec["checker_labels"], out_md=out_md, out_csv=out_table_csv,
                      title=f"{spec.get('title') or spec['name']}: problems whose pass@k_max changes between checkers")
