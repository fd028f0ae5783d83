"""The unbiased pass@k estimator and the metrics the paper derives from it.

Everything here is pure arithmetic on per-problem counts (``n`` samples, ``c`` correct), so the
workflow, the CLI and the plots all share one definition (paper §3, App. A.2, Eq. 2):

    pass@k(n, c) = 1 - C(n - c, k) / C(n, k)        (Chen et al., 2021)

Binomial coefficients of n = 2048 overflow float64, so the ratio is computed as a product of
factors in [0, 1]. For a whole curve k = 1..n the ratio obeys

    r(k) = r(k - 1) * (n - c - k + 1) / (n - k + 1),   r(0) = 1,

so one cumulative product gives every k in O(n) instead of O(n^2), and a matrix of them gives all
problems at once. The relative rounding error of ``r`` grows at most like ``k * eps`` (≈ 5e-13 at
k = 2048), far below what any figure or 1-decimal table can show.

Conventions (chosen to match the authors' code and the paper's figures):

- a *curve* is a 1-D array whose element ``k - 1`` is pass@k, for k = 1..len(curve);
- the dataset pass@k is the plain, unweighted mean over problems;
- problem *indices* are 0-based positions in the benchmark file (Tables 4 and 5).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

__all__ = [
    "HISTOGRAM_LABELS",
    "AccuracyHistogram",
    "CoverageComparison",
    "accuracy_bin_index",
    "accuracy_histogram",
    "bootstrap_ci",
    "bootstrap_ci_curve",
    "bootstrap_crossover_k",
    "compare_coverage",
    "crossover_k",
    "dataset_pass_at_k",
    "default_ks",
    "delta_se",
    "paired_bootstrap_diff_ci",
    "pass_at_k",
    "pass_at_k_curve",
    "per_problem_pass_at_k",
    "solvable",
]


# --------------------------------------------------------------------------------------------
# Validation helpers


def _as_int(name: str, value: Any) -> int:
    """Accept Python and numpy integers (and integral floats from CSVs), reject everything else.

    A silent ``int(2.5)`` would hide a bug upstream, so non-integral values are an error.
    """
    if isinstance(value, bool):
        raise ValueError(f"{name} must be an integer, got bool {value!r}")
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        return int(value)
    raise ValueError(f"{name} must be an integer, got {value!r}")


def _check_counts(n: int, c: int) -> None:
    if n < 1:
        raise ValueError(f"n (samples per problem) must be >= 1, got n={n}")
    if not 0 <= c <= n:
        raise ValueError(f"c (correct samples) must satisfy 0 <= c <= n, got c={c}, n={n}")


def _check_k(n: int, k: int) -> None:
    if k < 1:
        raise ValueError(f"k must be >= 1, got k={k}")
    if k > n:
        raise ValueError(
            f"pass@{k} is undefined with only n={n} samples: the unbiased estimator needs k <= n "
            f"(draw at least {k} samples per problem)"
        )


def _as_count_arrays(ns: Iterable[int] | int, cs: Iterable[int]) -> tuple[np.ndarray, np.ndarray]:
    """Validate per-problem counts; ``ns`` may be a scalar shared by every problem."""
    c_arr = np.asarray(list(cs) if not isinstance(cs, np.ndarray) else cs)
    if c_arr.ndim != 1:
        raise ValueError(f"cs must be one-dimensional, got shape {c_arr.shape}")
    if np.isscalar(ns) or (isinstance(ns, np.ndarray) and ns.ndim == 0):
        n_arr = np.full(c_arr.shape, _as_int("n", ns if np.isscalar(ns) else ns.item()), dtype=np.int64)
    else:
        n_arr = np.asarray(list(ns) if not isinstance(ns, np.ndarray) else ns)
    if n_arr.shape != c_arr.shape:
        raise ValueError(f"ns and cs must have the same length, got {n_arr.shape[0]} and {c_arr.shape[0]}")
    if c_arr.size == 0:
        raise ValueError("no problems: ns and cs are empty")
    for name, arr in (("ns", n_arr), ("cs", c_arr)):
        if arr.dtype.kind == "f":
            if not np.all(np.isfinite(arr)) or not np.all(arr == np.round(arr)):
                raise ValueError(f"{name} must hold integers")
        elif arr.dtype.kind not in "iu":
            raise ValueError(f"{name} must hold integers, got dtype {arr.dtype}")
    n_arr = n_arr.astype(np.int64)
    c_arr = c_arr.astype(np.int64)
    if np.any(n_arr < 1):
        i = int(np.argmax(n_arr < 1))
        raise ValueError(f"problem {i}: n must be >= 1, got {int(n_arr[i])}")
    bad = (c_arr < 0) | (c_arr > n_arr)
    if np.any(bad):
        i = int(np.argmax(bad))
        raise ValueError(f"problem {i}: need 0 <= c <= n, got c={int(c_arr[i])}, n={int(n_arr[i])}")
    return n_arr, c_arr


def _as_ks(ks: Iterable[int] | int | None, n_min: int) -> np.ndarray:
    if ks is None:
        return np.arange(1, n_min + 1, dtype=np.int64)
    if np.isscalar(ks):
        ks = [ks]  # type: ignore[list-item]
    k_list = [_as_int("k", k) for k in ks]  # type: ignore[union-attr]
    if not k_list:
        raise ValueError("ks is empty")
    for k in k_list:
        if k < 1:
            raise ValueError(f"k must be >= 1, got k={k}")
        if k > n_min:
            raise ValueError(
                f"pass@{k} is undefined: the smallest per-problem sample count is n={n_min}, "
                f"and the unbiased estimator needs k <= n for every problem"
            )
    return np.asarray(k_list, dtype=np.int64)


# --------------------------------------------------------------------------------------------
# The estimator


def pass_at_k(n: int, c: int, k: int) -> float:
    """Unbiased pass@k of one problem: ``1 - C(n-c, k) / C(n, k)``.

    Uses the authors' product form ``1 - prod_{i=n-c+1..n} (1 - k/i)`` so no binomial
    coefficient is ever formed (they overflow float64 near n = 1030).

    Edge cases: ``c == 0`` → 0.0 (no correct sample can be drawn); ``n - c < k`` → 1.0 (every
    draw of k samples contains a correct one); ``k > n`` → ValueError, because the estimator is
    only unbiased for k ≤ n and silently clamping would misreport the reasoning boundary.
    """
    n = _as_int("n", n)
    c = _as_int("c", c)
    k = _as_int("k", k)
    _check_counts(n, c)
    _check_k(n, k)
    if c == 0:
        return 0.0
    if n - c < k:
        return 1.0
    return float(1.0 - np.prod(1.0 - k / np.arange(n - c + 1, n + 1, dtype=np.float64)))


def _ratio_matrix(n_arr: np.ndarray, c_arr: np.ndarray, k_max: int) -> np.ndarray:
    """``C(n-c, k) / C(n, k)`` for every problem (rows) and k = 1..k_max (columns).

    The cumulative product of ``(n - c - j) / (n - j)``, j = 0..k-1; factors with
    ``n - c - j <= 0`` are clipped to 0, which makes ``n - c < k`` give exactly 0 (pass@k = 1).
    Requires ``k_max <= min(n)`` so no denominator is zero.
    """
    j = np.arange(k_max, dtype=np.float64)
    num = np.clip((n_arr - c_arr).astype(np.float64)[:, None] - j[None, :], 0.0, None)
    den = n_arr.astype(np.float64)[:, None] - j[None, :]
    return np.cumprod(num / den, axis=1)


def pass_at_k_curve(n: int, c: int, ks: Iterable[int] | None = None) -> np.ndarray:
    """pass@k of one problem for every k = 1..n (or only at ``ks``), vectorised.

    Equal to :func:`pass_at_k` at each k up to float rounding (≲ 1e-12); used for the
    dense curves of the figures, where calling the scalar estimator n times per problem
    would cost O(n²).
    """
    n = _as_int("n", n)
    c = _as_int("c", c)
    _check_counts(n, c)
    k_arr = _as_ks(ks, n)
    k_max = int(k_arr.max())
    curve = 1.0 - _ratio_matrix(np.array([n]), np.array([c]), k_max)[0]
    return curve[k_arr - 1]


def per_problem_pass_at_k(ns: Iterable[int] | int, cs: Iterable[int], ks: Iterable[int] | None = None) -> np.ndarray:
    """Matrix of pass@k, one row per problem and one column per k (default k = 1..min n).

    This is the shared kernel of the dataset mean and of the bootstraps, which resample rows.
    """
    n_arr, c_arr = _as_count_arrays(ns, cs)
    k_arr = _as_ks(ks, int(n_arr.min()))
    k_max = int(k_arr.max())
    return 1.0 - _ratio_matrix(n_arr, c_arr, k_max)[:, k_arr - 1]


def dataset_pass_at_k(ns: Iterable[int] | int, cs: Iterable[int], ks: Iterable[int] | None = None) -> np.ndarray:
    """Benchmark pass@k: the plain (unweighted) mean of per-problem pass@k, as in the paper.

    ``ns`` may be one int for all problems or one per problem. Problems may have different
    n (e.g. a shard failed and was re-run with fewer samples); then every requested k must be
    ≤ min(n), because pass@k is undefined for a problem with fewer than k samples and dropping
    that problem from the mean would bias the curve. ``ks=None`` means k = 1..min(n).
    Returns one float per k, in the order of ``ks``.
    """
    return per_problem_pass_at_k(ns, cs, ks).mean(axis=0)


def default_ks(n: int) -> list[int]:
    """Powers of two up to ``n``, plus ``n`` itself: the k values of the authors' tables."""
    n = _as_int("n", n)
    if n < 1:
        raise ValueError(f"n must be >= 1, got {n}")
    ks = [1 << i for i in range(n.bit_length()) if (1 << i) <= n]
    if ks[-1] != n:
        ks.append(n)
    return ks


