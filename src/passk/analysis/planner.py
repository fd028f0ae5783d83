"""How many samples per problem: from a pilot run, the n that brings a pass@k interval to a chosen half-width.

The interval planned for is the ``samples`` interval of ``passk.analysis.noise`` at one k: the
uncertainty that more samples remove, with the benchmark's problems held fixed. (The ``both``
interval cannot shrink below the spread between problems, whatever n: the plan reports that floor
too, so nobody waits for samples that cannot help.)

Its half-width is about z · √(Σ_i V_n(c_i)) / P, with V_n(c) = E[Var_n(p)] over the problem's
posterior rate (the beta prior fitted to the run; ``passk.analysis.rates``) and Var_n(p) the
variance of the unbiased pass@k estimator from n samples at rate p. That variance has a closed
form: C(n − C, k)/C(n, k) is the chance that k of the n samples, taken at random, hold no correct
one, so its square is the chance that two such draws both miss, and two random k-subsets of n
share j samples with the hypergeometric probability H(j; n, k, k):

    Var_n(p) = Σ_j H(j; n, k, k) (1 − p)^(2k − j) − (1 − p)^(2k),

and under p ~ Beta(a, b) every E[(1 − p)^m] is B(a, b + m) / B(a, b). So V_n costs O(k) per count.

A top-up keeps the pilot's samples: a problem with c0 correct of n0 ends with c0 + C correct of n,
C ~ Binomial(n − n0, p) with p from its posterior. The half-width the final run will report
depends on those outcomes, so the planner draws them (``draws`` times, seeded), computes each
draw's half-width, and picks the smallest n — a whole number of sampling jobs, ``step`` samples —
whose ``quantile`` (0.9) of half-widths is within the target: the planned n then meets the
half-width in about 90 % of the runs it starts.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import special, stats

from passk.analysis.rates import RateModel, fit_beta
from passk.errors import ConfigError


@dataclass(frozen=True)
class Plan:
    """A planner's answer for one run (half-widths are in pass@k units, fractions of problems)."""

    k: int
    half_width: float
    level: float
    n_pilot: int
    n_problems: int
    n_planned: int | None  # None: not reachable within n_max
    n_max: int
    step: int
    predicted_half_width: float  # at n_planned (at n_max when unreachable), the quantile planned for
    pilot_half_width: float | None  # the samples half-width of the pilot itself (k <= n_pilot)
    problems_floor: float  # the between-problem part of the ``both`` interval, which no n removes
    model: RateModel


def _log_expect_power(a: np.ndarray, b: np.ndarray, m: np.ndarray) -> np.ndarray:
    """log E[(1 − p)^m] for p ~ Beta(a, b) (broadcast)."""
    return special.betaln(a, b + m) - special.betaln(a, b)


def expected_estimator_variance(n: int, k: int, a_post: np.ndarray, b_post: np.ndarray) -> np.ndarray:
    """E[Var_n(p)] for p ~ Beta(a_post, b_post), element-wise: the sample-level variance of the
    unbiased pass@k from n samples, averaged over the rate's posterior (module docstring). Overlaps
    j whose hypergeometric probability is below e^-50 of the largest are left out of the sum."""
    if not 1 <= k <= n:
        raise ValueError(f"need 1 <= k <= n, got k={k}, n={n}")
    j = np.arange(max(0, 2 * k - n), k + 1)
    log_h = stats.hypergeom.logpmf(j, n, k, k)
    keep = log_h >= log_h.max() - 50.0
    j, log_h = j[keep], log_h[keep]
    a = np.asarray(a_post, dtype=np.float64)[..., None]
    b = np.asarray(b_post, dtype=np.float64)[..., None]
    # log E[(1 - p)^m] for m = 2k - j, from the smallest m up: one betaln, then the ratio
    # E[(1-p)^(m+1)] / E[(1-p)^m] = (b + m) / (a + b + m) accumulated (a cumulative sum of logs).
    m = (2 * k - j[::-1]).astype(np.float64)  # ascending
    first = _log_expect_power(a, b, m[:1])
    steps = np.log(b + m[:-1]) - np.log(a + b + m[:-1])
    log_power = np.concatenate([first, first + np.cumsum(steps, axis=-1)], axis=-1)[..., ::-1]  # aligned with j
    both_miss = np.exp(log_h + log_power).sum(axis=-1)  # every term <= 1: no overflow; tiny sums are ~0 variance anyway
    square = np.exp(_log_expect_power(a[..., 0], b[..., 0], np.float64(2 * k)))
    return np.maximum(both_miss - square, 0.0)


