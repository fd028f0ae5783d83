"""Training checkpoints and logs the user has not filled in yet: found, reported, and skipped.

The paper's Sec. 4 figures (Figs 1 right, 8, 14, 15, 18; Tables 2, 3) need the user's own RL
checkpoints and training logs. ``config/config.yaml`` lists every one of them with ``path: null``.
Before the run grid is built, :func:`skip_unfilled` removes the figures that need one of them (and
the checkpoint models no remaining figure uses), and returns one message per skipped figure naming
what is missing; the workflow prints them at plan time. So the dry run of the paper grid plans
everything else and never fails for them, and filling in a path brings its figures back.

Self-contained on purpose: one function called on the validated config before the semantic checks.
"""

from __future__ import annotations

from typing import Any


def unfilled_models(config: dict[str, Any]) -> list[str]:
    """Models tagged as checkpoints whose weights are not given yet (no hf_id, path or tiny)."""
    return [
        name for name, spec in config["models"].items()
        if spec.get("checkpoint") is not None and not any(spec.get(k) is not None for k in ("hf_id", "path", "tiny"))
    ]


def _figure_models(fig: dict[str, Any]) -> set[str]:
    names = {e if isinstance(e, str) else e["model"] for group in fig.get("models") or [] for e in group}
    if fig.get("filter"):
        names.add(fig["filter"]["model"])
    return names


def skip_unfilled(config: dict[str, Any]) -> list[str]:
    """Drop (in place) every figure that needs an unfilled checkpoint or training log, and the unfilled
    checkpoint models; return a message per skipped figure saying what to fill in."""
    unfilled = set(unfilled_models(config))
    messages = []
    for name, fig in list(config["figures"].items()):
        if fig.get("kind") == "training_curves":
            fig.setdefault("models", [])
            fig.setdefault("benchmarks", [])
        missing_models = sorted(_figure_models(fig) & unfilled)
        missing_logs = [log["label"] for log in fig.get("logs") or [] if log.get("path") is None]
        if not missing_models and not missing_logs:
            continue
        del config["figures"][name]
        what = [", ".join(f"models.{m}.path" for m in missing_models) + " (each a local checkpoint directory, or hf_id + revision)"] if missing_models else []
        what += [f"figures.{name}.logs path of {', '.join(repr(x) for x in missing_logs)} (a CSV or JSON-lines export)"] if missing_logs else []
        messages.append(f"figure {name} skipped until you fill in: " + "; ".join(what))
    for model in unfilled:
        del config["models"][model]
        for bench in config["benchmarks"].values():
            (bench.get("n_per_model") or {}).pop(model, None)
    return messages
