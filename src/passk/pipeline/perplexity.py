"""Fig 6's scores: sampled answers of the base and the RL model, scored under both (rule ``perplexity``)."""

from __future__ import annotations

from typing import Any

from passk.analysis.perplexity import perplexity_table, select_responses, with_prompts
from passk.models.manifest import model_dir_from_manifest
from passk.sampling.scoring import score_responses


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
