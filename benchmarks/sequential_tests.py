"""Peeking: A/A tests read every day with a fixed-horizon test against the always-valid sequential test.

    .venv/bin/python -m benchmarks.sequential_tests            # 2,000 tests x 30 days, about 2 s

Each simulated test splits `--daily` visitors a day per arm for `--days` days, every visitor converting
with the same rate (A/A: no difference exists). After each day one looks at the running totals:

- naive peeking: the fixed-horizon two-proportion z-test at every look, stopped at the first p < alpha;
- sequential: `analytics.sequential`'s always-valid p-value at every look, stopped the same way.

The share of A/A tests ever declared a winner is the false-positive rate each promises to hold at alpha.
Then the same runs with a real lift (variant rate x (1 + lift)) give the power of each: the fixed-horizon
test read once at the end (what it is designed for), naive peeking, and the sequential test, with the
median day it stopped. Everything is drawn from one seeded NumPy generator.
"""

from __future__ import annotations

import argparse
import time
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from assistant.analytics.sequential import DEFAULT_TUNING, mixture_rho2, p_values
from assistant.intervals import scipy_stats


@dataclass(frozen=True)
class Run:
    """One batch of simulated tests: which looks gave p < alpha, per method."""

    naive: NDArray[np.bool_]
    """(tests, days): the fixed-horizon test's p < alpha at that look."""
    sequential: NDArray[np.bool_]

    def ever(self, looks: NDArray[np.bool_]) -> float:
        """The share of tests with p < alpha at some look."""
        return float(looks.any(axis=1).mean())

    def at_end(self) -> float:
        """The share significant at the last look alone (the fixed-horizon test as designed)."""
        return float(self.naive[:, -1].mean())

    def median_stop_day(self, looks: NDArray[np.bool_]) -> float | None:
        """The median first day with p < alpha among the tests that stopped."""
        stopped = looks.any(axis=1)
        return float(np.median(looks[stopped].argmax(axis=1) + 1)) if stopped.any() else None


def simulate(*, tests: int, days: int, daily: int, rate: float, lift: float, alpha: float, tuning: float,
             rng: np.random.Generator) -> Run:
    """Simulate `tests` experiments with `daily` visitors per arm per day and look after every day."""
    control = rng.binomial(daily, rate, size=(tests, days)).cumsum(axis=1)
    variant = rng.binomial(daily, rate * (1 + lift), size=(tests, days)).cumsum(axis=1)
    n = daily * np.arange(1, days + 1)
    pc, pv = control / n, variant / n
    pooled = (control + variant) / (2 * n)
    with np.errstate(divide="ignore", invalid="ignore"):
        z_pooled = (pv - pc) / np.sqrt(pooled * (1 - pooled) * 2 / n)
        z_unpooled = (pv - pc) / np.sqrt((pv * (1 - pv) + pc * (1 - pc)) / n)
    naive_p = 2 * scipy_stats().norm.sf(np.abs(np.nan_to_num(z_pooled)))
    sequential_p = p_values(np.nan_to_num(z_unpooled), 2 * n, mixture_rho2(alpha, tuning))
    return Run(naive_p < alpha, sequential_p < alpha)


def main() -> None:
    """Print the false-positive shares and the power of both ways of reading."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tests", type=int, default=2000)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--daily", type=int, default=1000, help="visitors per arm per day")
    parser.add_argument("--rate", type=float, default=0.05, help="the control's conversion rate")
    parser.add_argument("--lifts", type=float, nargs="+", default=[0.10, 0.20], help="relative lifts for power")
    parser.add_argument("--alpha", type=float, default=0.05)
    parser.add_argument("--seed", type=int, default=19)
    args = parser.parse_args()
    started = time.perf_counter()
    rng = np.random.default_rng(args.seed)
    horizon = 2 * args.daily * args.days
    tunings = [DEFAULT_TUNING, horizon]
    print(f"{args.tests} tests x {args.days} daily looks, {args.daily} visitors per arm a day, control rate "
          f"{args.rate:.1%}, alpha {args.alpha}, seed {args.seed}")
    for tuning in tunings:
        run = simulate(tests=args.tests, days=args.days, daily=args.daily, rate=args.rate, lift=0.0, alpha=args.alpha,
                       tuning=tuning, rng=rng)
        print(f"A/A, N*={tuning:>6}: false winners with naive daily peeking {run.ever(run.naive):6.1%}, "
              f"sequential {run.ever(run.sequential):5.1%}; fixed-horizon read once at day {args.days} "
              f"{run.at_end():5.1%}")
    for lift in args.lifts:
        for tuning in tunings:
            run = simulate(tests=args.tests, days=args.days, daily=args.daily, rate=args.rate, lift=lift,
                           alpha=args.alpha, tuning=tuning, rng=rng)
            stop = run.median_stop_day(run.sequential)
            print(f"lift {lift:+.0%}, N*={tuning:>6}: power fixed-horizon at day {args.days} {run.at_end():5.1%}, "
                  f"naive peeking {run.ever(run.naive):5.1%}, sequential {run.ever(run.sequential):5.1%} "
                  f"(median stop day {stop if stop is None else f'{stop:.0f}'})")
    print(f"({time.perf_counter() - started:.1f} s)")


if __name__ == "__main__":
    main()