# --------------------------------------------------------------------------------------------
# Bootstrap confidence intervals (problems are resampled; samples within a problem are not)


def _resample_weights(n_problems: int, n_boot: int, seed: int) -> np.ndarray:
    """``(n_boot, n_problems)`` multiplicities of each problem in each bootstrap resample.

    Drawn from ``numpy.random.default_rng(seed)`` so the same seed gives the same intervals on
    every run and machine; one weight matrix serves every k, so the band is coherent across k.
    """
    if n_boot < 1:
        raise ValueError(f"n_boot must be >= 1, got {n_boot}")
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, n_problems, size=(n_boot, n_problems))
    offsets = (np.arange(n_boot, dtype=np.int64) * n_problems)[:, None]
    counts = np.bincount((idx + offsets).ravel(), minlength=n_boot * n_problems)
    return counts.reshape(n_boot, n_problems).astype(np.float64)


def _weighted_means(weights: np.ndarray, values: np.ndarray) -> np.ndarray:
    """``weights @ values / P`` without BLAS.

    A BLAS matmul may sum in a thread- or CPU-dependent order, which can change the last bits
    and hence the 10th decimal of a written interval; numpy's own reductions are reproducible.
    """
    out = np.empty((weights.shape[0], values.shape[1]), dtype=np.float64)
    for j in range(values.shape[1]):
        out[:, j] = (weights * values[None, :, j]).sum(axis=1)
    return out / values.shape[0]


