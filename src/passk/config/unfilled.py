"""Models and training logs the user has still to fill in: found, reported, and their figures skipped.

Some figures need what the paper's authors did not release: their RL checkpoints (Sec. 4's Figs 1
right, 8, 14, 15 and Tables 2, 3; Fig 4 right's vision RL model) and training logs (Fig 18).
``config/config.yaml`` lists each as a model with ``path: null`` (or a log with ``path: null``); a
model of the user's own may instead say what to fill in with ``supply: "..."`` and no source yet.
Before the run grid is built, :func:`skip_unfilled` removes the figures that need one of them, and
the unfilled models, and returns a message per skipped figure saying what to fill in; the workflow
prints them at plan time and a skipped figure's own target stops with its message. So the dry run
of the paper grid plans everything else and never fails for them, and filling in a path brings the
figure back.
"""

from __future__ import annotations

from typing import Any


def unfilled_models(config: dict[str, Any]) -> dict[str, str]:
    """Models whose weights the user has still to name, ``{name: what to fill in ("" if unsaid)}``:
    an explicit ``path: null``, or a ``supply`` note, and no other source (a model with no source
    key and no note stays a config error)."""
    out = {}
    for name, spec in config["models"].items():
        if any(spec.get(k) is not None for k in ("hf_id", "path", "tiny")):
            continue
        if "path" in spec or spec.get("supply") is not None:
            out[name] = str(spec.get("supply") or "")
    return out


def _figure_models(fig: dict[str, Any]) -> list[str]:
    names = [e if isinstance(e, str) else e["model"] for group in fig.get("models") or [] for e in group]
    if fig.get("filter"):
        names.append(fig["filter"]["model"])
    return list(dict.fromkeys(names))


def skip_unfilled(config: dict[str, Any]) -> dict[str, str]:
    """Drop (in place) every figure that needs an unfilled model or training log, and the unfilled
    models; return ``{figure: message saying what to fill in}``."""
    unfilled = unfilled_models(config)
    messages: dict[str, str] = {}
    for name, fig in list(config["figures"].items()):
        if fig.get("kind") == "training_curves":
            fig.setdefault("models", [])
            fig.setdefault("benchmarks", [])
        missing = [m for m in _figure_models(fig) if m in unfilled]
        missing_logs = [log["label"] for log in fig.get("logs") or [] if log.get("path") is None]
        if not missing and not missing_logs:
            continue
        del config["figures"][name]
        what = [f"set models.{m}.path to the directory of your checkpoint for {config['models'][m].get('label', m)!r}"
                + (f" ({unfilled[m]})" if unfilled[m] else "") for m in missing]
        what[-1:] = [what[-1] + " (or give hf_id + revision instead of a path)"] if missing else []
        what += [f"figures.{name}.logs path of {', '.join(repr(x) for x in missing_logs)} (a CSV or JSON-lines export)"] if missing_logs else []
        messages[name] = f"figure {name} is skipped until you fill in: " + "; ".join(what) + f"; then run `snakemake {name}`"
    for model in list(unfilled):
        del config["models"][model]
        for bench in config["benchmarks"].values():
            (bench.get("n_per_model") or {}).pop(model, None)
    return messages
