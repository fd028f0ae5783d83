"""Forecast pass@k at large k from a small n: fit the per-problem rate distribution and extrapolate.

The unbiased estimator stops at k = n. Beyond it, a model of the per-problem rates is needed
(``passk.analysis.rates``): fitted to the counts of all the problems, it gives each problem a
posterior over its rate p_i, and the forecast of the benchmark's pass@k is the mean over the same
problems of E[1 − (1 − p_i)^k | c_i of n_i]. A problem never solved in n samples then contributes
what problems like it contribute on average, which is the heavy-tail argument of Schaeffer et al.
(ICML 2025): the problems with tiny rates are what keeps the curve rising as a power law.

Methods:

- ``beta``: the beta-binomial prior (closed forms);
- ``scaled_beta``: the heavy-tailed scaled-Beta prior (numerical integration);
- ``power_law``: the classical extrapolation of the observed curve alone, for comparison: a line
  fitted to log(−log pass@k) against log k at the powers of two up to n, continued beyond n.

``benchmarks/forecast_accuracy.py`` measures how close each comes, from the first 16/32/64
samples of simulated runs, to the estimate from all 1024.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from passk.analysis.metrics import dataset_pass_at_k, default_ks
from passk.analysis.rates import FAMILIES, RateModel, fit_rates

METHODS: tuple[str, ...] = (*FAMILIES, "power_law")


def forecast_pass_at_k(ns: Sequence[int] | np.ndarray, cs: Sequence[int] | np.ndarray, ks: Sequence[int] | np.ndarray,
                       method: str = "scaled_beta") -> tuple[np.ndarray, RateModel | None]:
    """Forecast of the benchmark's pass@k at each of ``ks`` (any k ≥ 1) from counts ``(ns, cs)``,
    and the fitted rate model (None for ``power_law``)."""
    k_arr = np.asarray(ks, dtype=np.int64)
    if np.any(k_arr < 1):
        raise ValueError("forecast: every k must be >= 1")
    if method == "power_law":
        return power_law_forecast(ns, cs, k_arr), None
    if method not in FAMILIES:
        raise ValueError(f"unknown forecast method {method!r} (known: {', '.join(METHODS)})")
    model = fit_rates(method, ns, cs)
    return model.posterior_pass_at_k(ns, cs, k_arr).mean(axis=0), model


def power_law_forecast(ns: Sequence[int] | np.ndarray, cs: Sequence[int] | np.ndarray, ks: Sequence[int] | np.ndarray) -> np.ndarray:
    """pass@k = exp(−A·k^(−b)) fitted by least squares on log(−log pass@k) vs log k at the powers
    of two up to the smallest n (points where pass@k is 0 or 1 carry no slope and are left out;
    with fewer than two points left the last observed value is carried forward)."""
    n_arr = np.asarray(ns, dtype=np.int64)
    fit_ks = np.asarray(default_ks(int(n_arr.min())), dtype=np.int64)
    observed = dataset_pass_at_k(n_arr, cs, fit_ks)
    ok = (observed > 0.0) & (observed < 1.0)
    k_arr = np.asarray(ks, dtype=np.float64)
    if ok.sum() < 2:
        return np.full(k_arr.shape, float(observed[-1]))
    slope, intercept = np.polyfit(np.log(fit_ks[ok].astype(np.float64)), np.log(-np.log(observed[ok])), 1)
    return np.exp(-np.exp(intercept + slope * np.log(k_arr)))
