"""Does the planned n meet the half-width? The sample-size planner checked in simulation.

    python benchmarks/planner_check.py                      # the two scenarios below, 200 draws each
    python benchmarks/planner_check.py --draws 50 --scenario aime

Each draw makes a benchmark with known per-problem rates p_i ~ Beta(a, b), samples a pilot of n0
outcomes per problem, asks ``plan_samples`` for the n whose ``samples`` interval at k has the
chosen half-width, tops the pilot up to that n (the pilot's outcomes kept, new ones drawn from the
true rates), and computes the interval the workflow would report (``pass_at_k_intervals``, 1000
resamples). It prints how often the reported half-width is within the target (the planner aims
at ≥ 90 %) and how often the estimate is within the half-width of the true pass@k.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from passk.analysis.noise import pass_at_k_intervals
from passk.analysis.planner import plan_samples

# name: (problems, pilot n, k, half-width, a, b, step)
SCENARIOS = {
    "aime": (30, 16, 64, 0.03, 0.3, 2.0, 8),
    "math500": (100, 16, 16, 0.02, 0.3, 2.0, 8),
}


def run(name: str, draws: int, seed: int) -> None:
    problems, n0, k, h, a, b, step = SCENARIOS[name]
    rng = np.random.default_rng(seed)
    met = close = 0
    planned = []
    start = time.perf_counter()
    for r in range(draws):
        p = rng.beta(a, b, size=problems)
        c0 = rng.binomial(n0, p)
        plan = plan_samples(np.full(problems, n0), c0, k=k, half_width=h, step=step, seed=r)
        assert plan.n_planned is not None
        n = plan.n_planned
        planned.append(n)
        c = c0 + rng.binomial(n - n0, p)
        iv = pass_at_k_intervals(np.full(problems, n), c, [k], n_boot=1000, seed=r)
        met += bool(iv.half_width("samples")[0] <= h)
        close += bool(abs(iv.estimate[0] - np.mean(1.0 - (1.0 - p) ** k)) <= h)
    secs = time.perf_counter() - start
    print(f"{name}: {problems} problems, rates ~ Beta({a}, {b}), pilot n0={n0}, k={k}, half-width {h}: "
          f"planned n median {int(np.median(planned))} (range {min(planned)}-{max(planned)}); "
          f"reported half-width within target in {met}/{draws} ({100 * met / draws:.1f} %); "
          f"|estimate - truth| <= half-width in {close}/{draws} ({100 * close / draws:.1f} %); {secs:.0f} s")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--draws", type=int, default=200)
    ap.add_argument("--scenario", choices=sorted(SCENARIOS), nargs="*", default=sorted(SCENARIOS))
    ap.add_argument("--seed", type=int, default=2026)
    args = ap.parse_args()
    for name in args.scenario:
        run(name, args.draws, args.seed)


if __name__ == "__main__":
    main()
