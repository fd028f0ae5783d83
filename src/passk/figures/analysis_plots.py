"""Drawings of the analyses beyond the paper (issue 15): cover@τ beside pass@k, and who solves what.

Same conventions as ``passk.figures.plots`` (its style, colours per role, log2 k axis and
byte-reproducible saving are reused, not copied): bare ``Figure`` objects, atomic writes, and a CSV
twin for each figure with exactly the plotted numbers. pass@k panels with curves only (test
strength, noise and forecast, CoT-valid curves) are drawn by ``plots.plot_passk_grid`` itself.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from passk.analysis.tables import format_float
from passk.errors import ConfigError
from passk.figures.plots import ROLE_MARKERS, _curve_color, _log2_ticks, _new_figure, _settings, _style, save_figure
from passk.io import csv_text, write_text


def plot_cover_beside_passk(rows: list[dict[str, Any]], out_paths: list[str], *, settings: dict[str, Any] | None = None) -> None:
    """One row per benchmark: pass@k against k (left) and cover@τ against τ (right).

    ``rows``: ``[{"title", "curves": [{"label", "role", "k", "pass_at_k"}], "cover": [{"label", "role",
    "steps": (taus, values), "taus", "values"}]}]``: ``steps`` is the whole step function
    (``passk.analysis.cover.cover_steps``), drawn from τ = 0; ``taus``/``values`` the configured τ,
    marked on it.
    """
    if not rows:
        raise ConfigError("cover figure: no benchmarks to draw")
    s = _settings({**(settings or {}), "ncols": 2})
    with _style(s["fontsize"]):
        fig, axes, _, _ = _new_figure(2 * len(rows), s)
        for r, row in enumerate(rows):
            left, right = axes[2 * r], axes[2 * r + 1]
            seen: dict[str, int] = {}
            colors = []
            k_max = 1
            for curve in row["curves"]:
                color = _curve_color(curve["role"], seen, s, None)
                colors.append(color)
                k = np.asarray(curve["k"])
                k_max = max(k_max, int(k.max()))
                left.plot(k, curve["pass_at_k"], label=curve["label"], color=color, linewidth=s["linewidth"],
                          marker=ROLE_MARKERS.get(curve["role"], "o") if s["markers"] else None, markersize=s["markersize"])
            if s["log2_x"]:
                _log2_ticks(left, k_max)
            left.set_ylim(-0.02, 1.02)
            left.set_title(f"{row['title']}: pass@k")
            left.set_xlabel(s["xlabel"])
            left.set_ylabel(s["ylabel"])
            for color, cover in zip(colors, row["cover"]):
                taus, values = cover["steps"]
                right.step(np.concatenate([[0.0], taus]), np.concatenate([[values[0]], values]), where="pre", color=color,
                           linewidth=s["linewidth"], label=cover["label"])
                right.plot(cover["taus"], cover["values"], linestyle="none", color=color,
                           marker=ROLE_MARKERS.get(cover["role"], "o"), markersize=s["markersize"] + 1)
            right.set_xlim(0.0, 1.02)
            right.set_ylim(-0.02, 1.02)
            right.set_title(f"{row['title']}: cover@τ")
            right.set_xlabel("Per-problem accuracy τ")
            right.set_ylabel("cover@τ (share with c/n ≥ τ)")
            if s["legend"]:
                left.legend(loc=s["legend_loc"], frameon=False)
                right.legend(loc="upper right", frameon=False)
        if s["suptitle"]:
            fig.suptitle(s["suptitle"])
        fig.tight_layout()
        save_figure(fig, out_paths, s["dpi"])


COVER_DATA_COLUMNS = ("panel", "label", "role", "tau", "cover")


def write_cover_data(rows: list[dict[str, Any]], out_csv: str) -> None:
    """The numbers behind the cover@τ panels: cover@τ at every step of each model's function."""
    out = []
    for row in rows:
        for cover in row["cover"]:
            for tau, value in zip(*cover["steps"]):
                out.append([row["title"], cover["label"], cover["role"], format_float(tau), format_float(value)])
    write_text(out_csv, csv_text(COVER_DATA_COLUMNS, out))


SUPPORT_STYLE = (("only_base", "base", "-"), ("only_rl", "rl", "-"), ("both", None, "--"), ("neither", None, ":"))


def plot_support(panels: list[dict[str, Any]], out_paths: list[str], *, settings: dict[str, Any] | None = None) -> None:
    """Expected numbers of problems only the base model, only the RL model, both or neither solve, against k.

    ``panels``: ``[{"title", "base_label", "rl_label", "k", "only_base", "only_rl", "both", "neither"}]``.
    """
    if not panels:
        raise ConfigError("support figure: no panels to draw")
    s = _settings(settings)
    with _style(s["fontsize"]):
        fig, axes, _, _ = _new_figure(len(panels), s)
        for ax, panel in zip(axes, panels):
            k = np.asarray(panel["k"])
            names = {"only_base": f"only {panel['base_label']}", "only_rl": f"only {panel['rl_label']}", "both": "both", "neither": "neither"}
            for part, role, style in SUPPORT_STYLE:
                color = s["colors"][role] if role else ("#7f7f7f" if part == "both" else "#000000")
                ax.plot(k, panel[part], label=names[part], color=color, linestyle=style, linewidth=s["linewidth"])
            if s["log2_x"]:
                _log2_ticks(ax, int(k.max()))
            ax.set_ylim(bottom=0.0)
            ax.set_title(panel["title"])
            ax.set_xlabel(s["xlabel"])
            ax.set_ylabel("Expected number of problems")
            if s["legend"]:
                ax.legend(loc="center right", frameon=False)
        if s["suptitle"]:
            fig.suptitle(s["suptitle"])
        fig.tight_layout()
        save_figure(fig, out_paths, s["dpi"])


SUPPORT_DATA_COLUMNS = ("panel", "base", "rl", "k", "only_base", "only_rl", "both", "neither")


def write_support_data(panels: list[dict[str, Any]], out_csv: str) -> None:
    """The numbers behind :func:`plot_support`, one row per panel and k."""
    rows = []
    for panel in panels:
        for i, k in enumerate(panel["k"]):
            rows.append([panel["title"], panel["base_label"], panel["rl_label"], int(k),
                         *(format_float(panel[part][i]) for part in ("only_base", "only_rl", "both", "neither"))])
    write_text(out_csv, csv_text(SUPPORT_DATA_COLUMNS, rows))
