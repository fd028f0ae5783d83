"""Fig 17's entropy-matched temperature (rule ``match_temperature``).

For one (RL model, benchmark): draw a seeded random subset of the benchmark's problems, measure the
reference (base) model's mean token entropy at ``reference_temperature`` (0.6), then bisect the RL
model's temperature until its entropy matches (``passk.analysis.entropy``). Every measurement uses
the same problems, prompts (each model's own template) and seeds. The JSON written holds both
measurements, every bisection step and the temperature the setting's samples are then drawn at.
"""

from __future__ import annotations

import logging
import random
from typing import Any

from passk.analysis.entropy import DEFINITION, bisect_temperature
from passk.io import write_json
from passk.models.manifest import model_dir_from_manifest
from passk.prompts import render_prompt
from passk.records.problems import load_problems
from passk.sampling.entropy import entropy_meter, measure
from passk.sampling.seeds import problem_seed, shard_seed
from passk.sampling.shard import shard_stop_strings

log = logging.getLogger(__name__)


def _options(backend: dict[str, Any], match: dict[str, Any]) -> dict[str, Any]:
    out = {k: v for k, v in backend.items() if v is not None}
    if out["name"] == "transformers":
        out = {k: v for k, v in out.items() if k in ("name", "device", "dtype", "threads")}
    return out


def match_temperature(
    *,
    match: dict[str, Any],
    reference: dict[str, Any],
    target: dict[str, Any],
    benchmark: dict[str, Any],
    problems_path: str,
    reference_manifest: str,
    target_manifest: str,
    sampling: dict[str, Any],
    backend: dict[str, Any],
    out_json: str,
) -> dict[str, Any]:
    """Search the target model's entropy-matched temperature on one benchmark and write it."""
    problems = list(load_problems(problems_path).values())
    rng = random.Random(f"entropy-subset/{benchmark['name']}/{sampling.get('seed', 0)}")
    subset = sorted(rng.sample(range(len(problems)), min(int(match["problems"]), len(problems))))
    chosen = [problems[i] for i in subset]
    base_seed = shard_seed(f"entropy/{target['name']}", benchmark["name"], 0, int(sampling.get("seed", 0)))
    seeds = [problem_seed(base_seed, p["id"]) for p in chosen]
    common = {"n": int(match["samples"]), "top_p": float(sampling.get("top_p", 0.95)), "max_tokens": int(match["max_tokens"])}
    options = _options(backend, match)
    extra = {"top_logprobs": int(match["top_logprobs"])} if options["name"] == "vllm" else {}

    def prompts_of(model: dict[str, Any]) -> list[str]:
        return [render_prompt(p, template=model["template"]) for p in chosen]

    meter = entropy_meter(options, str(model_dir_from_manifest(reference_manifest)), **extra)
    try:
        ref = measure(meter, prompts_of(reference), seeds, temperature=float(match["reference_temperature"]),
                      stop=shard_stop_strings(reference, benchmark), **common)
    finally:
        meter.close()
    log.info("reference %s: entropy %.4f at T=%s over %d tokens", reference["name"], ref.entropy, ref.temperature, ref.tokens)

    meter = entropy_meter(options, str(model_dir_from_manifest(target_manifest)), **extra)
    measured: dict[float, Any] = {}
    try:
        target_prompts = prompts_of(target)
        stop = shard_stop_strings(target, benchmark)

        def at(temperature: float) -> float:
            measured[temperature] = measure(meter, target_prompts, seeds, temperature=temperature, stop=stop, **common)
            return measured[temperature].entropy

        at_reference_t = at(float(match["reference_temperature"]))
        search = bisect_temperature(at, ref.entropy, low=float(match["low"]), high=float(match["high"]),
                                    tolerance=float(match["tolerance"]), max_steps=int(match["max_steps"]))
    finally:
        meter.close()
    if not search.converged:
        log.warning("temperature search for %s on %s did not converge: %s", target["name"], benchmark["name"], search.note)
    result = {
        "definition": DEFINITION,
        "benchmark": benchmark["name"],
        "problems": [p["id"] for p in chosen],
        "samples_per_problem": common["n"],
        "max_tokens": common["max_tokens"],
        "backend": options["name"],
        "reference": {"model": reference["name"], "temperature": ref.temperature, "entropy": ref.entropy, "tokens": ref.tokens},
        "target": {"model": target["name"], "entropy_at_reference_temperature": at_reference_t,
                   "tokens_at_reference_temperature": measured[float(match["reference_temperature"])].tokens},
        "steps": search.steps,
        "converged": search.converged,
        "note": search.note,
        "temperature": round(search.temperature, 6),
        "entropy": search.entropy,
    }
    write_json(out_json, result)
    return result
