"""Distributions of per-problem success rates, fitted to a run's counts (empirical Bayes).

A run gives, per problem i, c_i correct of n_i samples. Treat each problem's rate p_i as drawn from
one distribution over the benchmark and fit that distribution by maximum likelihood of the counts
(the binomial likelihood integrated over p). Two families:

- ``beta``: p ~ Beta(a, b), the beta-binomial model. Everything has a closed form:
  P(c | n) = C(n, c) B(a + c, b + n − c) / B(a, b); the posterior of p_i is
  Beta(a + c_i, b + n_i − c_i); E[(1 − p)^k] = B(a, b + k) / B(a, b).
- ``scaled_beta``: p = s·X with X ~ Beta(a, b) and s ∈ (0, 1], the heavy-tailed fit of Schaeffer
  et al. (ICML 2025, "How Do Large Language Monkeys Get Their Power (Laws)?"): the density near
  p = 0 behaves like p^(a−1), and that left tail alone sets how pass@k keeps growing at large k
  (−log pass@k falls like k^(−a)); the scale s lets the bulk sit below 1 without bending the tail.
  We fit it to the exact binomial likelihood of the counts (zeros included) rather than to binned
  estimates of p. Integrals over p are done on a fixed grid (below).

Both give, for the same problems, the posterior expectation of pass_i@k = 1 − (1 − p_i)^k for any
k, also k far beyond n: that is the forecast (``passk.analysis.forecast``) and the model behind the
sample-level intervals (``passk.analysis.noise``) and the planner (``passk.analysis.planner``).

The grid: x ∈ (0, 1) is covered by equal steps in log x on (1e-12, 1/2] and in log(1 − x) on
[1/2, 1 − 1e-12), with trapezoid weights, so both ends (where a, b < 1 put the mass) are resolved;
the prior mass below 1e-12 and above 1 − 1e-12 sits in two atoms at x = 0 and x = 1 (a rate below
1e-12 is zero for every k a run can reach). The step shrinks with the largest n so that the
narrowest posterior (width ~ 1/√n) spans many steps.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import optimize, special

EPS = 1e-12
FAMILIES: tuple[str, ...] = ("beta", "scaled_beta")
_SHAPE_BOUNDS = (math.log(1e-3), math.log(1e3))


def _counts(ns: Sequence[int] | np.ndarray, cs: Sequence[int] | np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    n = np.asarray(ns, dtype=np.int64)
    c = np.asarray(cs, dtype=np.int64)
    if n.ndim == 0:
        n = np.full(c.shape, int(n))
    if n.shape != c.shape or n.size == 0:
        raise ValueError(f"ns and cs must be equally long and non-empty, got {n.shape} and {c.shape}")
    if np.any(n < 1) or np.any(c < 0) or np.any(c > n):
        raise ValueError("need 1 <= n and 0 <= c <= n for every problem")
    return n, c


def _log_choose(n: np.ndarray, c: np.ndarray) -> np.ndarray:
    return special.gammaln(n + 1.0) - special.gammaln(c + 1.0) - special.gammaln(n - c + 1.0)


@dataclass(frozen=True)
class Grid:
    """Quadrature nodes ``x`` on [0, 1] (atoms at 0 and 1 included) and ``log_dx``, the log of
    each node's trapezoid weight (the atoms' weights are set by the prior, see ``prior_log_weights``)."""

    x: np.ndarray
    log_dx: np.ndarray

    @staticmethod
    def for_n(n_max: int) -> "Grid":
        """A grid fine enough for posteriors of runs with up to ``n_max`` samples per problem."""
        step = min(0.05, 0.5 / math.sqrt(max(1, n_max)))
        m = int(math.ceil((math.log(0.5) - math.log(EPS)) / step)) + 1
        u = np.linspace(math.log(EPS), math.log(0.5), m)
        h = u[1] - u[0]
        trap = np.full(m, h)
        trap[0] = trap[-1] = h / 2
        low = np.exp(u)  # x = e^u, dx = x du
        high = -np.expm1(u[::-1])  # x = 1 - e^v, dx = (1 - x) dv, ascending in x
        x = np.concatenate([[0.0], low, high[1:], [1.0]])
        log_dx = np.concatenate([[-np.inf], np.log(trap) + u, (np.log(trap) + u[::-1])[1:], [-np.inf]])
        log_dx[m] = math.log(h / 2)  # x = 1/2 ends both halves: (h/2)·x from one, (h/2)·(1 - x) from the other
        return Grid(x=x, log_dx=log_dx)


@dataclass(frozen=True)
class RateModel:
    """A fitted distribution of per-problem rates: p = scale · X, X ~ Beta(a, b)."""

    family: str
    a: float
    b: float
    scale: float
    log_likelihood: float
    n_problems: int

    # --- the prior on a grid (scaled beta; the beta family uses closed forms)

    def prior_log_weights(self, grid: Grid) -> np.ndarray:
        """log of the prior mass at each grid node of X (sums to 1), atoms at 0 and 1 included."""
        x = grid.x[1:-1]
        dens = (self.a - 1.0) * np.log(x) + (self.b - 1.0) * np.log1p(-x) - special.betaln(self.a, self.b)
        inner = dens + grid.log_dx[1:-1]
        mass_low = special.betainc(self.a, self.b, EPS)
        mass_high = special.betaincc(self.a, self.b, 1.0 - EPS)
        with np.errstate(divide="ignore"):
            atoms = np.log([mass_low, mass_high])
        inner = inner - special.logsumexp(inner) + math.log(max(1e-300, 1.0 - mass_low - mass_high))
        return np.concatenate([[atoms[0]], inner, [atoms[1]]])

    def _log_lik_grid(self, grid: Grid, n: np.ndarray, c: np.ndarray) -> np.ndarray:
        """log P(c_i | n_i, X = x_j) for problems (rows) and grid nodes (columns)."""
        p = self.scale * grid.x
        with np.errstate(divide="ignore", invalid="ignore"):
            log_p = np.log(p)
            log_q = np.log1p(-p)
        c_ = c[:, None].astype(np.float64)
        f_ = (n - c)[:, None].astype(np.float64)
        with np.errstate(invalid="ignore"):  # 0 · log 0: the branch np.where does not take
            term = np.where(c_ > 0, c_ * log_p[None, :], 0.0) + np.where(f_ > 0, f_ * log_q[None, :], 0.0)
        return _log_choose(n, c)[:, None] + term

    # --- what the analyses use

    def population_pass_at_k(self, ks: Sequence[int] | np.ndarray) -> np.ndarray:
        """pass@k of a fresh problem drawn from the distribution: 1 − E[(1 − p)^k]."""
        k = np.asarray(ks, dtype=np.float64)
        if self.family == "beta":
            return -np.expm1(special.betaln(self.a, self.b + k) - special.betaln(self.a, self.b))
        grid = Grid.for_n(int(k.max()))
        w = self.prior_log_weights(grid)
        with np.errstate(divide="ignore"):
            log_q = np.log1p(-self.scale * grid.x)
        return -np.expm1(special.logsumexp(w[None, :] + np.where(k[:, None] > 0, k[:, None] * log_q[None, :], 0.0), axis=1))

    def posterior_pass_at_k(self, ns: Sequence[int] | np.ndarray, cs: Sequence[int] | np.ndarray,
                            ks: Sequence[int] | np.ndarray) -> np.ndarray:
        """E[1 − (1 − p_i)^k | c_i of n_i] for each problem (rows) and k (columns): the forecast."""
        n, c = _counts(ns, cs)
        k = np.asarray(ks, dtype=np.float64)
        if self.family == "beta":
            a_post = self.a + c[:, None]
            b_post = self.b + (n - c)[:, None]
            return -np.expm1(special.betaln(a_post, b_post + k[None, :]) - special.betaln(a_post, b_post))
        pairs, inverse = np.unique(np.stack([n, c], axis=1), axis=0, return_inverse=True)
        grid = Grid.for_n(int(max(n.max(), k.max())))
        post = self.prior_log_weights(grid)[None, :] + self._log_lik_grid(grid, pairs[:, 0], pairs[:, 1])
        post = post - special.logsumexp(post, axis=1, keepdims=True)
        with np.errstate(divide="ignore"):
            log_q = np.log1p(-self.scale * grid.x)
        out = np.empty((pairs.shape[0], k.shape[0]))
        for j, kj in enumerate(k):
            out[:, j] = -np.expm1(special.logsumexp(post + (kj * log_q)[None, :] if kj > 0 else post, axis=1))
        return out[np.asarray(inverse).reshape(-1)]

    def posterior_beta(self, ns: Sequence[int] | np.ndarray, cs: Sequence[int] | np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Parameters of each problem's Beta posterior (the ``beta`` family only)."""
        if self.family != "beta":
            raise ValueError(f"posterior_beta needs the beta family, not {self.family}")
        n, c = _counts(ns, cs)
        return self.a + c, self.b + (n - c)

    def describe(self) -> str:
        """One line for tables and logs."""
        scale = "" if self.family == "beta" else f", s={self.scale:.4g}"
        return f"{self.family}(a={self.a:.4g}, b={self.b:.4g}{scale}), log-likelihood {self.log_likelihood:.2f} over {self.n_problems} problems"


