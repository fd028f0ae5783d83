"""Cover@τ: the share of problems a model solves reliably, not by luck (Dragoi et al., arXiv 2510.08325).

pass@k at large k counts a problem as solved once any of k samples is right, so a problem the model
answers right 1 time in 1000 (a lucky guess on an integer answer) weighs as much as one it always
gets right. Cover@τ instead counts the problems whose per-problem accuracy reaches τ:

    cover@τ = (1/P) · #{ i : c_i / n_i ≥ τ },   τ ∈ (0, 1]

It falls from pass@n (τ just above 0: any correct sample) to the share of problems solved by every
sample (τ = 1). The plug-in accuracy c_i/n_i is used, as in the paper that defines it; with n
samples a problem's accuracy is known to about ±1/√n, so τ values far below 1/n mean nothing.
The comparison is exact rational arithmetic (τ as the decimal the user wrote, ``Fraction("0.1")``),
so c/n = τ is never lost to float rounding.
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction

import numpy as np

from passk.errors import ConfigError

def _fraction(tau: float) -> Fraction:
    """τ as the exact decimal it was written as; a ConfigError outside (0, 1]."""
    if isinstance(tau, bool) or not isinstance(tau, (int, float, Fraction)):
        raise ConfigError(f"cover@τ: τ must be a number, got {tau!r}")
    value = tau if isinstance(tau, Fraction) else Fraction(str(tau))
    if not 0 < value <= 1:
        raise ConfigError(f"cover@τ: τ must be in (0, 1], got {tau!r}")
    return value


def cover_at_tau(ns: Sequence[int] | np.ndarray, cs: Sequence[int] | np.ndarray, taus: Sequence[float]) -> np.ndarray:
    """cover@τ for each τ in ``taus``: the share of problems with c/n ≥ τ."""
    n_arr = np.asarray(ns, dtype=np.int64)
    c_arr = np.asarray(cs, dtype=np.int64)
    if n_arr.shape != c_arr.shape or n_arr.size == 0:
        raise ValueError(f"ns and cs must be equally long and non-empty, got {n_arr.shape} and {c_arr.shape}")
    if np.any(n_arr < 1) or np.any(c_arr < 0) or np.any(c_arr > n_arr):
        raise ValueError("need 1 <= n and 0 <= c <= n for every problem")
    out = []
    for tau in taus:
        f = _fraction(tau)
        out.append(float(np.mean(c_arr * f.denominator >= f.numerator * n_arr)))
    return np.asarray(out, dtype=np.float64)


def cover_steps(ns: Sequence[int] | np.ndarray, cs: Sequence[int] | np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The whole cover@τ function as steps: ``(taus, values)`` where cover@τ = values[j] for
    taus[j-1] < τ ≤ taus[j] (taus[-1] = 1). The taus are the distinct non-zero accuracies c/n, so a
    figure draws the exact function with ``drawstyle="steps-pre"`` from τ = 0."""
    n_arr = np.asarray(ns, dtype=np.int64)
    c_arr = np.asarray(cs, dtype=np.int64)
    acc = sorted({Fraction(int(c), int(n)) for n, c in zip(n_arr, c_arr) if c > 0} | {Fraction(1)})
    values = [float(np.mean(c_arr * a.denominator >= a.numerator * n_arr)) for a in acc]
    return np.asarray([float(a) for a in acc]), np.asarray(values)
