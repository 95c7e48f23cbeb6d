"""A bounded A/A simulation in CI: the sequential test read every day stays near its 5 %; peeking does not.

400 A/A tests (200 visitors per arm a day, 5 % conversion, 30 daily looks, seed 19), under a second.
The sequential test's share of false winners must be at most 5 % plus three binomial standard errors
of a 400-test share (0.05 + 3 * sqrt(0.05 * 0.95 / 400) = 0.083): a test whose true rate is 5 % passes
with about 99.9 % probability, so a failure means the guarantee broke, not bad luck. The full 2,000-test
run is benchmarks/sequential_tests.py (1-2 % there). The naive fixed-horizon peeking in the same runs
must exceed 12 %, so the simulation can tell the two apart (it finds 25-28 %).
"""

from __future__ import annotations

import math

import numpy as np

from benchmarks.sequential_tests import simulate

TESTS = 400
BOUND = 0.05 + 3 * math.sqrt(0.05 * 0.95 / TESTS)


def test_daily_looks_keep_the_sequential_false_positive_share_under_five_percent() -> None:
    run = simulate(tests=TESTS, days=30, daily=200, rate=0.05, lift=0.0, alpha=0.05, tuning=5000,
                   rng=np.random.default_rng(19))
    assert run.ever(run.sequential) <= BOUND
    assert run.ever(run.naive) > 0.12


def test_the_sequential_test_still_finds_a_large_effect() -> None:
    run = simulate(tests=200, days=30, daily=200, rate=0.05, lift=0.5, alpha=0.05, tuning=5000,
                   rng=np.random.default_rng(19))
    assert run.ever(run.sequential) > 0.8