def _check_level(level: float) -> None:
    if not 0.0 < level < 1.0:
        raise ValueError(f"level must be in (0, 1), got {level}")


def _percentile_interval(stats: np.ndarray, level: float) -> tuple[np.ndarray, np.ndarray]:
    alpha = (1.0 - level) / 2.0
    low, high = np.quantile(stats, [alpha, 1.0 - alpha], axis=0)
    return low, high


def bootstrap_ci_curve(
    ns: Iterable[int] | int,
    cs: Iterable[int],
    ks: Iterable[int] | None = None,
    n_boot: int = 1000,
    seed: int = 0,
    *,
    level: float = 0.95,
) -> tuple[np.ndarray, np.ndarray]:
    """Percentile bootstrap interval of the dataset pass@k at each k, resampling problems.

    Problems, not samples, are resampled because the paper's uncertainty is dominated by the
    finite benchmark (30 AIME problems), and the per-problem estimate is already unbiased. The
    same resamples are used for every k, so the band is coherent across the curve. Returns
    ``(low, high)`` arrays aligned with ``ks``; deterministic for a given ``seed``.
    """
    _check_level(level)
    values = per_problem_pass_at_k(ns, cs, ks)  # (P, K)
    weights = _resample_weights(values.shape[0], int(n_boot), int(seed))
    stats = _weighted_means(weights, values)  # (n_boot, K)
    return _percentile_interval(stats, level)


