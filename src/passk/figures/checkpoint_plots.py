"""Drawing the training-run figures: pass@k of checkpoints (Figs 1 right, 8, 14, 15) and training
logs (Fig 18). Same conventions as ``passk.figures.plots`` (bare Figure, fixed rc, reproducible
bytes, a CSV twin of every figure), in a module of their own.

Checkpoint panels differ from Fig 2's in three ways:

- colours follow the checkpoint's tags: a series of steps of one run is drawn light to dark
  (Fig 1 right), algorithms and runs get distinct colours (Figs 8, 15); the base model stays blue;
- ``fold_y`` folds the y-axis (Fig 8): the band [a, b] that no curve passes through is squeezed to
  a tenth of its height, and drawn as a grey band, so the low pass@1 region and the high pass@k
  region are both readable; ``"auto"`` folds the widest empty band if it spans more than 0.15;
- ``delta_se_arrows`` draws Fig 8's arrows: a dotted line at the best pass@1 among the checkpoints
  and an arrow at k_max from it up to the base model's pass@k_max, labelled ΔSE.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from matplotlib import colormaps
from matplotlib.colors import to_hex

from passk.analysis.tables import format_float, read_curve_csv
from passk.analysis.training_logs import TRAINING_METRICS, read_training_log
from passk.errors import ConfigError
from passk.figures.plots import ROLE_COLORS, _EXTRA_COLORS, _log2_ticks, _new_figure, _settings, _style, save_figure
from passk.io import csv_text, write_text

FOLD_SQUEEZE = 0.1
AUTO_FOLD_MIN_GAP = 0.15


def _fold_functions(a: float, b: float) -> tuple[Any, Any]:
    """Forward and inverse maps of a y-axis whose band [a, b] is squeezed to FOLD_SQUEEZE of its height."""
    r = FOLD_SQUEEZE

    def forward(y: Any) -> Any:
        y = np.asarray(y, dtype=np.float64)
        return np.where(y <= a, y, np.where(y < b, a + (y - a) * r, a + (b - a) * r + (y - b)))

    def inverse(u: Any) -> Any:
        u = np.asarray(u, dtype=np.float64)
        top = a + (b - a) * r
        return np.where(u <= a, u, np.where(u < top, a + (u - a) / r, b + (u - top)))

    return forward, inverse


def auto_fold(values: Sequence[float], min_gap: float = AUTO_FOLD_MIN_GAP) -> tuple[float, float] | None:
    """The widest band between two plotted values, shrunk by 0.02 on each side, if it spans more
    than ``min_gap`` (a band below every curve or above them all is never folded)."""
    ys = np.unique(np.clip(np.asarray(values, dtype=np.float64), 0.0, 1.0))
    if ys.size < 2:
        return None
    gaps = np.diff(ys)
    i = int(np.argmax(gaps))
    if gaps[i] <= min_gap:
        return None
    return float(ys[i] + 0.02), float(ys[i + 1] - 0.02)


def curve_colors(curves: Sequence[dict[str, Any]], color_by: str) -> list[str]:
    """Base model blue; checkpoints light-to-dark red by step (``color_by == "step"``), else one colour each."""
    steps = sorted({int((c.get("checkpoint") or {}).get("step", 0)) for c in curves if c.get("role") != "base"})
    extra = iter([ROLE_COLORS["rl"], *_EXTRA_COLORS])
    out = []
    for c in curves:
        if c.get("role") == "base":
            out.append(ROLE_COLORS["base"])
        elif color_by == "step" and len(steps) > 1:
            rank = steps.index(int((c.get("checkpoint") or {}).get("step", 0)))
            out.append(to_hex(colormaps["Reds"](0.4 + 0.6 * rank / (len(steps) - 1))))
        else:
            out.append(next(extra, "#000000"))
    return out


def plot_checkpoint_grid(panels: list[dict[str, Any]], out_paths: list[str], *, settings: dict[str, Any] | None = None,
                         color_by: str = "label", fold_y: Any = False, delta_se_arrows: bool = False) -> list[dict[str, Any]]:
    """Draw checkpoint pass@k panels (``panels`` as ``plots.plot_passk_grid``'s, each curve with its
    ``checkpoint`` tags); returns the ΔSE annotations drawn (one per panel, empty without arrows)."""
    s = _settings(settings)
    notes = []
    with _style(s["fontsize"]):
        fig, axes, _, _ = _new_figure(len(panels), s)
        for ax, panel in zip(axes, panels):
            data = [read_curve_csv(c["csv"]) for c in panel["curves"]]
            colors = curve_colors(panel["curves"], color_by)
            k_max = max(int(d["k"].max()) for d in data)
            for curve, d, color in zip(panel["curves"], data, colors):
                ax.plot(d["k"], d["pass_at_k"], label=curve["label"], color=color, marker="o" if curve.get("role") == "base" else "s",
                        markersize=s["markersize"], linewidth=s["linewidth"])
            fold = fold_y
            if fold == "auto":
                marks = [v for d in data for v in d["pass_at_k"][np.unique(np.clip(2 ** np.arange(0, 12), 1, len(d["k"]))) - 1]]
                fold = auto_fold(marks)
            if fold:
                a, b = float(fold[0]), float(fold[1])
                ax.set_yscale("function", functions=_fold_functions(a, b))
                ax.axhspan(a, b, color="#999999", alpha=0.25, linewidth=0)
            if delta_se_arrows:
                base = [d for c, d in zip(panel["curves"], data) if c.get("role") == "base"]
                others = [(float(d["pass_at_k"][0]), c["label"]) for c, d in zip(panel["curves"], data) if c.get("role") != "base"]
                if base and others:
                    best, who = max(others)
                    top = float(base[0]["pass_at_k"][-1])
                    k_top = int(base[0]["k"][-1])
                    ax.axhline(best, color="#555555", linestyle=":", linewidth=0.8)
                    ax.annotate("", xy=(k_top, top), xytext=(k_top, best), arrowprops={"arrowstyle": "<->", "color": "#333333", "linewidth": 0.9})
                    ax.text(k_top * 0.7, (best + top) / 2, f"ΔSE = {top - best:.3f}", ha="right", va="center")
                    notes.append({"panel": panel.get("title", ""), "delta_se": top - best, "best_pass_at_1": best, "best": who,
                                  "base_pass_at_kmax": top, "k_max": k_top})
            if s["log2_x"]:
                _log2_ticks(ax, k_max)
            ax.set_ylim(0.0, 1.0 if fold else max(0.1, min(1.02, ax.get_ylim()[1])))
            ax.set_title(panel.get("title", ""))
            ax.set_xlabel(s["xlabel"])
            ax.set_ylabel(s["ylabel"])
            if s["legend"]:
                ax.legend(loc="best", frameon=False)  # the arrows and the fold take the usual corner
        if s["suptitle"]:
            fig.suptitle(s["suptitle"])
        fig.tight_layout()
        save_figure(fig, out_paths, s["dpi"])
    return notes


TRAINING_LABELS = {"reward": "Training reward", "response_length": "Response length (tokens)", "entropy": "Generation entropy"}


def plot_training_logs(logs: list[dict[str, Any]], out_paths: list[str], out_csv: str, *, settings: dict[str, Any] | None = None) -> None:
    """Fig 18: reward, response length and entropy against the training step, one line per log
    (``logs``: ``[{label, path, columns, format}]``); the CSV twin holds every plotted point."""
    s = _settings({"ncols": len(TRAINING_METRICS), **(settings or {})})
    series = [(log["label"], read_training_log(log["path"], log.get("columns") or {}, log.get("format"))) for log in logs]
    if not series:
        raise ConfigError("a training-log figure needs at least one log")
    rows = []
    with _style(s["fontsize"]):
        fig, axes, _, _ = _new_figure(len(TRAINING_METRICS), s)
        for ax, metric in zip(axes, TRAINING_METRICS):
            for i, (label, table) in enumerate(series):
                steps, values = table[metric]
                if len(steps):
                    ax.plot(steps, values, label=label, color=([ROLE_COLORS["rl"], *_EXTRA_COLORS])[i % (1 + len(_EXTRA_COLORS))], linewidth=s["linewidth"])
                rows += [[metric, label, int(st), format_float(v)] for st, v in zip(steps, values)]
            ax.set_title(TRAINING_LABELS[metric])
            ax.set_xlabel("Training step")
            if s["legend"]:
                ax.legend(loc="best", frameon=False)
        if s["suptitle"]:
            fig.suptitle(s["suptitle"])
        fig.tight_layout()
        save_figure(fig, out_paths, s["dpi"])
    write_text(out_csv, csv_text(("metric", "log", "step", "value"), rows))