def beta_binomial_log_likelihood(a: float, b: float, ns: np.ndarray, cs: np.ndarray) -> float:
    """Σ_i log P(c_i | n_i) under p ~ Beta(a, b)."""
    return float(np.sum(_log_choose(ns, cs) + special.betaln(cs + a, ns - cs + b) - special.betaln(a, b)))


def fit_beta(ns: Sequence[int] | np.ndarray, cs: Sequence[int] | np.ndarray, start: tuple[float, float] | None = None) -> RateModel:
    """Maximum-likelihood beta-binomial fit; a, b are kept in [1e-3, 1e3] (a benchmark whose
    problems are all solved, or none, has its optimum at a bound). Problems with equal counts are
    pooled, and the gradient is exact (digamma), so a fit takes milliseconds. ``start``: one
    starting (a, b) instead of three (a refit of similar counts)."""
    n_all, c_all = _counts(ns, cs)
    pairs, weight = np.unique(np.stack([n_all, c_all], axis=1), axis=0, return_counts=True)
    n, c = pairs[:, 0].astype(np.float64), pairs[:, 1].astype(np.float64)
    w = weight.astype(np.float64)

    def nll(theta: np.ndarray) -> tuple[float, np.ndarray]:
        a, b = math.exp(theta[0]), math.exp(theta[1])
        ll = np.sum(w * (special.betaln(c + a, n - c + b) - special.betaln(a, b)))
        common = special.digamma(n + a + b) - special.digamma(a + b)
        da = np.sum(w * (special.digamma(c + a) - special.digamma(a) - common)) * a
        db = np.sum(w * (special.digamma(n - c + b) - special.digamma(b) - common)) * b
        return -float(ll), -np.array([da, db])

    starts = ((0.0, 0.0), (math.log(0.3), math.log(1.5)), (math.log(2.0), math.log(0.5))) if start is None else ((math.log(start[0]), math.log(start[1])),)
    best = None
    for x0 in starts:
        res = optimize.minimize(nll, np.asarray(x0), jac=True, method="TNC", bounds=[_SHAPE_BOUNDS, _SHAPE_BOUNDS])
        if best is None or res.fun < best.fun:
            best = res
    assert best is not None
    a, b = math.exp(best.x[0]), math.exp(best.x[1])
    return RateModel("beta", a, b, 1.0, beta_binomial_log_likelihood(a, b, n_all, c_all), int(n_all.size))