def bootstrap_ci(
    ns: Iterable[int] | int,
    cs: Iterable[int],
    k: int,
    n_boot: int = 1000,
    seed: int = 0,
    *,
    level: float = 0.95,
) -> tuple[float, float]:
    """``(low, high)`` percentile bootstrap interval of the dataset pass@k at one k.

    See :func:`bootstrap_ci_curve`; deterministic for a given ``seed``.
    """
    low, high = bootstrap_ci_curve(ns, cs, [k], n_boot, seed, level=level)
    return float(low[0]), float(high[0])


def paired_bootstrap_diff_ci(
    ns_a: Iterable[int] | int,
    cs_a: Iterable[int],
    ns_b: Iterable[int] | int,
    cs_b: Iterable[int],
    k: int,
    n_boot: int = 1000,
    seed: int = 0,
    *,
    level: float = 0.95,
) -> tuple[float, float, float]:
    """``(diff, low, high)`` for pass@k(A) − pass@k(B) on the same problems, paired bootstrap.

    Both models are evaluated on identical problems in the same order, so each resample draws
    the same problems for both; this removes the between-problem variance that a difference of
    two independent intervals would double-count (e.g. "base beats RL by 9 points at k=128").
    Each model may use its own n; k must be ≤ every n.
    """
    _check_level(level)
    va = per_problem_pass_at_k(ns_a, cs_a, [k])[:, 0]
    vb = per_problem_pass_at_k(ns_b, cs_b, [k])[:, 0]
    if va.shape != vb.shape:
        raise ValueError(f"paired comparison needs the same problems: {va.shape[0]} vs {vb.shape[0]} problems")
    d = va - vb
    weights = _resample_weights(d.shape[0], int(n_boot), int(seed))
    stats = _weighted_means(weights, d[:, None])[:, 0]
    low, high = _percentile_interval(stats, level)
    return float(d.mean()), float(low), float(high)


# --------------------------------------------------------------------------------------------
# Curve comparisons


def _curve_value(curve: Sequence[float] | np.ndarray, k: int, name: str) -> float:
    arr = np.asarray(curve, dtype=np.float64)
    k = _as_int("k", k)
    if k < 1 or k > arr.shape[0]:
        raise ValueError(f"{name} has pass@k for k = 1..{arr.shape[0]}, cannot read k={k}")
    return float(arr[k - 1])


def delta_se(
    base_curve: Sequence[float] | np.ndarray,
    rl_curve: Sequence[float] | np.ndarray,
    k_base: int = 256,
    k_rl: int = 1,
) -> float:
    """Sampling-efficiency gap ΔSE = pass@k_base(base) − pass@k_rl(RL) (paper §4.3, Fig 8).

    Curves are indexed by k − 1. Units follow the inputs (fractions give 0.358, percentages
    give 35.8); lower is better: it says how far RL's single-sample accuracy is from the
    base model's coverage.
    """
    return _curve_value(base_curve, k_base, "base_curve") - _curve_value(rl_curve, k_rl, "rl_curve")


def crossover_k(
    curve_a: Sequence[float] | np.ndarray,
    curve_b: Sequence[float] | np.ndarray,
    *,
    strict: bool = False,
) -> int | None:
    """Smallest k at which curve A catches up with curve B, given that B led at k = 1.

    Typically A = base and B = RL: the paper's finding is that RL wins at small k and the base
    model overtakes it at large k. Returns None if B did not lead at k = 1 (nothing to cross)
    or A never reaches B within the shorter curve. ``strict=True`` asks for A > B, so that two
    curves that merely both saturate at 1.0 do not count as a crossover.
    """
    a = np.asarray(curve_a, dtype=np.float64)
    b = np.asarray(curve_b, dtype=np.float64)
    m = min(a.shape[0], b.shape[0])
    if m == 0 or not b[0] > a[0]:
        return None
    hit = a[:m] > b[:m] if strict else a[:m] >= b[:m]
    if not np.any(hit):
        return None
    return int(np.argmax(hit)) + 1


