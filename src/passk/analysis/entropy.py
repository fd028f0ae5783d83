"""Output entropy and the entropy-matched temperature of Fig 17 (paper App. D.3; PAPER.md §4).

**What is measured** (``passk.sampling.entropy`` measures it). The mean per-token entropy of the *sampling distribution* over the tokens a
model generates: at each generated position t, with z_t the model's logits and T the sampling
temperature,

    H_t = −Σ_v p_t(v) log p_t(v),   p_t = softmax(z_t / T),

averaged over every generated token of every response (token-weighted, pooled: a long response
weighs more than a short one, as a per-token average of the rollouts does). The entropy is taken
**after temperature scaling and before top-p truncation**: temperature is what the search moves,
and the paper's numbers depend on it (the RL model's entropy rises from 0.22 at T = 0.6 to 0.47 at
T = 0.9 on AMC23), which an entropy of the raw logits would barely show; top-p only decides which
tokens may be drawn, and its cut distribution would make the entropy jump with the nucleus size.
Natural logarithms (nats).

Sources of the logits (``passk.sampling.entropy``): the transformers backend's raw per-step logits
over the whole vocabulary (exact); vLLM's top-K raw log-probabilities of each step (vLLM returns
log-probs of the raw model output, before temperature), rescaled by 1/T and renormalised over those
K tokens. The top-K form leaves out the tail beyond K, which at T ≤ 1.5 and K = 20 holds little mass;
``passk.sampling.entropy.entropy_from_top_logprobs`` documents the bias (it can only lower the entropy).

**The matched temperature.** The base model's entropy E_base is measured at T_ref = 0.6; the RL
model's temperature is then searched by bisection on [low, high] until its entropy is within
``tolerance`` of E_base, assuming entropy rises with temperature. Every measurement uses the same
problems, prompts and seeds (common random numbers), so the bisection compares like with like.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from passk.errors import ConfigError, DataError

log = logging.getLogger(__name__)

DEFINITION = (
    "mean per-token entropy (nats) of softmax(logits / T) over generated tokens, pooled over responses; "
    "after temperature scaling, before top-p"
)


@dataclass
class TemperatureSearch:
    """The result of :func:`bisect_temperature`: the temperature found and every step taken."""

    temperature: float
    entropy: float
    target: float
    converged: bool
    steps: list[dict[str, float]]
    note: str = ""


def bisect_temperature(
    measure: Callable[[float], float],
    target: float,
    *,
    low: float,
    high: float,
    tolerance: float,
    max_steps: int = 12,
) -> TemperatureSearch:
    """The temperature in [low, high] at which ``measure(T)`` (an entropy that rises with T) is
    within ``tolerance`` of ``target``, by bisection.

    If the target lies outside [measure(low), measure(high)], the nearer bound is returned with
    ``converged = False`` and a note saying which bound to move (the measurement is not
    extrapolated). ``steps`` records every (temperature, entropy) measured, in order.
    """
    if not 0 < low < high:
        raise ConfigError(f"temperature search: need 0 < low < high, got low={low}, high={high}")
    if tolerance <= 0:
        raise ConfigError(f"temperature search: tolerance must be > 0, got {tolerance}")
    steps: list[dict[str, float]] = []

    def probe(t: float) -> float:
        e = float(measure(t))
        steps.append({"temperature": t, "entropy": e})
        log.info("temperature search: T=%.4f -> entropy %.4f (target %.4f)", t, e, target)
        return e

    e_low = probe(low)
    if abs(e_low - target) <= tolerance:
        return TemperatureSearch(low, e_low, target, True, steps)
    if e_low > target:
        return TemperatureSearch(low, e_low, target, False, steps, f"entropy at the lower bound {low} already exceeds the target; lower `low`")
    e_high = probe(high)
    if abs(e_high - target) <= tolerance:
        return TemperatureSearch(high, e_high, target, True, steps)
    if e_high < target:
        return TemperatureSearch(high, e_high, target, False, steps, f"entropy at the upper bound {high} is still below the target; raise `high`")
    best_t, best_e = (low, e_low) if abs(e_low - target) < abs(e_high - target) else (high, e_high)
    for _ in range(max_steps):
        mid = (low + high) / 2.0
        e_mid = probe(mid)
        if abs(e_mid - target) < abs(best_e - target):
            best_t, best_e = mid, e_mid
        if abs(e_mid - target) <= tolerance:
            return TemperatureSearch(mid, e_mid, target, True, steps)
        if e_mid < target:
            low = mid
        else:
            high = mid
    return TemperatureSearch(best_t, best_e, target, False, steps, f"no temperature within {tolerance} after {max_steps} steps; the closest is kept")


def read_matched_temperature(path: str) -> float:
    """The temperature a ``match_temperature`` job wrote (its JSON's ``temperature``)."""
    try:
        with open(path, encoding="utf-8") as fh:
            data = json.load(fh)
        return float(data["temperature"])
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise DataError(f"{path}: not a matched-temperature file ({exc})") from None


def resolve_temperature(sampling: dict[str, Any], matched: Sequence[str] | str | None) -> dict[str, Any]:
    """The sampling settings with a ``"matched"`` temperature replaced by the searched one.

    A setting with ``match_entropy`` has its temperature decided by a job; the sampling rule gets
    that job's JSON as an input (so a new search reruns the samples) and its settings say
    ``temperature: matched`` until here.
    """
    out = dict(sampling)
    if out.get("temperature") != "matched":
        return out
    paths = [matched] if isinstance(matched, str) else list(matched or [])
    if len(paths) != 1:
        raise ConfigError("a setting with match_entropy samples at the searched temperature, but the rule got no matched-temperature file")
    out["temperature"] = read_matched_temperature(paths[0])
    return out
