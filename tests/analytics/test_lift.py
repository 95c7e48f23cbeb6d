"""The lift's intervals on worked examples: from sums, equal to the raw-value methods and to hand calculation."""

from __future__ import annotations

import math
import random

import pytest

from assistant.analytics.lift import Moments, incremental, mean_lift, rate_lift, welch
from assistant.analytics.stats import compare_means


def moments(values: list[float]) -> Moments:
    return Moments(len(values), sum(values), sum(v * v for v in values))


def test_a_worked_example_of_revenue_per_visitor_by_hand() -> None:
    # exposed visitor-days spent 0, 0, 50, 30; control 0, 20, 0
    exposed, control = moments([0, 0, 50, 30]), moments([0, 20, 0])
    assert (exposed.mean, exposed.variance) == (20, 600)  # (3400 - 80^2/4) / 3
    assert control.variance == pytest.approx(400 / 3)  # (400 - 20^2/3) / 2
    lift = mean_lift("revenue_per_visitor", exposed, control)
    # Welch: se^2 = 600/4 + (400/3)/3 = 194.44; df = se^4 / (150^2/3 + 44.44^2/2) = 4.4545; t(0.975, 4.4545) = 2.6682
    se = math.sqrt(150 + 400 / 9)
    assert lift.difference.value == pytest.approx(40 / 3)
    assert lift.difference.low == pytest.approx(40 / 3 - 2.6682 * se, abs=2e-3)
    assert lift.difference.high == pytest.approx(40 / 3 + 2.6682 * se, abs=2e-3)
    # relative: R = 3, half-width on the log scale 1.95996 * sqrt(150/20^2 + 44.44/6.667^2) = 2.2983
    assert lift.relative.value == pytest.approx(2.0)
    assert lift.relative.low == pytest.approx(3 * math.exp(-2.2983) - 1, abs=1e-3)
    assert lift.relative.high == pytest.approx(3 * math.exp(2.2983) - 1, abs=2e-2)
    assert lift.verdict == "too few visitors to tell"


def test_welch_from_sums_equals_scipy_on_the_raw_values() -> None:
    rng = random.Random(3)
    exposed = [rng.choice([0.0] * 24 + [rng.lognormvariate(4, 0.6)]) for _ in range(4000)]
    control = [rng.choice([0.0] * 26 + [rng.lognormvariate(4, 0.6)]) for _ in range(900)]
    ours, p = welch(moments(exposed), moments(control))
    theirs = compare_means(exposed, control)
    assert ours.value == pytest.approx(theirs.difference)
    assert ours.low == pytest.approx(theirs.ci_low, rel=1e-9)
    assert ours.high == pytest.approx(theirs.ci_high, rel=1e-9)
    assert p == pytest.approx(theirs.p_value, rel=1e-9)


def test_conversion_lift_on_newcombes_example() -> None:
    # Newcombe (1998) example (a): 56/70 vs 48/80; hybrid score interval 0.0524 to 0.3339
    lift = rate_lift("conversion", (56, 70), (48, 80))
    assert lift.difference.value == pytest.approx(0.2)
    assert (lift.difference.low, lift.difference.high) == (pytest.approx(0.0524, abs=1e-4),
                                                           pytest.approx(0.3339, abs=1e-4))
    # relative: R = 0.8 / 0.6; log-scale half-width 1.95996 * sqrt(0.16/70/0.64 + 0.24/80/0.36) = 0.21385
    assert lift.relative.value == pytest.approx(1 / 3)
    assert lift.relative.low == pytest.approx(4 / 3 * math.exp(-0.21385) - 1, abs=1e-4)
    assert lift.relative.high == pytest.approx(4 / 3 * math.exp(0.21385) - 1, abs=1e-4)
    assert lift.verdict == "higher"


def test_incremental_revenue_scales_the_difference_and_empty_groups_say_so() -> None:
    lift = mean_lift("revenue_per_visitor", moments([10.0, 12.0] * 50), moments([9.0, 11.0] * 50))
    total = incremental(lift.difference, 1000)
    assert total.value == pytest.approx(1000.0) and total.low is not None and total.low < 1000 < (total.high or 0)
    assert rate_lift("conversion", (0, 0), (3, 10)).verdict == "too few visitors to tell"
    assert mean_lift("aov", Moments(0, 0, 0), moments([1.0, 2.0])).difference.value is None