def _first_overtake(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Row-wise :func:`crossover_k` (strict) of curve matrices ``a`` and ``b`` (rows: resamples):
    the first k where ``a > b`` given ``b[0] > a[0]``; 0 where B did not lead at k = 1, and -1
    where A never overtakes within the curves."""
    lead = b[:, 0] > a[:, 0]
    hit = a > b
    first = np.where(hit.any(axis=1), hit.argmax(axis=1) + 1, -1)
    return np.where(lead, first, 0)


def bootstrap_crossover_k(
    ns_a: Iterable[int] | int,
    cs_a: Iterable[int],
    ns_b: Iterable[int] | int,
    cs_b: Iterable[int],
    n_boot: int = 1000,
    seed: int = 0,
    *,
    level: float = 0.95,
) -> dict[str, Any]:
    """The crossover k of curve A over curve B (strict, as :func:`crossover_k` with ``strict=True``)
    and its percentile bootstrap interval over problems.

    Both models' problems are resampled together (paired, the same problems in the same order),
    and the two curves k = 1..min n are recomputed on each resample. A resample in which B does
    not lead at k = 1, or A never overtakes B, has no crossover; such resamples count as
    ``k_max + 1`` ("beyond the curve") in the interval, so an interval whose upper end is
    ``k_max + 1`` says the crossover may not happen within the samples drawn. Returns
    ``{"k": point estimate or None, "low", "high", "k_max", "found_fraction"}`` where
    ``found_fraction`` is the share of resamples with a crossover within the curves.
    """
    _check_level(level)
    va = per_problem_pass_at_k(ns_a, cs_a)
    vb = per_problem_pass_at_k(ns_b, cs_b)
    if va.shape[0] != vb.shape[0]:
        raise ValueError(f"paired comparison needs the same problems: {va.shape[0]} vs {vb.shape[0]} problems")
    k_max = min(va.shape[1], vb.shape[1])
    va, vb = va[:, :k_max], vb[:, :k_max]
    point = crossover_k(va.mean(axis=0), vb.mean(axis=0), strict=True)
    weights = _resample_weights(va.shape[0], int(n_boot), int(seed))
    ka = _first_overtake(_weighted_means(weights, va), _weighted_means(weights, vb))
    found = ka > 0
    values = np.where(found, ka, k_max + 1).astype(np.float64)
    alpha = (1.0 - level) / 2.0
    low, high = np.quantile(values, [alpha, 1.0 - alpha], method="inverted_cdf")
    return {"k": point, "low": int(low), "high": int(high), "k_max": int(k_max), "found_fraction": float(found.mean())}


# --------------------------------------------------------------------------------------------
# Coverage (solvable sets, Tables 4 and 5)


def solvable(cs: Iterable[int], indices: Iterable[int] | None = None) -> set[int]:
    """Problems with at least one correct sample: ``{i : c_i >= 1}``.

    ``i`` is the position in ``cs`` unless ``indices`` gives each problem's 0-based index in
    the benchmark file (what Tables 4 and 5 print).
    """
    c_list = [_as_int("c", c) for c in cs]
    idx = list(range(len(c_list))) if indices is None else [_as_int("index", i) for i in indices]
    if len(idx) != len(c_list):
        raise ValueError(f"indices and cs must have the same length, got {len(idx)} and {len(c_list)}")
    return {i for i, c in zip(idx, c_list) if c >= 1}


@dataclass(frozen=True)
class CoverageComparison:
    """Which problems each of two models can solve (c ≥ 1), as sorted index tuples.

    ``rl_subset_of_base`` is the paper's headline check (Table 4: RL ⊆ Base on AIME24).
    """

    base: tuple[int, ...]
    rl: tuple[int, ...]
    both: tuple[int, ...]
    base_only: tuple[int, ...]
    rl_only: tuple[int, ...]
    neither: tuple[int, ...]
    n_problems: int
    rl_subset_of_base: bool = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "rl_subset_of_base", not self.rl_only)

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly form (lists, not tuples)."""
        return {
            "n_problems": self.n_problems,
            "base": list(self.base),
            "rl": list(self.rl),
            "both": list(self.both),
            "base_only": list(self.base_only),
            "rl_only": list(self.rl_only),
            "neither": list(self.neither),
            "rl_subset_of_base": self.rl_subset_of_base,
        }


def compare_coverage(
    cs_base: Iterable[int],
    cs_rl: Iterable[int],
    indices: Iterable[int] | None = None,
) -> CoverageComparison:
    """Split the problems into both / base-only / RL-only / neither solvable.

    Both count lists must describe the same problems in the same order; ``indices`` (optional)
    gives their 0-based benchmark indices.
    """
    cb = [_as_int("c", c) for c in cs_base]
    cr = [_as_int("c", c) for c in cs_rl]
    if len(cb) != len(cr):
        raise ValueError(f"coverage comparison needs the same problems: {len(cb)} vs {len(cr)}")
    idx = list(range(len(cb))) if indices is None else [_as_int("index", i) for i in indices]
    if len(idx) != len(cb):
        raise ValueError(f"indices and counts must have the same length, got {len(idx)} and {len(cb)}")
    if len(set(idx)) != len(idx):
        raise ValueError("indices must be unique")
    base = solvable(cb, idx)
    rl = solvable(cr, idx)
    every = set(idx)
    return CoverageComparison(
        base=tuple(sorted(base)),
        rl=tuple(sorted(rl)),
        both=tuple(sorted(base & rl)),
        base_only=tuple(sorted(base - rl)),
        rl_only=tuple(sorted(rl - base)),
        neither=tuple(sorted(every - base - rl)),
        n_problems=len(idx),
    )


# --------------------------------------------------------------------------------------------
# Accuracy histogram (Figs 5 and 13)

HISTOGRAM_LABELS: tuple[str, ...] = (
    "0.0",
    *(f"({i / 10:.1f},{(i + 1) / 10:.1f}]" for i in range(9)),
    "(0.9,1.0)",
    "1.0",
)
"""The paper's 12 bins: exactly 0, nine half-open tenths (a, a+0.1], (0.9, 1.0), exactly 1."""


def accuracy_bin_index(n: int, c: int) -> int:
    """Bin (0..11 in :data:`HISTOGRAM_LABELS`) of the per-problem accuracy c/n.

    Computed in integers — ``ceil(10c/n)`` for 0 < c < n — because float ``10 * (c/n)`` puts
    exact tenths such as 3/10 in the wrong bin (0.30000000000000004).
    """
    n = _as_int("n", n)
    c = _as_int("c", c)
    _check_counts(n, c)
    if c == 0:
        return 0
    if c == n:
        return 11
    return -((-10 * c) // n)  # ceil(10c/n) in 1..10; 10 is (0.9, 1.0)


@dataclass(frozen=True)
class AccuracyHistogram:
    """Counts and percentages of problems per accuracy bin, aligned with ``labels``."""

    labels: tuple[str, ...]
    counts: np.ndarray
    percentages: np.ndarray

    @property
    def total(self) -> int:
        """Number of problems."""
        return int(self.counts.sum())


def accuracy_histogram(ns: Iterable[int] | int, cs: Iterable[int]) -> AccuracyHistogram:
    """Histogram of per-problem accuracy c/n over the paper's 12 bins (count and % of problems)."""
    n_arr, c_arr = _as_count_arrays(ns, cs)
    counts = np.zeros(len(HISTOGRAM_LABELS), dtype=np.int64)
    inner = (c_arr > 0) & (c_arr < n_arr)
    bins = np.where(c_arr == 0, 0, np.where(c_arr == n_arr, 11, 0))
    bins[inner] = -((-10 * c_arr[inner]) // n_arr[inner])
    np.add.at(counts, bins, 1)
    percentages = 100.0 * counts / counts.sum()
    return AccuracyHistogram(labels=HISTOGRAM_LABELS, counts=counts, percentages=percentages)

