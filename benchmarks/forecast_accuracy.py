"""How well does pass@k at large k forecast from a small n? Simulated runs with known per-problem rates.

    python benchmarks/forecast_accuracy.py                 # 500 problems, 10 runs per distribution
    python benchmarks/forecast_accuracy.py --problems 30 --runs 20

Each run draws per-problem rates from a known distribution, then n = 1024 outcomes per problem.
Each method (``passk.analysis.forecast``) is fitted on the first 16, 32 and 64 outcomes of every
problem, and its forecast of pass@256 and pass@1024 is compared with the unbiased estimate from all
1024 outcomes (what a full run would report) and with the truth (the mean of 1 − (1 − p_i)^k).
Printed: the mean absolute error in points (percentage points of pass@k) and the worst run.

Distributions (the rates' shape near p = 0 is what decides pass@k at large k):
- ``uniform``: p ~ U(0, 1), no hard tail: pass@k reaches ~1 quickly;
- ``beta``: p ~ Beta(0.3, 2), many hard problems;
- ``heavy``: p = 0.8 · Beta(0.1, 1), a heavy left tail (Schaeffer et al.'s power-law regime);
- ``zero_inflated``: 30 % of problems never solvable (p = 0), the rest Beta(0.5, 1.5): a shape
  none of the families can fit, to show how far they go wrong when a benchmark has problems no
  number of samples will solve.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from passk.analysis.forecast import METHODS, forecast_pass_at_k
from passk.analysis.metrics import dataset_pass_at_k

N = 1024
FIT_NS = (16, 32, 64)
KS = (256, 1024)


def draw_rates(name: str, rng: np.random.Generator, problems: int) -> np.ndarray:
    if name == "uniform":
        return rng.uniform(size=problems)
    if name == "beta":
        return rng.beta(0.3, 2.0, size=problems)
    if name == "heavy":
        return 0.8 * rng.beta(0.1, 1.0, size=problems)
    if name == "zero_inflated":
        return np.where(rng.random(problems) < 0.3, 0.0, rng.beta(0.5, 1.5, size=problems))
    raise ValueError(name)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--problems", type=int, default=500)
    ap.add_argument("--runs", type=int, default=10)
    ap.add_argument("--seed", type=int, default=2026)
    ap.add_argument("--distributions", nargs="*", default=["uniform", "beta", "heavy", "zero_inflated"])
    args = ap.parse_args()
    print(f"{args.problems} problems, n = {N}, {args.runs} runs per distribution; errors in points of pass@k "
          "(mean absolute | worst run), against the full-n estimate and against the truth")
    header = f"{'distribution':<14}{'method':<13}{'fit n':>6}" + "".join(
        f"{f'vs full @{k}':>20}{f'vs truth @{k}':>20}" for k in KS) + f"{'s/fit':>8}"
    print(header)
    rng = np.random.default_rng(args.seed)
    for dist in args.distributions:
        runs = []
        for _ in range(args.runs):
            p = draw_rates(dist, rng, args.problems)
            outcomes = rng.random((args.problems, N)) < p[:, None]
            truth = np.mean(1.0 - (1.0 - p[:, None]) ** np.asarray(KS)[None, :], axis=0)
            full = dataset_pass_at_k(N, outcomes.sum(axis=1), KS)
            runs.append((outcomes, truth, full))
        for method in METHODS:
            for fit_n in FIT_NS:
                err_full, err_truth, secs = [], [], 0.0
                for outcomes, truth, full in runs:
                    start = time.perf_counter()
                    forecast, _ = forecast_pass_at_k(np.full(args.problems, fit_n), outcomes[:, :fit_n].sum(axis=1), KS, method)
                    secs += time.perf_counter() - start
                    err_full.append(100 * np.abs(forecast - full))
                    err_truth.append(100 * np.abs(forecast - truth))
                ef, et = np.asarray(err_full), np.asarray(err_truth)
                cells = "".join(f"{f'{ef[:, j].mean():.2f} | {ef[:, j].max():.2f}':>20}{f'{et[:, j].mean():.2f} | {et[:, j].max():.2f}':>20}"
                                for j in range(len(KS)))
                print(f"{dist:<14}{method:<13}{fit_n:>6}{cells}{secs / len(runs):>8.2f}")
        full_err = np.asarray([100 * np.abs(full - truth) for _, truth, full in runs])
        print(f"{dist:<14}{'(full n)':<13}{N:>6}" + "".join(f"{'—':>20}{f'{full_err[:, j].mean():.2f} | {full_err[:, j].max():.2f}':>20}"
                                                            for j in range(len(KS))))


if __name__ == "__main__":
    main()