def _z(level: float) -> float:
    return float(stats.norm.ppf(0.5 + level / 2.0))


def hyperparameter_draws(model: RateModel, n: np.ndarray, c: np.ndarray, rng: np.random.Generator, draws: int) -> tuple[np.ndarray, np.ndarray]:
    """``draws`` values of the prior's (a, b) from their posterior given the pilot: the counts'
    beta-binomial likelihood on a grid of log a × log b (a flat prior on both, within the fit's
    bounds). A pilot of few samples pins the prior down only loosely — how much mass sits near
    p = 0 is exactly what 16 samples cannot tell — and the final run's fit will differ."""
    pairs, weight = np.unique(np.stack([n, c], axis=1), axis=0, return_counts=True)
    pn, pc = pairs[:, 0].astype(np.float64), pairs[:, 1].astype(np.float64)
    axis = np.linspace(math.log(1e-3), math.log(1e3), 121)
    la, lb = np.meshgrid(axis, axis, indexing="ij")
    a, b = np.exp(la).reshape(-1, 1), np.exp(lb).reshape(-1, 1)
    log_post = (weight[None, :] * (special.betaln(pc[None, :] + a, pn[None, :] - pc[None, :] + b) - special.betaln(a, b))).sum(axis=1)
    prob = np.exp(log_post - log_post.max())
    pick = rng.choice(prob.size, size=draws, p=prob / prob.sum())
    step = axis[1] - axis[0]  # jitter within the grid cell, so the draws are not a lattice
    jitter = rng.uniform(-step / 2, step / 2, size=(draws, 2))
    return np.exp(la.reshape(-1)[pick] + jitter[:, 0]), np.exp(lb.reshape(-1)[pick] + jitter[:, 1])


@dataclass(frozen=True)
class TopUpDraws:
    """Simulated truths behind a pilot: priors (a, b) and each problem's rate, one row per draw."""

    a: np.ndarray
    b: np.ndarray
    p: np.ndarray
    n_pilot: np.ndarray
    c_pilot: np.ndarray

    @staticmethod
    def draw(model: RateModel, n_pilot: np.ndarray, c_pilot: np.ndarray, rng: np.random.Generator, draws: int) -> "TopUpDraws":
        """Priors from ``hyperparameter_draws``, then each problem's rate from its pilot posterior."""
        a, b = hyperparameter_draws(model, n_pilot, c_pilot, rng, draws)
        p = rng.beta(a[:, None] + c_pilot[None, :], b[:, None] + (n_pilot - c_pilot)[None, :])
        return TopUpDraws(a=a, b=b, p=p, n_pilot=n_pilot, c_pilot=c_pilot)

    def half_widths(self, n: int, k: int, level: float, seed: int, *, refit: bool) -> np.ndarray:
        """The samples half-width each draw's run, topped up to ``n``, would report. With ``refit``
        each draw fits its own prior to its final counts, as the final run's report will (slower);
        without, the draw's prior is used."""
        rng = np.random.default_rng(seed)  # the same outcomes' randomness for every n: the search compares like with like
        c_final = self.c_pilot + rng.binomial(np.maximum(n - self.n_pilot, 0), self.p)
        if not refit:
            v = expected_estimator_variance(n, k, self.a[:, None] + c_final, self.b[:, None] + (n - c_final))
            return _z(level) * np.sqrt(v.sum(axis=1)) / self.n_pilot.shape[0]
        n_final = np.full(self.n_pilot.shape, n)
        widths = np.empty(c_final.shape[0])
        for r, counts in enumerate(c_final):
            fit = fit_beta(n_final, counts, start=(float(self.a[r]), float(self.b[r])))
            v = expected_estimator_variance(n, k, fit.a + counts, fit.b + (n - counts))
            widths[r] = _z(level) * math.sqrt(float(v.sum())) / counts.shape[0]
        return widths


