"""Paper-style figures and tables, written atomically and byte-deterministically.

Figures are drawn on a bare ``matplotlib.figure.Figure`` with the Agg canvas (no pyplot global
state, no display) under a fixed rc context, and saved with the metadata that would otherwise
change from run to run removed: PNG "Software", PDF "Creator"/"Producer"/"CreationDate", SVG
"Creator"/"Date", and a fixed ``svg.hashsalt`` for SVG element ids. Only ``.png``, ``.pdf`` and
``.svg`` are accepted, because those are the formats whose bytes we have made reproducible.

Every figure has a CSV twin (``write_figure_data``, ``write_histogram_data``) holding exactly the
plotted numbers, so tests and reviewers can compare figures' contents byte for byte without
relying on image diffs.

Inputs are the CSVs of :mod:`passk.analysis.tables`: curve CSVs (``k,pass_at_k,ci_low,ci_high``) for
pass@k panels, per-problem CSVs (``problem_id,index,n,c,...``) for histograms and coverage.
"""

from __future__ import annotations

import contextlib
import math
import os
import textwrap
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")  # before any backend is touched: never needs a display

import numpy as np  # noqa: E402
from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.ticker import FixedLocator, NullLocator  # noqa: E402

from passk.analysis.metrics import HISTOGRAM_LABELS, accuracy_histogram, compare_coverage  # noqa: E402
from passk.analysis.perplexity import read_perplexity_table  # noqa: E402
from passk.analysis.tables import format_float, read_curve_csv, read_curve_tests, read_problems_csv  # noqa: E402
from passk.errors import ConfigError, DataError  # noqa: E402
from passk.io import atomic_path, csv_text, write_text  # noqa: E402

__all__ = [
    "DEFAULT_SETTINGS",
    "ROLE_COLORS",
    "plot_accuracy_histogram",
    "plot_passk_grid",
    "save_figure",
    "write_coverage_table",
    "write_figure_data",
    "write_histogram_data",
]

ROLE_COLORS: dict[str, str] = {
    "base": "#1f77b4",  # blue, as the paper's base-model curves
    "rl": "#d62728",  # red, RL-trained
    "instruct": "#2ca02c",
    "distill": "#9467bd",
}
"""Colour per model role; a second curve of the same role in one panel takes the next
colour of :data:`_EXTRA_COLORS`, so e.g. Fig 8's six RL algorithms stay distinguishable."""

