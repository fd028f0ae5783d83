"""How much of a pass@k curve is sampling noise: intervals that resample problems and samples.

A benchmark's pass@k from n samples per problem is uncertain for two reasons: the benchmark is a
finite draw of problems (30 for AIME24), and each problem's estimate comes from only n samples.
The curve CSV's band (``passk.analysis.aggregate``) resamples problems only. Here three intervals
are given at each k, all at the same level:

- ``problems``: the percentile bootstrap over problems (the curve CSV's band, recomputed);
- ``samples``: these problems held fixed, the uncertainty that more samples would remove;
- ``both``: problems and samples resampled together: the interval for the benchmark's population
  of problems.

The sample level cannot be resampled from the observed outcomes alone: resampling a problem's n
outcomes with replacement gives c* ~ Binomial(n, c/n), and the estimator at c* is centred on
1 − (1 − c/n)^k, not on the estimate (a problem with 1 correct of n = k = 1024 has pass@1024 = 1
but a resampled mean of 0.63), so the band would sit off the curve at large k. Instead the run's
rates are given a beta prior fitted to all its problems (``passk.analysis.rates.fit_beta``,
empirical Bayes), and each bootstrap draw

1. draws each problem's rate p_i* from its posterior Beta(a + c_i, b + n_i − c_i),
2. draws its outcomes c_i* ~ Binomial(n_i, p_i*) and computes the estimator at c_i*,
3. for ``both``, also resamples the problems (multinomial weights, as the problem bootstrap),

and records the estimator's error against the drawn truth, mean 1 − (1 − p_i*)^k over the
(resampled) problems. The interval is the estimate minus the error's percentiles (a basic
bootstrap on the error), clipped to [0, 1]. Drawing the rates and the outcomes afresh at both
levels counts the within-problem noise once: resampling problems whose estimates were fixed
would already carry it, and resampling the observed outcomes as well would count it twice.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from passk.analysis.metrics import bootstrap_ci_curve, per_problem_pass_at_k
from passk.analysis.rates import RateModel, fit_beta

INTERVAL_KINDS: tuple[str, ...] = ("problems", "samples", "both")
_CHUNK = 100  # bootstrap draws computed at once (memory: chunk × problems × ks floats)


@dataclass(frozen=True)
class NoiseIntervals:
    """pass@k at ``ks`` with the three intervals (arrays aligned with ``ks``) and the fitted prior."""

    ks: np.ndarray
    estimate: np.ndarray
    low: dict[str, np.ndarray]
    high: dict[str, np.ndarray]
    model: RateModel
    level: float

    def half_width(self, kind: str) -> np.ndarray:
        """Half the interval's width at each k."""
        return (self.high[kind] - self.low[kind]) / 2.0


def estimator_table(n: int, ks: Sequence[int] | np.ndarray) -> np.ndarray:
    """``T[c, j]`` = the unbiased pass@ks[j] of a problem with c correct of n, for c = 0..n."""
    return per_problem_pass_at_k(np.full(n + 1, n), np.arange(n + 1), ks)


def _estimates(ns: np.ndarray, cs: np.ndarray, tables: dict[int, np.ndarray]) -> np.ndarray:
    """Per-problem estimates for count arrays of any shape ``(..., P)`` → ``(..., P, K)``."""
    out = np.empty(cs.shape + (next(iter(tables.values())).shape[1],))
    for n, table in tables.items():
        mask = ns == n
        out[..., mask, :] = table[cs[..., mask]]
    return out


def pass_at_k_intervals(ns: Sequence[int] | np.ndarray, cs: Sequence[int] | np.ndarray, ks: Sequence[int] | np.ndarray, *,
                        n_boot: int = 1000, seed: int = 0, level: float = 0.95, model: RateModel | None = None) -> NoiseIntervals:
    """The three intervals of the module docstring at each k (every k ≤ the smallest n).

    Deterministic for a given ``seed`` (numpy's PCG64 streams; sums are numpy reductions, not BLAS).
    ``model`` defaults to the beta prior fitted to these counts.
    """
    n_arr = np.asarray(ns, dtype=np.int64)
    c_arr = np.asarray(cs, dtype=np.int64)
    k_arr = np.asarray(ks, dtype=np.int64)
    if not 0.0 < level < 1.0:
        raise ValueError(f"level must be in (0, 1), got {level}")
    if n_boot < 10:
        raise ValueError(f"n_boot must be at least 10, got {n_boot}")
    est_i = per_problem_pass_at_k(n_arr, c_arr, k_arr)
    estimate = est_i.mean(axis=0)
    model = model or fit_beta(n_arr, c_arr)
    a_post, b_post = model.posterior_beta(n_arr, c_arr)
    tables = {int(n): estimator_table(int(n), k_arr) for n in np.unique(n_arr)}
    n_problems = n_arr.shape[0]

    rng = np.random.default_rng(seed)
    errors = {"samples": [], "both": []}
    done = 0
    while done < n_boot:
        m = min(_CHUNK, n_boot - done)
        p = rng.beta(a_post, b_post, size=(m, n_problems))
        c_star = rng.binomial(n_arr, p)
        weights = rng.multinomial(n_problems, np.full(n_problems, 1.0 / n_problems), size=m).astype(np.float64)
        est = _estimates(n_arr, c_star, tables)  # (m, P, K)
        with np.errstate(divide="ignore"):  # a rate of exactly 1: log 0, and pass@k = 1
            truth = -np.expm1(np.log1p(-p)[..., None] * k_arr[None, None, :].astype(np.float64))
        truth_mean = truth.mean(axis=1)  # the bootstrap world's population: its P problems
        errors["samples"].append(est.mean(axis=1) - truth_mean)
        errors["both"].append((weights[..., None] * est).sum(axis=1) / n_problems - truth_mean)
        done += m
    alpha = (1.0 - level) / 2.0
    low: dict[str, np.ndarray] = {}
    high: dict[str, np.ndarray] = {}
    for kind, parts in errors.items():
        e = np.concatenate(parts, axis=0)
        q_low, q_high = np.quantile(e, [alpha, 1.0 - alpha], axis=0)
        low[kind] = np.clip(estimate - q_high, 0.0, 1.0)
        high[kind] = np.clip(estimate - q_low, 0.0, 1.0)
    low["problems"], high["problems"] = bootstrap_ci_curve(n_arr, c_arr, k_arr, n_boot, seed, level=level)
    return NoiseIntervals(ks=k_arr, estimate=estimate, low=low, high=high, model=model, level=level)
