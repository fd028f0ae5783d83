"""The pass@k estimator against exact rational arithmetic, and the derived metrics."""

from __future__ import annotations

import math
import random
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from passk.analysis.metrics import (
    HISTOGRAM_LABELS,
    accuracy_bin_index,
    accuracy_histogram,
    bootstrap_ci,
    bootstrap_ci_curve,
    compare_coverage,
    crossover_k,
    dataset_pass_at_k,
    default_ks,
    delta_se,
    paired_bootstrap_diff_ci,
    pass_at_k,
    pass_at_k_curve,
    per_problem_pass_at_k,
    solvable,
)

TOL = 1e-12


def exact(n: int, c: int, k: int) -> Fraction:
    """1 - C(n-c, k)/C(n, k) exactly (math.comb returns 0 when n-c < k)."""
    return 1 - Fraction(math.comb(n - c, k), math.comb(n, k))


def _pairs() -> list[tuple[int, int]]:
    rng = random.Random(12345)
    pairs = [(1, 0), (1, 1), (2, 1), (7, 0), (7, 7), (7, 3), (128, 1), (128, 127), (1024, 1), (1024, 0), (1024, 1024)]
    for _ in range(60):
        n = rng.choice([rng.randint(1, 40), rng.randint(41, 300)])
        pairs.append((n, rng.randint(0, n)))
    return pairs