def plan_samples(ns: Sequence[int] | np.ndarray, cs: Sequence[int] | np.ndarray, *, k: int, half_width: float,
                 level: float = 0.95, step: int = 1, n_max: int = 65536, quantile: float = 0.95, draws: int = 200,
                 seed: int = 0) -> Plan:
    """The smallest n (a multiple of ``step``, at least the pilot's n and k) whose predicted samples
    half-width at ``k`` is within ``half_width`` in a ``quantile`` of simulated top-ups.

    ``ns, cs``: the pilot's counts (every problem with the same n). Deterministic for a seed.
    """
    n_arr = np.asarray(ns, dtype=np.int64)
    c_arr = np.asarray(cs, dtype=np.int64)
    if n_arr.size == 0 or np.any(n_arr != n_arr[0]):
        raise ConfigError("plan: the pilot must have the same n for every problem")
    if not 0 < half_width < 1:
        raise ConfigError(f"plan: half_width must be in (0, 1), got {half_width}")
    if k < 1 or step < 1 or n_max < 1:
        raise ConfigError(f"plan: need k >= 1, step >= 1 and n_max >= 1 (got k={k}, step={step}, n_max={n_max})")
    n0 = int(n_arr[0])
    model = fit_beta(n_arr, c_arr)
    lowest = max(n0, k)
    first = int(math.ceil(lowest / step)) * step
    last = int(n_max // step) * step
    if last < first:
        raise ConfigError(f"plan: n_max={n_max} is below the pilot's n or k ({lowest}) rounded to a whole step of {step}")

    top_ups = TopUpDraws.draw(model, n_arr, c_arr, np.random.default_rng(seed), draws)

    def predicted(n: int, refit: bool) -> float:
        return float(np.quantile(top_ups.half_widths(n, k, level, seed + 1, refit=refit), quantile))

    # A binary search with each draw's own prior (fast), then whole steps up until the half-widths
    # the final runs would report, each with its refitted prior, meet the target too.
    lo, hi = first // step, last // step
    if predicted(hi * step, False) > half_width:
        lo = hi
    while lo < hi:  # the smallest multiple of step that meets the target (the width falls with n)
        mid = (lo + hi) // 2
        if predicted(mid * step, False) <= half_width:
            hi = mid
        else:
            lo = mid + 1
    width = predicted(lo * step, True)
    while width > half_width and lo < last // step:
        lo = min(last // step, max(lo + 1, int(math.ceil(lo * min(1.25, (width / half_width) ** 2)))))
        width = predicted(lo * step, True)
    at = lo * step
    n_planned = at if width <= half_width else None
    pilot_hw = None
    if k <= n0:
        a_post, b_post = model.posterior_beta(n_arr, c_arr)
        pilot_hw = _z(level) * math.sqrt(float(expected_estimator_variance(n0, k, a_post, b_post).sum())) / n_arr.size
    theta = model.posterior_pass_at_k(n_arr, c_arr, [k])[:, 0]  # each problem's pass@k, shrunk to the prior
    floor = _z(level) * float(np.std(theta, ddof=1) if theta.size > 1 else 0.0) / math.sqrt(theta.size)
    return Plan(k=k, half_width=half_width, level=level, n_pilot=n0, n_problems=int(n_arr.size), n_planned=n_planned,
                n_max=n_max, step=step, predicted_half_width=width, pilot_half_width=pilot_hw,
                problems_floor=floor, model=model)
