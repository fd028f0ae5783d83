"""From a figure's config to its panels: which run's table feeds which curve or bar.

The workflow resolves a figure's config into a spec (groups of curves × benchmarks, with labels
and roles, see ``figure_spec`` in workflow/rules/common.smk); this module maps the spec onto the
aggregated tables under ``results/passk/{model}/{bench}/{setting}/`` and calls the plotting
functions of ``passk.plots``. Rows of panels are the figure's model groups, columns its benchmarks.
"""

from __future__ import annotations

from typing import Any

from passk import plots
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


def draw_figure(spec: dict[str, Any], settings: dict[str, Any], *, out_png: str, out_pdf: str, out_csv: str, results: str = RESULTS) -> None:
    """Draw a pass@k-curve or accuracy-histogram figure and write its data CSV."""
    settings = {"ncols": len(spec["benchmarks"]), "suptitle": spec.get("title"), **settings}
    if spec["kind"] == "passk_curves":
        panels = figure_panels(spec, "curve.csv", "curves", results)
        plots.plot_passk_grid(panels, [out_png, out_pdf], settings=settings)
        plots.write_figure_data(panels, out_csv)
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