_EXTRA_COLORS = ("#ff7f0e", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf", "#000000")
ROLE_MARKERS: dict[str, str] = {"base": "o", "rl": "s", "instruct": "^", "distill": "D"}

DEFAULT_SETTINGS: dict[str, Any] = {
    "ncols": 4,  # at most; fewer if there are fewer panels
    "width_per_panel": 3.2,  # inches, used when "figsize" is not given
    "height_per_panel": 2.6,
    "figsize": None,  # (width, height) in inches for the whole figure
    "formats": None,  # accepted for the workflow's plot config; the out_paths' suffixes decide
    "dpi": 150,
    "log2_x": True,
    "markers": True,
    "markersize": 2.5,
    "linewidth": 1.4,
    "colors": ROLE_COLORS,
    "ci_band": False,
    "ci_alpha": 0.18,
    "xlabel": "Number of Samples k",
    "ylabel": "Coverage (pass@k)",
    "legend": True,
    "legend_loc": "lower right",
    "suptitle": None,
    "caption": None,  # text under the panels (how the curves were made); also the files' description metadata
    "fontsize": 8,
}

_RC: dict[str, Any] = {
    "svg.hashsalt": "passk",  # SVG ids derive from this instead of a random uuid
    "svg.fonttype": "path",
    "pdf.fonttype": 42,
    "font.family": "DejaVu Sans",  # bundled with matplotlib: same glyphs on every machine
    "mathtext.fontset": "dejavusans",
    "axes.grid": True,
    "grid.alpha": 0.3,
    "grid.linewidth": 0.5,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "path.simplify": False,
}

_METADATA: dict[str, dict[str, None]] = {
    "png": {"Software": None},
    "pdf": {"Creator": None, "Producer": None, "CreationDate": None, "ModDate": None},
    "svg": {"Creator": None, "Date": None},
}


def _settings(settings: dict[str, Any] | None) -> dict[str, Any]:
    merged = dict(DEFAULT_SETTINGS)
    for key, value in (settings or {}).items():
        if key not in DEFAULT_SETTINGS:
            raise ConfigError(f"plot settings: unknown key {key!r} (known: {', '.join(sorted(DEFAULT_SETTINGS))})")
        merged[key] = value
    colors = dict(ROLE_COLORS)
    colors.update(merged["colors"] or {})
    merged["colors"] = colors
    return merged


def _format_of(path: str | os.PathLike[str]) -> str:
    ext = Path(path).suffix.lower().lstrip(".")
    if ext not in _METADATA:
        raise ConfigError(f"{path}: unsupported figure format {ext!r} (use .png, .pdf or .svg)")
    return ext


def _use_bundled_fonts() -> None:
    """Make "DejaVu Sans" mean matplotlib's own copy of it, never a system one.

    A machine with Debian's fonts-dejavu has a second DejaVu Sans (another version, other glyph
    outlines); which copy the font manager picks then depends on its cache, so the embedded font,
    and the figure's bytes, would differ between machines and even between processes."""
    from matplotlib import font_manager

    bundled = (Path(matplotlib.get_data_path()) / "fonts" / "ttf").resolve()
    manager = font_manager.fontManager

    def is_bundled(entry: Any) -> bool:
        return Path(entry.fname).resolve().is_relative_to(bundled)

    if all(is_bundled(f) for f in manager.ttflist if f.name.startswith("DejaVu")) and any(
        f.name == "DejaVu Sans" for f in manager.ttflist
    ):
        return
    manager.ttflist = [f for f in manager.ttflist if not f.name.startswith("DejaVu") or is_bundled(f)]
    present = {Path(f.fname).resolve() for f in manager.ttflist}
    for path in sorted(bundled.glob("DejaVuSans*.ttf")):  # a cached font list may lack them
        if path.resolve() not in present:
            manager.addfont(str(path))
    for cached in (getattr(font_manager.FontManager, "_findfont_cached", None), getattr(font_manager, "_get_font", None)):
        if hasattr(cached, "cache_clear"):  # lookups made before the list changed
            cached.cache_clear()


@contextlib.contextmanager
def _style(fontsize: float) -> Iterator[None]:
    _use_bundled_fonts()
    rc = dict(_RC)
    rc.update({"font.size": fontsize, "axes.titlesize": fontsize + 1, "legend.fontsize": fontsize - 1})
    with matplotlib.rc_context(rc):
        yield


# Where a format keeps a title and a description in its metadata.
_TEXT_KEYS: dict[str, tuple[str, str]] = {"png": ("Title", "Description"), "pdf": ("Title", "Subject"), "svg": ("Title", "Description")}


def save_figure(fig: Figure, out_paths: Sequence[str | os.PathLike[str]], dpi: int, *, title: str | None = None,
                description: str | None = None) -> None:
    """Save ``fig`` to each path atomically with reproducible bytes.

    matplotlib picks the format from ``format=`` (the temporary name ends in ``.tmp``), and the
    metadata that carries versions or dates is dropped, so two renders give identical files. The
    title and description (the caption) are written as metadata too, so a figure file says how it
    was made even away from its caption (PNG text chunks, PDF Title/Subject).
    """
    if not out_paths:
        raise ConfigError("no output paths given for the figure")
    formats = [_format_of(p) for p in out_paths]
    for path, fmt in zip(out_paths, formats):
        metadata: dict[str, Any] = dict(_METADATA[fmt])
        for key, value in zip(_TEXT_KEYS[fmt], (title, description)):
            if value:
                metadata[key] = value
        with atomic_path(path) as tmp:
            with open(tmp, "wb") as fh:
                fig.savefig(fh, format=fmt, dpi=dpi, metadata=metadata)


CAPTION_MIN_WIDTH = 6.4  # inches


def _finish(fig: Figure, s: dict[str, Any], out_paths: Sequence[str | os.PathLike[str]]) -> None:
    """Title, caption (wrapped to the figure's width, in room added below the panels), layout, save.

    A captioned figure is at least ``CAPTION_MIN_WIDTH`` inches wide, so a one-panel figure's caption
    and title stay readable."""
    caption = s.get("caption")
    if caption:
        width, height = fig.get_size_inches()
        width = max(float(width), CAPTION_MIN_WIDTH)
        fig.set_size_inches(width, height)
    if s["suptitle"]:
        chars = max(30, int(fig.get_size_inches()[0] * 72 / (0.55 * (float(s["fontsize"]) + 4))))
        fig.suptitle("\n".join(textwrap.wrap(str(s["suptitle"]), chars)) or s["suptitle"])
    if caption:
        chars = max(40, int(width * 72 / (0.52 * float(s["fontsize"]))))
        lines = [part for line in str(caption).splitlines() for part in (textwrap.wrap(line, chars, subsequent_indent="    ") or [""])]
        extra = (len(lines) + 0.8) * float(s["fontsize"]) * 1.3 / 72
        fig.set_size_inches(width, height + extra)
        fig.text(0.01, 0.004, "\n".join(lines), ha="left", va="bottom", fontsize=float(s["fontsize"]) - 0.5, linespacing=1.3)
        fig.tight_layout(rect=(0, extra / (height + extra), 1, 1))
    else:
        fig.tight_layout()
    save_figure(fig, out_paths, s["dpi"], title=s["suptitle"], description=caption)


def _new_figure(n_panels: int, s: dict[str, Any]) -> tuple[Figure, list[Any], int, int]:
    ncols = max(1, min(int(s["ncols"]), n_panels))
    nrows = math.ceil(n_panels / ncols)
    figsize = s["figsize"] or (float(s["width_per_panel"]) * ncols, float(s["height_per_panel"]) * nrows)
    fig = Figure(figsize=tuple(figsize), dpi=s["dpi"])
    FigureCanvasAgg(fig)
    axes = fig.subplots(nrows, ncols, squeeze=False)
    flat = [ax for row in axes for ax in row]
    for ax in flat[n_panels:]:
        ax.set_visible(False)
    return fig, flat, nrows, ncols


def _curve_color(role: str, seen: dict[str, int], s: dict[str, Any], override: str | None) -> str:
    if override:
        return override
    count = seen.get(role, 0)
    seen[role] = count + 1
    if count == 0 and role in s["colors"]:
        return s["colors"][role]
    used = sum(seen.values()) - 1
    return _EXTRA_COLORS[used % len(_EXTRA_COLORS)]


def role_colors(roles: Sequence[str], settings: dict[str, Any] | None = None) -> list[str]:
    """The colours :func:`plot_passk_grid` gives curves of these roles in one panel, in order.

    For figures that draw several curves per model (the verifier panel: one per checker) and
    keep one colour per model, passing it as each curve's ``color``.
    """
    s = _settings(settings)
    seen: dict[str, int] = {}
    return [_curve_color(role, seen, s, None) for role in roles]


def _check_panels(panels: list[dict[str, Any]], key: str) -> None:
    if not panels:
        raise ConfigError("no panels to plot")
    for i, panel in enumerate(panels):
        if not isinstance(panel, dict) or key not in panel or not panel[key]:
            raise ConfigError(f"panel {i} ({panel.get('title', '?') if isinstance(panel, dict) else panel!r}): needs a non-empty {key!r} list")
        for j, item in enumerate(panel[key]):
            if "label" not in item:
                raise ConfigError(f"panel {i} {key}[{j}]: needs a 'label'")


def _load_curve(curve: dict[str, Any]) -> dict[str, np.ndarray]:
    if "csv" in curve:
        return read_curve_csv(curve["csv"])
    if "pass_at_k" in curve:  # in-memory curve, k = 1..len
        y = np.asarray(curve["pass_at_k"], dtype=np.float64)
        nan = np.full(y.shape, np.nan)
        return {
            "k": np.arange(1, y.shape[0] + 1, dtype=np.int64),
            "pass_at_k": y,
            "ci_low": np.asarray(curve.get("ci_low", nan), dtype=np.float64),
            "ci_high": np.asarray(curve.get("ci_high", nan), dtype=np.float64),
        }
    raise ConfigError(f"curve {curve.get('label')!r}: needs 'csv' (a curve CSV) or 'pass_at_k' values")


def _log2_ticks(ax: Any, k_max: int) -> None:
    m = max(0, math.ceil(math.log2(max(1, k_max))))
    ax.set_xscale("log", base=2)
    ax.xaxis.set_major_locator(FixedLocator([2.0**i for i in range(m + 1)]))
    ax.xaxis.set_minor_locator(NullLocator())
    step = 1 if m <= 6 else 2  # avoid overlapping labels on 2^0..2^11 panels
    ax.set_xticklabels([f"$2^{{{i}}}$" if i % step == 0 or i == m else "" for i in range(m + 1)])
    ax.set_xlim(2.0**-0.25, 2.0 ** (m + 0.25))


def plot_passk_grid(panels: list[dict[str, Any]], out_paths: list[str], *, settings: dict[str, Any] | None = None) -> None:
    """Draw pass@k curves, one panel per benchmark, in a grid like the paper's Figs 2/7/9/10.

    ``panels``: ``[{"title": "MATH500", "curves": [{"label": "Qwen2.5-7B", "role": "base",
    "csv": "results/curves/.../curve.csv"}, ...]}, ...]``. A curve may give ``color``,
    ``marker`` or ``linestyle`` to override its role's style, or ``pass_at_k`` (values for
    k = 1..len) instead of ``csv``. ``settings`` keys: see :data:`DEFAULT_SETTINGS` (unknown
    keys are a ConfigError so typos in the workflow config surface). The x axis is log2 with
    ticks at 2^0..2^m, m = ceil(log2 of the panel's largest k); the optional CI band is drawn
    where the curve CSV has ``ci_low``/``ci_high`` (the powers of two).
    """
    s = _settings(settings)
    _check_panels(panels, "curves")
    with _style(s["fontsize"]):
        fig, axes, _, _ = _new_figure(len(panels), s)
        for ax, panel in zip(axes, panels):
            seen: dict[str, int] = {}
            k_max = 1
            for curve in panel["curves"]:
                data = _load_curve(curve)
                k, y = data["k"], data["pass_at_k"]
                k_max = max(k_max, int(k.max()))
                role = curve.get("role", "base")
                color = _curve_color(role, seen, s, curve.get("color"))
                marker = curve.get("marker", ROLE_MARKERS.get(role, "o")) if s["markers"] else None
                ax.plot(
                    k,
                    y,
                    label=curve["label"],
                    color=color,
                    marker=marker,
                    markersize=s["markersize"],
                    linewidth=s["linewidth"],
                    linestyle=curve.get("linestyle", "-"),
                )
                if s["ci_band"] and "ci_low" in data and "ci_high" in data:
                    ok = np.isfinite(data["ci_low"]) & np.isfinite(data["ci_high"])
                    if np.any(ok):
                        ax.fill_between(k[ok], data["ci_low"][ok], data["ci_high"][ok], color=color, alpha=s["ci_alpha"], linewidth=0)
            if s["log2_x"]:
                _log2_ticks(ax, k_max)
            low, high = ax.get_ylim()  # pass@k lives in [0, 1]: never show negative coverage
            ax.set_ylim(max(low, -0.02), max(min(high, 1.02), 0.1))
            ax.set_title(panel.get("title", ""))
            ax.set_xlabel(s["xlabel"])
            ax.set_ylabel(s["ylabel"])
            if s["legend"]:
                ax.legend(loc=s["legend_loc"], frameon=False)
        _finish(fig, s, out_paths)


FIGURE_DATA_COLUMNS = ("panel", "label", "role", "k", "pass_at_k", "ci_low", "ci_high", "tests")


def write_figure_data(panels: list[dict[str, Any]], out_csv: str) -> None:
    """Write the numbers behind :func:`plot_passk_grid` as one long CSV.

    Columns ``panel,label,role,k,pass_at_k,ci_low,ci_high,tests``; rows in panel order, then curve
    order, then k ascending (the order the figure draws them); floats as ``%.10f``; ``tests`` is the
    curve table's (``public`` for a LiveCodeBench run graded without its private tests).
    """
    _check_panels(panels, "curves")
    rows = []
    for panel in panels:
        for curve in panel["curves"]:
            data = _load_curve(curve)
            tests = read_curve_tests(curve["csv"]) if "csv" in curve else str(curve.get("tests") or "")
            for i, k in enumerate(data["k"]):
                rows.append(
                    [
                        panel.get("title", ""),
                        curve["label"],
                        curve.get("role", "base"),
                        int(k),
                        format_float(data["pass_at_k"][i]),
                        format_float(data["ci_low"][i]) if "ci_low" in data else "nan",
                        format_float(data["ci_high"][i]) if "ci_high" in data else "nan",
                        tests,
                    ]
                )
    write_text(out_csv, csv_text(FIGURE_DATA_COLUMNS, rows))


def _problem_tests(model: dict[str, Any]) -> dict[str, str]:
    """``{problem_id: tests}`` of a per-problem CSV (empty for inline counts)."""
    if "csv" not in model:
        return {}
    return {r["problem_id"]: str(r.get("tests") or "") for r in read_problems_csv(model["csv"])}


def _load_counts(model: dict[str, Any]) -> tuple[np.ndarray, np.ndarray, list[int], list[str]]:
    """``(ns, cs, indices, problem_ids)`` of a model from its per-problem CSV or inline n/c."""
    if "csv" in model:
        rows = read_problems_csv(model["csv"])
        if not rows:
            raise DataError(f"{model['csv']}: no problems")
        return (
            np.array([r["n"] for r in rows]),
            np.array([r["c"] for r in rows]),
            [r["index"] for r in rows],
            [r["problem_id"] for r in rows],
        )
    if "c" in model:
        cs = np.asarray(model["c"])
        ns = np.broadcast_to(np.asarray(model.get("n", 0)), cs.shape).copy() if np.ndim(model.get("n", 0)) == 0 else np.asarray(model["n"])
        idx = list(model.get("index", range(len(cs))))
        return ns, cs, idx, [str(i) for i in idx]
    raise ConfigError(f"model {model.get('label')!r}: needs 'csv' (a per-problem CSV) or 'n' and 'c'")


def plot_accuracy_histogram(panels: list[dict[str, Any]], out_paths: list[str], *, settings: dict[str, Any] | None = None) -> None:
    """Grouped bars of per-problem accuracy in the paper's 12 bins (Fig 5; Fig 13 as a grid).

    ``panels``: ``[{"title": "Minerva", "models": [{"label": "Qwen2.5-7B", "role": "base",
    "csv": per-problem CSV}, {"label": "SimpleRL-Zoo", "role": "rl", "csv": ...}]}]``. The left
    axis is the number of problems and the right axis the same bars as % of problems (a twin
    axis scaled by 100/total, so both read off the same bar); all models of a panel must
    therefore cover the same number of problems.
    """
    s = _settings(
        {"ylabel": "Frequency", "xlabel": "Accuracy Interval", "legend_loc": "upper center", "width_per_panel": 4.2, "height_per_panel": 3.2, **(settings or {})}
    )
    _check_panels(panels, "models")
    with _style(s["fontsize"]):
        fig, axes, _, _ = _new_figure(len(panels), s)
        x = np.arange(len(HISTOGRAM_LABELS))
        for ax, panel in zip(axes, panels):
            models = panel["models"]
            width = 0.8 / len(models)
            seen: dict[str, int] = {}
            totals = set()
            y_max = 0
            for m_i, model in enumerate(models):
                ns, cs, _, _ = _load_counts(model)
                hist = accuracy_histogram(ns, cs)
                totals.add(hist.total)
                y_max = max(y_max, int(hist.counts.max()))
                color = _curve_color(model.get("role", "base"), seen, s, model.get("color"))
                offset = (m_i - (len(models) - 1) / 2) * width
                ax.bar(x + offset, hist.counts, width=width, label=model["label"], color=color, edgecolor="black", linewidth=0.4)
            if len(totals) != 1:
                raise DataError(f"panel {panel.get('title', '?')!r}: models cover different numbers of problems {sorted(totals)}")
            total = totals.pop()
            ax.set_xticks(x)
            ax.set_xticklabels(HISTOGRAM_LABELS, rotation=45, ha="right")
            ax.set_ylim(0, y_max * 1.1 + 1)
            ax.set_title(panel.get("title", ""))
            ax.set_xlabel(s["xlabel"])
            ax.set_ylabel(s["ylabel"])
            ax.grid(axis="x", visible=False)
            right = ax.twinx()
            right.set_ylim(0, (y_max * 1.1 + 1) * 100.0 / total)
            right.set_ylabel("Percentage (%)")
            right.grid(False)
            right.spines["right"].set_visible(True)
            if s["legend"]:
                ax.legend(loc=s["legend_loc"], frameon=False)
        _finish(fig, s, out_paths)


HISTOGRAM_DATA_COLUMNS = ("panel", "label", "role", "bin", "count", "percent")


def write_histogram_data(panels: list[dict[str, Any]], out_csv: str) -> None:
    """The numbers behind :func:`plot_accuracy_histogram`: ``panel,label,role,bin,count,percent``.

    Rows in panel, model and bin order; ``percent`` in ``%.10f``.
    """
    _check_panels(panels, "models")
    rows = []
    for panel in panels:
        for model in panel["models"]:
            ns, cs, _, _ = _load_counts(model)
            hist = accuracy_histogram(ns, cs)
            for label, count, pct in zip(hist.labels, hist.counts, hist.percentages):
                rows.append([panel.get("title", ""), model["label"], model.get("role", "base"), label, int(count), format_float(pct)])
    write_text(out_csv, csv_text(HISTOGRAM_DATA_COLUMNS, rows))


COVERAGE_COLUMNS = ("index", "problem_id", "base_n", "base_c", "base_solved", "rl_n", "rl_c", "rl_solved", "category", "tests")


def write_coverage_table(
    base: dict[str, Any],
    rl: dict[str, Any],
    out_md: str,
    out_csv: str,
    *,
    index_range: tuple[int, int] | None = None,
    title: str | None = None,
    caption: Sequence[str] = (),
) -> None:
    """Solvable-problem table of two models (paper Tables 4 and 5), as markdown and CSV.

    ``base``/``rl``: ``{"label": "Qwen2.5-7B", "csv": per-problem CSV}`` of the same benchmark.
    ``index_range=(lo, hi)`` keeps problems with ``lo <= index < hi`` (half-open, like
    ``range``: Table 5's "400–450" is ``(400, 451)``); None keeps all. A problem is solved when
    c ≥ 1. The CSV has one row per problem (``index,problem_id,base_n,base_c,base_solved,rl_n,
    rl_c,rl_solved,category,tests`` with category both/base_only/rl_only/neither, and the tests
    that graded the problem, e.g. ``public``); the markdown lists each model's solved indices, the
    base-only and RL-only sets and whether RL ⊆ Base, then the ``caption`` lines.
    """
    for name, model in (("base", base), ("rl", rl)):
        if "label" not in model:
            raise ConfigError(f"coverage table: {name} needs a 'label'")
    nb, cb, ib, pb = _load_counts(base)
    nr, cr, ir, pr = _load_counts(rl)
    by_id_b = {pid: (i, n, c) for pid, i, n, c in zip(pb, ib, nb.tolist(), cb.tolist())}
    by_id_r = {pid: (i, n, c) for pid, i, n, c in zip(pr, ir, nr.tolist(), cr.tolist())}
    if set(by_id_b) != set(by_id_r):
        only = sorted(set(by_id_b) ^ set(by_id_r))[:5]
        src = f"{base.get('csv', base['label'])} vs {rl.get('csv', rl['label'])}"
        raise DataError(f"{src}: the two models cover different problems (e.g. {only})")
    ids = sorted(by_id_b, key=lambda p: (by_id_b[p][0], p))
    if index_range is not None:
        lo, hi = index_range
        ids = [p for p in ids if lo <= by_id_b[p][0] < hi]
    if not ids:
        raise DataError(f"coverage table: no problems with index in {index_range}")
    idx = [by_id_b[p][0] for p in ids]
    cmp = compare_coverage([by_id_b[p][2] for p in ids], [by_id_r[p][2] for p in ids], indices=idx)
    category = {i: "both" for i in cmp.both}
    category.update({i: "base_only" for i in cmp.base_only})
    category.update({i: "rl_only" for i in cmp.rl_only})
    category.update({i: "neither" for i in cmp.neither})
    tests = {**_problem_tests(base), **{p: t for p, t in _problem_tests(rl).items() if t}}
    rows = []
    for p in ids:
        i, n_b, c_b = by_id_b[p]
        _, n_r, c_r = by_id_r[p]
        rows.append([i, p, n_b, c_b, int(c_b >= 1), n_r, c_r, int(c_r >= 1), category[i], tests.get(p, "")])

    def fmt(items: Sequence[int]) -> str:
        return ", ".join(str(i) for i in items) if items else "—"

    rng = f"indices {idx[0]}–{idx[-1]}" if index_range is None else f"indices {index_range[0]}–{index_range[1] - 1}"
    lines = [f"## {title}", ""] if title else []
    lines += [
        f"Problems solved (at least one correct sample), {len(ids)} problems, {rng} (0-based).",
        "",
        "| Model | Solved | Indices |",
        "|---|---|---|",
        f"| {base['label']} | {len(cmp.base)}/{len(ids)} | {fmt(cmp.base)} |",
        f"| {rl['label']} | {len(cmp.rl)}/{len(ids)} | {fmt(cmp.rl)} |",
        f"| {base['label']} only | {len(cmp.base_only)} | {fmt(cmp.base_only)} |",
        f"| {rl['label']} only | {len(cmp.rl_only)} | {fmt(cmp.rl_only)} |",
        "",
        f"{rl['label']} ⊆ {base['label']}: {'yes' if cmp.rl_subset_of_base else 'no'}",
        "",
    ]
    lines += [f"- {line}" for line in caption] + ([""] if caption else [])
    write_text(out_csv, csv_text(COVERAGE_COLUMNS, rows))
    write_text(out_md, "\n".join(lines))


# --------------------------------------------------------------------------------------------
# Perplexity boxes (Fig 6)

__all__ += ["PERPLEXITY_DATA_COLUMNS", "plot_perplexity_boxes", "write_perplexity_data"]

_BOX_COLORS = ("#1f77b4", "#d62728", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f")
"""Box colours in box order (Fig 6 has four boxes per panel: blue, red, orange, green)."""

PERPLEXITY_DATA_COLUMNS = (
    "panel",
    "label",
    "problem_id",
    "scorer",
    "source",
    "count",
    "median",
    "q1",
    "q3",
    "whisker_low",
    "whisker_high",
    "mean",
    "values",
)


def _box_values(box: dict[str, Any], panel: dict[str, Any], cache: dict[str, list[dict[str, Any]]]) -> tuple[str, np.ndarray]:
    """``(problem_id, finite ppl values)`` of one box, from a perplexity table or inline ``values``.

    A table box selects the rows of (problem_id, scorer, source) in ``sample_index`` order; NaN
    perplexities (empty responses) are dropped, because a box of NaN draws nothing. No value left
    is a DataError, so a misspelt scorer or source never yields a silently empty box.
    """
    pid = str(box.get("problem_id", panel.get("problem_id", "")))
    if "values" in box:
        values = np.asarray(box["values"], dtype=np.float64)
    elif "csv" in box:
        for key in ("scorer", "source"):
            if key not in box:
                raise ConfigError(f"box {box['label']!r}: a 'csv' box needs {key!r}")
        if not pid:
            raise ConfigError(f"box {box['label']!r}: a 'csv' box needs 'problem_id' (on the box or its panel)")
        path = str(box["csv"])
        if path not in cache:
            cache[path] = read_perplexity_table(path)
        rows = sorted(
            (r for r in cache[path] if r["problem_id"] == pid and r["scorer"] == str(box["scorer"]) and r["source"] == str(box["source"])),
            key=lambda r: r["sample_index"],
        )
        values = np.asarray([r["ppl"] for r in rows], dtype=np.float64)
    else:
        raise ConfigError(f"box {box['label']!r}: needs 'csv' (a perplexity table) or 'values'")
    values = values[np.isfinite(values)]
    if values.size == 0:
        where = box.get("csv", "inline values")
        raise DataError(f"{where}: no perplexities for box {box['label']!r} (problem {pid!r}, scorer {box.get('scorer')!r}, source {box.get('source')!r})")
    return pid, values


def _box_stats(panels: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """Per panel, per box: matplotlib's own box statistics plus the values, computed once so the
    figure and its CSV twin show the same numbers (whiskers at 1.5 IQR, matplotlib's default)."""
    from matplotlib.cbook import boxplot_stats

    _check_panels(panels, "boxes")
    cache: dict[str, list[dict[str, Any]]] = {}
    out = []
    for panel in panels:
        stats = []
        for box in panel["boxes"]:
            pid, values = _box_values(box, panel, cache)
            (st,) = boxplot_stats(values, whis=1.5)
            st["label"] = box["label"]
            st["values"] = values
            st["problem_id"] = pid
            stats.append(st)
        out.append(stats)
    return out


def plot_perplexity_boxes(panels: list[dict[str, Any]], out_paths: list[str], *, settings: dict[str, Any] | None = None) -> None:
    """Box plots with points of response perplexities, one panel per problem (paper Fig 6).

    ``panels``: ``[{"title": "AIME24 #12", "problem_id": "aime24-12", "boxes": [{"label":
    "PPL_Base(Y_Base)", "scorer": "base", "source": "qwen2.5-7b", "csv": perplexity table}, ...]}]``
    — one box per (scorer, response source) pair, e.g. PPL_Base(Y_Base), PPL_Base(Y_RL),
    PPL_RL(Y_RL), PPL_Base(Y_GT). A box reads the rows of its (problem_id, scorer, source) from a
    :func:`passk.analysis.perplexity.perplexity_table` CSV (``problem_id`` on the box or the panel), or
    takes inline ``values``; ``color`` overrides the box's colour. Every response is drawn as a
    point over its box, spread evenly across the box in ``sample_index`` order (no random jitter,
    so the bytes repeat). ``settings``: :data:`DEFAULT_SETTINGS` keys; the defaults here are two
    panels per row and "Perplexity" on the y axis. Box statistics: :func:`write_perplexity_data`.
    """
    s = _settings({"ncols": 2, "width_per_panel": 3.6, "height_per_panel": 3.0, "xlabel": "", "ylabel": "Perplexity", **(settings or {})})
    all_stats = _box_stats(panels)
    with _style(s["fontsize"]):
        fig, axes, _, _ = _new_figure(len(panels), s)
        for ax, panel, stats in zip(axes, panels, all_stats):
            positions = np.arange(1, len(stats) + 1, dtype=np.float64)
            art = ax.bxp(stats, positions=positions, widths=0.55, showfliers=False, showmeans=False, patch_artist=True)
            for j, (box, st) in enumerate(zip(panel["boxes"], stats)):
                color = box.get("color") or _BOX_COLORS[j % len(_BOX_COLORS)]
                art["boxes"][j].set_facecolor(color)
                art["boxes"][j].set_alpha(0.35)
                art["boxes"][j].set_edgecolor(color)
                art["medians"][j].set_color("black")
                m = st["values"].size
                spread = np.linspace(-0.18, 0.18, m) if m > 1 else np.zeros(1)
                ax.scatter(positions[j] + spread, st["values"], s=float(s["markersize"]) ** 2 * 2, color=color, edgecolors="black", linewidths=0.3, zorder=3)
            ax.set_xticks(positions)
            ax.set_xticklabels([st["label"] for st in stats], rotation=30, ha="right")
            ax.set_xlim(0.4, len(stats) + 0.6)
            ax.grid(axis="x", visible=False)
            ax.set_title(panel.get("title", ""))
            ax.set_xlabel(s["xlabel"])
            ax.set_ylabel(s["ylabel"])
        _finish(fig, s, out_paths)


def write_perplexity_data(panels: list[dict[str, Any]], out_csv: str) -> None:
    """The numbers behind :func:`plot_perplexity_boxes`: one row per box.

    Columns ``panel,label,problem_id,scorer,source,count,median,q1,q3,whisker_low,whisker_high,
    mean,values``: the box statistics exactly as drawn (matplotlib's ``boxplot_stats``, whiskers at
    1.5 IQR), and ``values`` = every plotted perplexity in ``sample_index`` order, ``;``-joined.
    Rows in panel then box order; floats as ``%.10f``; ``scorer``/``source`` empty for inline boxes.
    """
    all_stats = _box_stats(panels)
    rows = []
    for panel, stats in zip(panels, all_stats):
        for box, st in zip(panel["boxes"], stats):
            rows.append(
                [
                    panel.get("title", ""),
                    st["label"],
                    st["problem_id"],
                    str(box.get("scorer", "")),
                    str(box.get("source", "")),
                    int(st["values"].size),
                    *(format_float(st[key]) for key in ("med", "q1", "q3", "whislo", "whishi", "mean")),
                    ";".join(format_float(v) for v in st["values"]),
                ]
            )
    write_text(out_csv, csv_text(PERPLEXITY_DATA_COLUMNS, rows))