def fit_scaled_beta(ns: Sequence[int] | np.ndarray, cs: Sequence[int] | np.ndarray) -> RateModel:
    """Maximum-likelihood fit of p = s·Beta(a, b) to the counts (a, b in [1e-3, 1e3], s in [1e-3, 1]),
    started from the beta-binomial fit."""
    n, c = _counts(ns, cs)
    pairs, weight = np.unique(np.stack([n, c], axis=1), axis=0, return_counts=True)
    grid = Grid.for_n(int(n.max()))
    start = fit_beta(n, c)

    def model(theta: np.ndarray) -> RateModel:
        return RateModel("scaled_beta", math.exp(theta[0]), math.exp(theta[1]), float(special.expit(theta[2])), 0.0, int(n.size))

    def nll(theta: np.ndarray) -> float:
        m = model(theta)
        terms = m.prior_log_weights(grid)[None, :] + m._log_lik_grid(grid, pairs[:, 0], pairs[:, 1])
        top = terms.max(axis=1, keepdims=True)  # a plain log-sum-exp: scipy's checks cost more than the sum here
        with np.errstate(invalid="ignore"):
            ll = top[:, 0] + np.log(np.exp(terms - top).sum(axis=1))
        value = -float(np.sum(weight * ll))
        return value if math.isfinite(value) else 1e300

    logit_bounds = (float(special.logit(1e-3)), float(special.logit(1.0 - 1e-9)))
    best = None
    for s0 in (0.95, 0.5):
        x0 = np.asarray([math.log(start.a), math.log(start.b), float(special.logit(s0))])
        res = optimize.minimize(nll, x0, method="Nelder-Mead", bounds=[_SHAPE_BOUNDS, _SHAPE_BOUNDS, logit_bounds], options={"xatol": 1e-3, "fatol": 1e-3})
        if best is None or res.fun < best.fun:
            best = res
    assert best is not None
    m = model(best.x)
    return RateModel("scaled_beta", m.a, m.b, m.scale, -float(best.fun), int(n.size))


def fit_rates(family: str, ns: Sequence[int] | np.ndarray, cs: Sequence[int] | np.ndarray) -> RateModel:
    """Fit the named family (``beta`` or ``scaled_beta``)."""
    if family == "beta":
        return fit_beta(ns, cs)
    if family == "scaled_beta":
        return fit_scaled_beta(ns, cs)
    raise ValueError(f"unknown rate family {family!r} (known: {', '.join(FAMILIES)})")
