"""From a figure's config to its panels: which run's table feeds which curve or bar.

The workflow resolves a figure's config into a spec (groups of curves × benchmarks, with labels
and roles, see ``figure_spec`` in workflow/rules/common.smk); this module maps the spec onto the
aggregated tables under ``results/passk/{model}/{bench}/{setting}/`` and calls the plotting
functions of ``passk.plots``. Rows of panels are the figure's model groups, columns its benchmarks.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from passk import plots
from passk.aggregate import read_problems_csv
from passk.config import curve_setting
from passk.errors import ConfigError

RESULTS = "results"


def run_file(model: str, bench: str, setting: str, name: str, results: str = RESULTS) -> str:
    """Path of an aggregated table (curve.csv or problems.csv) of one run."""
    return f"{results}/passk/{model}/{bench}/{setting}/{name}"


def _panel_title(spec: dict[str, Any], group: list[dict[str, Any]], bench: dict[str, Any]) -> str:
    if len(spec["groups"]) == 1:
        return bench["label"]
    return f"{bench['label']} · {group[0]['label']}"


def figure_panels(spec: dict[str, Any], table: str, key: str, results: str = RESULTS) -> list[dict[str, Any]]:
    """Panels in row-major order (one row per model group, one column per benchmark)."""
    panels = []
    for group in spec["groups"]:
        for bench in spec["benchmarks"]:
            entries = [
                {
                    "label": entry["label"],
                    "role": entry["role"],
                    "csv": run_file(entry["model"], bench["name"], curve_setting(entry, bench["name"]), table, results),
                }
                for entry in group
            ]
            panels.append({"title": _panel_title(spec, group, bench), key: entries})
    return panels


def _filtered_panels(panels: list[dict[str, Any]], spec: dict[str, Any], filter_json: str, workdir: str, results: str) -> list[dict[str, Any]]:
    """Fig 12: the same panels with each curve recomputed without the guessable problems."""
    from passk.guess_filter import filtered_curve, read_filter

    exclude = read_filter(filter_json)
    out = []
    for p_index, panel in enumerate(panels):
        curves = []
        for c_index, curve in enumerate(panel["curves"]):
            problems_csv = curve["csv"][: -len("curve.csv")] + "problems.csv"
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
    out_png: str,
    out_pdf: str,
    out_csv: str,
    filter_json: str | None = None,
    perplexity_csv: str | None = None,
    results: str = RESULTS,
) -> None:
    """Draw a pass@k-curve, accuracy-histogram or perplexity figure and write its data CSV."""
    settings = {"ncols": len(spec["benchmarks"]), "suptitle": spec.get("title"), **settings}
    if spec["kind"] == "passk_curves":
        panels = figure_panels(spec, "curve.csv", "curves", results)
        with tempfile.TemporaryDirectory() as workdir:
            if filter_json is not None:
                panels = _filtered_panels(panels, spec, filter_json, workdir, results)
            plots.plot_passk_grid(panels, [out_png, out_pdf], settings=settings)
            plots.write_figure_data(panels, out_csv)
    elif spec["kind"] == "perplexity":
        if perplexity_csv is None:
            raise ConfigError(f"figures.{spec['name']}: a perplexity figure needs its perplexity table")
        panels = perplexity_panels(spec, perplexity_csv)
        plots.plot_perplexity_boxes(panels, [out_png, out_pdf], settings={**settings, "ncols": len(panels)})
        plots.write_perplexity_data(panels, out_csv)
    elif spec["kind"] == "accuracy_histogram":
        panels = figure_panels(spec, "problems.csv", "models", results)
        plots.plot_accuracy_histogram(panels, [out_png, out_pdf], settings=settings)
        plots.write_histogram_data(panels, out_csv)
    else:
        raise ConfigError(f"figures.{spec['name']}.kind: {spec['kind']!r} is not a plotted kind")


def draw_coverage_table(spec: dict[str, Any], *, out_md: str, out_csv: str, results: str = RESULTS) -> None:
    """Solvable-set table of a figure's first two models on its first benchmark (Tables 4 and 5)."""
    group = spec["groups"][0]
    if len(group) != 2 or len(spec["benchmarks"]) != 1:
        raise ConfigError(f"figures.{spec['name']}: a coverage table needs one benchmark and one pair of models")
    bench = spec["benchmarks"][0]["name"]
    base, rl = ({"label": e["label"], "csv": run_file(e["model"], bench, curve_setting(e, bench), "problems.csv", results)} for e in group)
    index_range = spec.get("index_range")
    plots.write_coverage_table(
        base,
        rl,
        out_md,
        out_csv,
        index_range=(index_range[0], index_range[1] + 1) if index_range else None,
        title=spec.get("title"),
    )


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


def score_perplexity_figure(
    spec: dict[str, Any],
    models: dict[str, dict[str, Any]],
    *,
    problems_path: str,
    base_samples: list[str],
    rl_samples: list[str],
    base_manifest: str,
    rl_manifest: str,
    backend: dict[str, Any],
    seed: int,
    out_csv: str,
) -> None:
    """Fig 6's table: ``per_problem`` sampled answers of each model on the figure's problems,
    scored under the base model (its own and the RL model's answers) and under the RL model (its own).

    Each model scores with its own template, the prompt its answers were sampled with. The paper's
    Y_GT (OpenAI-o1 answers) is not available and not drawn.
    """
    from passk.models import model_dir_from_manifest
    from passk.perplexity import perplexity_table, score_responses, select_responses, with_prompts

    options = dict(backend)
    name = options.pop("name")
    if name == "transformers":
        keep = ("device", "dtype", "batch_size", "max_model_len", "threads")
        options = {k: v for k, v in options.items() if k in keep and v is not None}
    per_problem = int(spec.get("per_problem") or 16)
    ids = list(spec["problems"])
    y_base = select_responses(base_samples, ids, per_problem, seed, source="base")
    y_rl = select_responses(rl_samples, ids, per_problem, seed, source="rl")
    base, rl = models["base"], models["rl"]
    base_dir, rl_dir = model_dir_from_manifest(base_manifest), model_dir_from_manifest(rl_manifest)
    rows = score_responses(base_dir, with_prompts(y_base + y_rl, problems_path, template=base["template"]), backend=name, scorer="base", **options)
    rows += score_responses(rl_dir, with_prompts(y_rl, problems_path, template=rl["template"]), backend=name, scorer="rl", **options)
    perplexity_table(rows, out_csv)
