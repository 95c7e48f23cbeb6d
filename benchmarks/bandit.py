"""Regret of the bandit allocation against a fixed even split, on simulated campaigns.

    .venv/bin/python -m benchmarks.bandit            # 200 campaigns per effect size, about 30 s

A campaign has a control and three message variants (weights 1 each: the control keeps 25 % of the
traffic) and `--daily` visitors a day for `--days` days. Two message variants convert at `--rate`, the
third at rate x (1 + effect). Every night the bandit's shares are recomputed by the production code
(`promotions.bandit.bandit_weights`, Thompson sampling, floor `--min-share`) from the running counts;
the fixed split gives each message variant a third of the 75 %.

Regret: the conversions lost against showing the best variant to all the non-control traffic, in
expectation given each day's shares (sum over days of visitors x share x (best rate - variant rate)),
so it measures the allocation, not the luck of the draws. Also printed: the best variant's share on the
last day, and how often the always-valid test finds the best variant better than the control by the
end (the control's fixed share keeps this comparison possible under the bandit).
"""

from __future__ import annotations

import argparse
import time
from dataclasses import dataclass

import numpy as np

from assistant.analytics.sequential import sequential_rates
from assistant.promotions.bandit import Arm, ArmCounts, bandit_weights

ARMS = [Arm("a", 1, False), Arm("b", 1, False), Arm("best", 1, False), Arm("control", 1, True)]


@dataclass
class Outcome:
    """One simulated campaign under one allocation."""

    regret: float
    best_share: float
    found: bool


def campaign(*, rates: dict[str, float], days: int, daily: int, min_share: float, bandit: bool,
             rng: np.random.Generator) -> Outcome:
    """Run one campaign for `days`, reallocating nightly when `bandit`."""
    keys = [a.key for a in ARMS]
    shares = {k: 0.25 for k in keys}
    visitors = dict.fromkeys(keys, 0)
    conversions = dict.fromkeys(keys, 0)
    best = max(rates[k] for k in keys if k != "control")
    regret = 0.0
    for _ in range(days):
        served = rng.multinomial(daily, [shares[k] for k in keys])
        for key, count in zip(keys, served, strict=True):
            visitors[key] += int(count)
            conversions[key] += int(rng.binomial(count, rates[key]))
            if key != "control":
                regret += daily * shares[key] * (best - rates[key])
        if bandit:
            counts = {k: ArmCounts(k, conversions[k], visitors[k]) for k in keys}
            shares = bandit_weights(ARMS, counts, min_share=min_share, rng=rng, draws=2000)
    result = sequential_rates((conversions["best"], visitors["best"]), (conversions["control"], visitors["control"]))
    found = result is not None and result.p_value < 0.05 and result.difference > 0
    return Outcome(regret, shares["best"] / 0.75, found)


def main() -> None:
    """Print regret of both allocations per effect size."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=200, help="campaigns per effect size and allocation")
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--daily", type=int, default=2000, help="visitors a day, all variants")
    parser.add_argument("--rate", type=float, default=0.05, help="the control's and the two other variants' rate")
    parser.add_argument("--effects", type=float, nargs="+", default=[0.0, 0.05, 0.10, 0.20, 0.40])
    parser.add_argument("--min-share", type=float, default=0.05)
    parser.add_argument("--seed", type=int, default=19)
    args = parser.parse_args()
    started = time.perf_counter()
    print(f"{args.runs} campaigns per row, {args.days} days x {args.daily} visitors, control 25 % fixed, rate "
          f"{args.rate:.1%}, floor {args.min_share:.0%}, seed {args.seed}")
    print("effect | regret fixed | regret bandit | bandit/fixed | best's share of the 75 % on the last day "
          "| best > control found (fixed / bandit)")
    for effect in args.effects:
        rates = {"a": args.rate, "b": args.rate, "best": args.rate * (1 + effect), "control": args.rate}
        rows = {}
        for bandit in (False, True):
            rng = np.random.default_rng([args.seed, int(effect * 1000), bandit])
            rows[bandit] = [campaign(rates=rates, days=args.days, daily=args.daily, min_share=args.min_share,
                                     bandit=bandit, rng=rng) for _ in range(args.runs)]
        fixed = float(np.mean([o.regret for o in rows[False]]))
        learned = float(np.mean([o.regret for o in rows[True]]))
        ratio = f"{learned / fixed:.2f}" if fixed > 0 else "-"
        share = float(np.mean([o.best_share for o in rows[True]]))
        found = [float(np.mean([o.found for o in rows[b]])) for b in (False, True)]
        print(f"{effect:+5.0%} | {fixed:12.1f} | {learned:13.1f} | {ratio:>12} | {share:40.0%} "
              f"| {found[0]:.0%} / {found[1]:.0%}")
    print(f"({time.perf_counter() - started:.1f} s)")


if __name__ == "__main__":
    main()
