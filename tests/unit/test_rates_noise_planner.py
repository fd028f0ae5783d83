"""Rate fits, forecasts, the two-level intervals and the sample-size planner, on simulated runs
whose true rates are known."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import special, stats

from passk.analysis.forecast import forecast_pass_at_k, power_law_forecast
from passk.analysis.metrics import dataset_pass_at_k, per_problem_pass_at_k
from passk.analysis.noise import pass_at_k_intervals
from passk.analysis.planner import expected_estimator_variance, plan_samples
from passk.analysis.rates import RateModel, fit_beta, fit_scaled_beta
from passk.errors import ConfigError


def _run(rng: np.random.Generator, p: np.ndarray, n: int) -> np.ndarray:
    return rng.binomial(n, p)


def test_beta_fit_recovers_the_parameters() -> None:
    rng = np.random.default_rng(0)
    p = rng.beta(0.4, 2.0, size=3000)
    m = fit_beta(np.full(3000, 64), _run(rng, p, 64))
    assert m.a == pytest.approx(0.4, rel=0.1) and m.b == pytest.approx(2.0, rel=0.15)


def test_scaled_beta_with_scale_one_is_the_beta_model() -> None:
    beta = RateModel("beta", 0.3, 1.7, 1.0, 0.0, 1)
    scaled = RateModel("scaled_beta", 0.3, 1.7, 1.0, 0.0, 1)
    ks = [1, 16, 256, 4096]
    assert np.allclose(beta.population_pass_at_k(ks), scaled.population_pass_at_k(ks), atol=1e-5)
    ns, cs = [32, 32, 32], [0, 3, 32]
    assert np.allclose(beta.posterior_pass_at_k(ns, cs, ks), scaled.posterior_pass_at_k(ns, cs, ks), atol=1e-5)


def test_scaled_beta_fit_finds_the_scale() -> None:
    rng = np.random.default_rng(1)
    p = 0.5 * rng.beta(0.5, 1.0, size=1000)  # no problem is solved more than half the time
    m = fit_scaled_beta(np.full(1000, 64), _run(rng, p, 64))
    assert m.scale == pytest.approx(0.5, abs=0.05) and m.a == pytest.approx(0.5, rel=0.2)


def test_forecast_from_a_small_n_comes_close_to_the_full_run() -> None:
    rng = np.random.default_rng(2)
    p = rng.beta(0.3, 2.0, size=500)
    full = rng.random((500, 1024)) < p[:, None]
    truth = np.mean(1 - (1 - p[:, None]) ** np.array([256, 1024])[None, :], axis=0)
    for method in ("beta", "scaled_beta"):
        forecast, model = forecast_pass_at_k(np.full(500, 32), full[:, :32].sum(1), [256, 1024], method)
        assert model is not None
        assert np.all(np.abs(forecast - truth) < 0.04), (method, forecast, truth)
    # the observed estimate at the full n, the forecasting benchmark's reference, is itself close to the truth
    assert np.all(np.abs(dataset_pass_at_k(1024, full.sum(1), [256, 1024]) - truth) < 0.02)


def test_power_law_forecast_follows_the_observed_curve_and_extends_it() -> None:
    rng = np.random.default_rng(3)
    cs = rng.binomial(16, rng.beta(0.5, 1.0, size=4000))
    ks = [1, 2, 4, 8, 16]
    fitted = power_law_forecast(np.full(4000, 16), cs, ks)
    assert np.allclose(fitted, dataset_pass_at_k(16, cs, ks), atol=0.02)
    beyond = power_law_forecast(np.full(4000, 16), cs, [64, 256, 1024])
    assert np.all(np.diff(beyond) > 0) and beyond[0] > fitted[-1] and beyond[-1] < 1
    # a run that solves everything has no slope to fit: its last value is carried forward
    assert power_law_forecast([8, 8], [8, 8], [64]).tolist() == [1.0]


def test_expected_estimator_variance_matches_direct_enumeration() -> None:
    n, k = 24, 5
    c = np.arange(n + 1)
    est = per_problem_pass_at_k(np.full(n + 1, n), c, [k])[:, 0]
    for a, b in ((0.3, 2.0), (2.0, 0.5), (1.0, 1.0)):
        pmf = stats.betabinom.pmf(c, n, a, b)
        e_theta2 = 1 - 2 * math.exp(special.betaln(a, b + k) - special.betaln(a, b)) + math.exp(special.betaln(a, b + 2 * k) - special.betaln(a, b))
        direct = float((pmf * est**2).sum() - e_theta2)
        assert expected_estimator_variance(n, k, np.array([a]), np.array([b]))[0] == pytest.approx(direct, rel=1e-9, abs=1e-14)


def test_intervals_nest_and_repeat() -> None:
    rng = np.random.default_rng(4)
    cs = _run(rng, rng.beta(0.3, 2.0, size=40), 32)
    a = pass_at_k_intervals(np.full(40, 32), cs, [1, 8, 32], n_boot=300, seed=7)
    b = pass_at_k_intervals(np.full(40, 32), cs, [1, 8, 32], n_boot=300, seed=7)
    for kind in ("problems", "samples", "both"):
        assert np.array_equal(a.low[kind], b.low[kind]) and np.array_equal(a.high[kind], b.high[kind])
        assert np.all(a.low[kind] <= a.estimate + 1e-12) and np.all(a.estimate <= a.high[kind] + 1e-12)
    # the samples interval is the narrowest: the problems' spread is not in it
    assert np.all(a.half_width("samples") < a.half_width("both"))


def test_samples_interval_covers_the_problems_truth() -> None:
    """Coverage of the fixed problems' true pass@k by the samples interval, and of the population's
    by the both interval, over 60 simulated runs (95 % intervals; the bound leaves room for chance)."""
    rng = np.random.default_rng(5)
    ks = np.array([1, 8, 64])
    pop = -np.expm1(special.betaln(0.3, 2.0 + ks) - special.betaln(0.3, 2.0))
    hit_samples = hit_both = np.zeros(3)
    for r in range(60):
        p = rng.beta(0.3, 2.0, size=60)
        iv = pass_at_k_intervals(np.full(60, 64), _run(rng, p, 64), ks, n_boot=300, seed=r)
        truth = np.mean(1 - (1 - p[:, None]) ** ks[None, :], axis=0)
        hit_samples = hit_samples + ((iv.low["samples"] <= truth) & (truth <= iv.high["samples"]))
        hit_both = hit_both + ((iv.low["both"] <= pop) & (pop <= iv.high["both"]))
    assert np.all(hit_samples / 60 >= 0.85), hit_samples
    assert np.all(hit_both / 60 >= 0.85), hit_both


def test_plan_is_whole_jobs_and_grows_with_precision() -> None:
    rng = np.random.default_rng(6)
    cs = _run(rng, rng.beta(0.3, 2.0, size=50), 16)
    loose = plan_samples(np.full(50, 16), cs, k=16, half_width=0.04, step=8, draws=50)
    tight = plan_samples(np.full(50, 16), cs, k=16, half_width=0.02, step=8, draws=50)
    assert loose.n_planned is not None and tight.n_planned is not None
    assert loose.n_planned % 8 == 0 and tight.n_planned % 8 == 0 and loose.n_planned >= 16
    assert tight.n_planned > loose.n_planned
    assert tight.predicted_half_width <= 0.02
    assert tight.problems_floor > 0
    unreachable = plan_samples(np.full(50, 16), cs, k=16, half_width=1e-4, step=8, n_max=256, draws=50)
    assert unreachable.n_planned is None


def test_plan_refuses_mixed_pilots_and_bad_targets() -> None:
    with pytest.raises(ConfigError, match="same n"):
        plan_samples([8, 16], [1, 2], k=4, half_width=0.1)
    with pytest.raises(ConfigError, match="half_width"):
        plan_samples([8, 8], [1, 2], k=4, half_width=1.5)


@pytest.mark.slow
def test_planned_n_meets_the_half_width_in_nine_of_ten_runs() -> None:
    """The issue's check: 200 simulated pilots; the run topped up to the planned n reports a samples
    interval within the half-width in at least 90 % of them (benchmarks/planner_check.py prints
    the same for two benchmark sizes)."""
    rng = np.random.default_rng(2026)
    met = 0
    for r in range(200):
        p = rng.beta(0.3, 2.0, size=100)
        c0 = rng.binomial(16, p)
        plan = plan_samples(np.full(100, 16), c0, k=16, half_width=0.02, step=8, seed=r)
        assert plan.n_planned is not None
        c = c0 + rng.binomial(plan.n_planned - 16, p)
        iv = pass_at_k_intervals(np.full(100, plan.n_planned), c, [16], n_boot=1000, seed=r)
        met += bool(iv.half_width("samples")[0] <= 0.02)
    assert met >= 180, met