@pytest.mark.parametrize("n,c", _pairs())
def test_scalar_and_curve_match_exact_for_all_k(n: int, c: int) -> None:
    curve = pass_at_k_curve(n, c)
    assert curve.shape == (n,)
    ref = np.array([float(exact(n, c, k)) for k in range(1, n + 1)])
    np.testing.assert_allclose(curve, ref, rtol=0, atol=TOL)
    # The scalar estimator at every k (cheap enough up to n=300; sample k for the larger n).
    ks = range(1, n + 1) if n <= 300 else sorted({1, 2, 3, n // 2, n - c, n - c + 1, n} & set(range(1, n + 1)))
    for k in ks:
        assert abs(pass_at_k(n, c, k) - float(exact(n, c, k))) <= TOL, (n, c, k)


@settings(max_examples=150, deadline=None, database=None)
@given(st.integers(1, 2048).flatmap(lambda n: st.tuples(st.just(n), st.integers(0, n), st.integers(1, n))))
def test_scalar_matches_exact_hypothesis(nck: tuple[int, int, int]) -> None:
    n, c, k = nck
    assert abs(pass_at_k(n, c, k) - float(exact(n, c, k))) <= TOL
    assert abs(pass_at_k_curve(n, c, [k])[0] - float(exact(n, c, k))) <= TOL


def test_large_n_curve_is_accurate() -> None:
    n = 2048
    for c in (0, 1, 2, 17, 1000, 2047, 2048):
        curve = pass_at_k_curve(n, c)
        for k in (1, 2, 64, 1024, 2031, 2046, 2047, 2048):
            assert abs(curve[k - 1] - float(exact(n, c, k))) <= 1e-11, (c, k)


def test_edge_cases() -> None:
    assert pass_at_k(10, 0, 1) == 0.0
    assert pass_at_k(10, 0, 10) == 0.0
    assert pass_at_k(10, 10, 1) == 1.0
    assert pass_at_k(10, 8, 3) == 1.0  # n - c = 2 < k
    assert pass_at_k(10, 3, 1) == pytest.approx(0.3)  # k=1 is c/n
    assert pass_at_k(np.int64(10), np.int64(3), np.int64(2)) == pytest.approx(float(exact(10, 3, 2)))
    with pytest.raises(ValueError, match=r"k <= n"):
        pass_at_k(4, 1, 5)
    with pytest.raises(ValueError, match="k must be >= 1"):
        pass_at_k(4, 1, 0)
    with pytest.raises(ValueError, match="0 <= c <= n"):
        pass_at_k(4, 5, 1)
    with pytest.raises(ValueError):
        pass_at_k(4, 1.5, 1)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="k <= n"):
        pass_at_k_curve(4, 1, [5])


def test_curve_subset_of_ks_and_monotone() -> None:
    full = pass_at_k_curve(64, 5)
    np.testing.assert_array_equal(pass_at_k_curve(64, 5, [1, 8, 64]), full[[0, 7, 63]])
    assert np.all(np.diff(full) >= -1e-15)


def test_dataset_mean_and_mixed_n() -> None:
    ns, cs = [10, 10, 10], [0, 5, 10]
    np.testing.assert_allclose(dataset_pass_at_k(ns, cs, [1]), [0.5])
    np.testing.assert_allclose(dataset_pass_at_k(10, cs, [1, 3]), [0.5, (0 + float(exact(10, 5, 3)) + 1) / 3])
    ns2, cs2 = [8, 16, 12], [1, 3, 0]
    got = dataset_pass_at_k(ns2, cs2)  # k = 1..min n
    assert got.shape == (8,)
    ref = [np.mean([float(exact(n, c, k)) for n, c in zip(ns2, cs2)]) for k in range(1, 9)]
    np.testing.assert_allclose(got, ref, atol=TOL)
    with pytest.raises(ValueError, match="smallest per-problem sample count is n=8"):
        dataset_pass_at_k(ns2, cs2, [16])
    with pytest.raises(ValueError, match="same length"):
        dataset_pass_at_k([1, 2], [0])
    with pytest.raises(ValueError, match="empty"):
        dataset_pass_at_k([], [])
    assert per_problem_pass_at_k(ns2, cs2, [1, 2]).shape == (3, 2)


def test_default_ks() -> None:
    assert default_ks(1) == [1]
    assert default_ks(128) == [1, 2, 4, 8, 16, 32, 64, 128]
    assert default_ks(100) == [1, 2, 4, 8, 16, 32, 64, 100]


def test_bootstrap_deterministic_and_sane() -> None:
    rng = np.random.default_rng(7)
    cs = rng.integers(0, 65, size=40)
    a = bootstrap_ci(64, cs, 8, n_boot=500, seed=3)
    b = bootstrap_ci(64, cs, 8, n_boot=500, seed=3)
    assert a == b
    assert a != bootstrap_ci(64, cs, 8, n_boot=500, seed=4)
    point = dataset_pass_at_k(64, cs, [8])[0]
    assert a[0] <= point <= a[1]
    low, high = bootstrap_ci_curve(64, cs, [1, 8], n_boot=500, seed=3)
    assert (low[1], high[1]) == a
    assert np.all(low <= high)
    # Identical problems: no between-problem variance, so the interval collapses.
    lo, hi = bootstrap_ci(10, [5] * 20, 2, n_boot=100, seed=0)
    assert lo == pytest.approx(hi)


def test_paired_difference() -> None:
    cs_a = [10, 9, 8, 0, 10, 7]
    cs_b = [5, 5, 2, 0, 6, 3]
    d, lo, hi = paired_bootstrap_diff_ci(10, cs_a, 10, cs_b, 1, n_boot=400, seed=1)
    assert d == pytest.approx((sum(cs_a) - sum(cs_b)) / 60)
    assert lo <= d <= hi
    assert paired_bootstrap_diff_ci(10, cs_a, 10, cs_b, 1, n_boot=400, seed=1) == (d, lo, hi)
    # The same model against itself: exactly zero, with no spread.
    assert paired_bootstrap_diff_ci(10, cs_a, 10, cs_a, 4, n_boot=50) == (0.0, 0.0, 0.0)
    with pytest.raises(ValueError, match="same problems"):
        paired_bootstrap_diff_ci(10, cs_a, 10, cs_b[:-1], 1)


def test_delta_se_paper_fig8() -> None:
    base = np.linspace(0.099, 0.672, 256)  # pass@256(base) = 67.2 %
    rl = np.full(256, 0.314)
    rl[0] = 0.314  # pass@1(DAPO) = 31.4 %
    assert delta_se(base, rl) == pytest.approx(0.358)
    assert delta_se(base * 100, rl * 100) == pytest.approx(35.8)
    assert delta_se([0.5, 0.6], [0.1], k_base=2) == pytest.approx(0.5)
    with pytest.raises(ValueError, match="k = 1..2"):
        delta_se([0.5, 0.6], [0.1])


def test_crossover() -> None:
    base = [0.1, 0.3, 0.5, 0.7]
    rl = [0.3, 0.4, 0.5, 0.6]
    assert crossover_k(base, rl) == 3
    assert crossover_k(base, rl, strict=True) == 4
    assert crossover_k(rl, base) is None  # base did not lead at k=1
    assert crossover_k([0.1, 0.2], [0.3, 0.4]) is None  # never catches up
    assert crossover_k([0.2, 0.3], [0.2, 0.1]) is None  # tie at k=1: nobody led
    assert crossover_k([], []) is None
    assert crossover_k([0.1, 0.2, 0.9], [0.3, 0.4]) is None  # only compared over the shorter curve


def test_solvable_and_coverage_paper_table4() -> None:
    base_set = {0, 1, 4, 6, 7, 8, 9, 11, 12, 14, 15, 16, 17, 18, 19, 22, 23, 24, 25, 26, 27, 28, 29}
    rl_set = base_set - {4, 11, 17, 19}
    cs_base = [3 if i in base_set else 0 for i in range(30)]
    cs_rl = [1 if i in rl_set else 0 for i in range(30)]
    assert solvable(cs_base) == base_set
    assert len(solvable(cs_rl)) == 19
    cmp = compare_coverage(cs_base, cs_rl)
    assert cmp.base_only == (4, 11, 17, 19)
    assert cmp.rl_only == ()
    assert cmp.rl_subset_of_base
    assert cmp.neither == (2, 3, 5, 10, 13, 20, 21)
    assert len(cmp.both) == 19 and cmp.n_problems == 30
    assert cmp.to_dict()["base_only"] == [4, 11, 17, 19]


def test_coverage_with_indices() -> None:
    cmp = compare_coverage([1, 0, 2], [0, 1, 2], indices=[400, 401, 402])
    assert cmp.base_only == (400,) and cmp.rl_only == (401,) and cmp.both == (402,)
    assert not cmp.rl_subset_of_base
    assert solvable([0, 5], indices=[10, 11]) == {11}
    with pytest.raises(ValueError):
        compare_coverage([1], [1, 2])
    with pytest.raises(ValueError, match="unique"):
        compare_coverage([1, 1], [1, 1], indices=[3, 3])


def test_histogram_labels() -> None:
    assert len(HISTOGRAM_LABELS) == 12
    assert HISTOGRAM_LABELS[0] == "0.0" and HISTOGRAM_LABELS[1] == "(0.0,0.1]"
    assert HISTOGRAM_LABELS[9] == "(0.8,0.9]" and HISTOGRAM_LABELS[10] == "(0.9,1.0)" and HISTOGRAM_LABELS[11] == "1.0"


@pytest.mark.parametrize(
    "n,c,label",
    [
        (10, 0, "0.0"),
        (128, 1, "(0.0,0.1]"),
        (10, 1, "(0.0,0.1]"),  # exactly 0.1 is in (0.0, 0.1]
        (10, 3, "(0.2,0.3]"),  # 0.3 would land in (0.3, 0.4] with float 10*c/n
        (128, 13, "(0.1,0.2]"),  # 0.1016
        (10, 9, "(0.8,0.9]"),  # exactly 0.9
        (1000, 901, "(0.9,1.0)"),
        (128, 127, "(0.9,1.0)"),  # just below 1
        (10, 10, "1.0"),
        (1, 1, "1.0"),
        (1, 0, "0.0"),
    ],
)
def test_histogram_bin_edges(n: int, c: int, label: str) -> None:
    assert HISTOGRAM_LABELS[accuracy_bin_index(n, c)] == label
    h = accuracy_histogram([n], [c])
    assert h.counts[HISTOGRAM_LABELS.index(label)] == 1 and h.total == 1


def test_histogram_counts_and_percentages() -> None:
    h = accuracy_histogram(10, [0, 0, 1, 9, 10, 5, 3, 7])
    assert h.counts.tolist() == [2, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1]
    assert h.percentages.sum() == pytest.approx(100.0)
    assert h.percentages[0] == pytest.approx(25.0)
    # Paper Fig 5 base counts (Minerva, n=128, 272 problems): our binning reproduces any layout.
    fig5 = [93, 52, 17, 23, 16, 19, 13, 7, 10, 11, 8, 3]
    cs = []
    reps = [0, 6, 20, 32, 45, 58, 70, 83, 96, 109, 122, 128]  # one c per bin for n=128
    for count, c in zip(fig5, reps):
        cs += [c] * count
    h = accuracy_histogram(128, cs)
    assert h.counts.tolist() == fig5 and h.total == 272


def test_vectorised_is_fast() -> None:
    import time

    rng = np.random.default_rng(0)
    cs = rng.integers(0, 2049, size=500)
    t0 = time.perf_counter()
    curve = dataset_pass_at_k(2048, cs)
    bootstrap_ci_curve(2048, cs, default_ks(2048), n_boot=1000, seed=0)
    assert time.perf_counter() - t0 < 5.0
    assert curve.shape == (2048,)
