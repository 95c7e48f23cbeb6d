"""NPS, CSAT, CES and response rate against worked examples computed by hand, a published Wilson example,
scipy's own Wilson interval, and properties that must hold for any counts."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import stats

from assistant.surveys.stats import (
    ces,
    ces_from_counts,
    csat,
    csat_from_counts,
    histogram,
    nps,
    nps_difference,
    nps_from_counts,
    response_rate,
    wilson,
    z_value,
)

Z95 = 1.959963984540054


def scores_50_30_20() -> list[int]:
    """100 answers: 50 promoters (25 nines, 25 tens), 30 passives (7-8), 20 detractors (0-6)."""
    return [9] * 25 + [10] * 25 + [7] * 15 + [8] * 15 + [0, 1, 2, 3, 4, 5, 6] * 2 + [6] * 6


def test_nps_worked_example() -> None:
    result = nps(scores_50_30_20())
    # NPS = 50 % - 20 % = 30; Var = 0.5 + 0.2 - 0.3^2 = 0.61; se = sqrt(0.61 / 100) = 0.0781
    se = math.sqrt(0.61 / 100)
    assert se == pytest.approx(0.0781, abs=1e-4)
    assert (result.n, result.promoters, result.passives, result.detractors) == (100, 50, 30, 20)
    assert result.value == 30
    assert result.low == pytest.approx(30 - 100 * Z95 * se)
    assert result.high == pytest.approx(30 + 100 * Z95 * se)
    assert result.high - 30 == pytest.approx(15.3, abs=0.01)


def test_nps_interval_at_another_confidence() -> None:
    result = nps(scores_50_30_20(), confidence=0.90)
    assert result.high - 30 == pytest.approx(100 * 1.6448536 * math.sqrt(0.61 / 100))


def test_nps_interval_is_clipped_to_the_scale() -> None:
    # 9 promoters, 1 passive: NPS 90, Var = 0.9 - 0.81 = 0.09, half-width 100 * 1.96 * sqrt(0.009) = 18.6
    result = nps_from_counts({10: 9, 8: 1})
    assert result.value == 90
    assert result.low == pytest.approx(90 - 100 * Z95 * math.sqrt(0.009))
    assert result.high == 100


def test_nps_difference_worked_example() -> None:
    a = nps_from_counts({10: 50, 8: 30, 3: 20})
    b = nps_from_counts({9: 30, 7: 30, 0: 40})
    # b: 30 - 40 = -10, Var = 0.3 + 0.4 - 0.01 = 0.69; se = sqrt(0.61/100 + 0.69/100) = 0.1140
    difference = nps_difference(a, b)
    half = 100 * Z95 * math.sqrt(0.0061 + 0.0069)
    assert difference.value == pytest.approx(40)
    assert (difference.low, difference.high) == (pytest.approx(40 - half), pytest.approx(40 + half))
    assert half == pytest.approx(22.35, abs=0.01)


def test_nps_difference_with_an_empty_group_has_no_value() -> None:
    difference = nps_difference(nps(scores_50_30_20()), nps([]))
    assert (difference.value, difference.low, difference.high) == (None, None, None)


def test_nps_difference_refuses_two_confidence_levels() -> None:
    with pytest.raises(ValueError, match="different confidence"):
        nps_difference(nps([10], 0.95), nps([10], 0.90))


def test_wilson_published_example() -> None:
    # 81 successes of 263, the often-quoted example: Wilson 95 % interval [0.2553, 0.3662]; by hand,
    # centre (p + z^2/2n) / (1 + z^2/n), half-width z / (1 + z^2/n) * sqrt(p(1 - p)/n + z^2/4n^2)
    p, n = 81 / 263, 263
    centre = (p + Z95**2 / (2 * n)) / (1 + Z95**2 / n)
    half = Z95 / (1 + Z95**2 / n) * math.sqrt(p * (1 - p) / n + Z95**2 / (4 * n * n))
    assert (round(centre - half, 4), round(centre + half, 4)) == (0.2553, 0.3662)
    result = wilson(81, 263)
    assert result.value == pytest.approx(81 / 263)
    assert result.low == pytest.approx(0.2553, abs=1e-4)
    assert result.high == pytest.approx(0.3662, abs=1e-4)


@pytest.mark.parametrize(("count", "n"), [(0, 1), (1, 1), (0, 10), (3, 10), (10, 10), (81, 263), (999, 1000)])
@pytest.mark.parametrize("confidence", [0.8, 0.95, 0.99])
def test_wilson_matches_scipy(count: int, n: int, confidence: float) -> None:
    expected = stats.binomtest(count, n).proportion_ci(confidence_level=confidence, method="wilson")
    result = wilson(count, n, confidence)
    assert (result.low, result.high) == (pytest.approx(expected.low), pytest.approx(expected.high))


def test_wilson_at_zero_and_all() -> None:
    # 0 of 10: [0, z^2 / (n + z^2)]; 10 of 10: its mirror
    none, every = wilson(0, 10), wilson(10, 10)
    assert none.low == 0 and none.high == pytest.approx(Z95**2 / (10 + Z95**2))
    assert every.high == 1 and every.low == pytest.approx(10 / (10 + Z95**2))


def test_csat_is_the_share_of_four_and_five() -> None:
    result = csat([1] * 5 + [2] * 5 + [3] * 10 + [4] * 30 + [5] * 50)
    assert (result.count, result.n, result.value) == (80, 100, 0.8)
    assert result == csat_from_counts({1: 5, 2: 5, 3: 10, 4: 30, 5: 50})
    assert (result.low, result.high) == (wilson(80, 100).low, wilson(80, 100).high)


def test_ces_mean_and_share_agreeing() -> None:
    result = ces([1, 2, 3, 4, 5, 6, 7])
    # mean 4, sample variance 28 / 6, t(0.975, 6) = 2.446912, half-width 2.446912 * sqrt(28 / 6 / 7) = 1.998
    half = 2.446912 * math.sqrt(28 / 6 / 7)
    assert result.mean.value == 4
    assert (result.mean.low, result.mean.high) == (pytest.approx(4 - half), pytest.approx(4 + half))
    assert (result.agreeing.count, result.agreeing.n) == (3, 7)
    assert result.counts == {s: 1 for s in range(1, 8)}


def test_response_rate() -> None:
    result = response_rate(30, 200)
    assert result.value == 0.15 and result.low < 0.15 < result.high
    assert response_rate(0, 0).value is None


def test_no_answers_give_none_not_nan() -> None:
    assert nps([]).value is None and nps([]).low is None and nps([]).n == 0
    assert csat([]).value is None and csat([]).high is None
    empty = ces([])
    assert (empty.mean.value, empty.mean.low, empty.agreeing.value) == (None, None, None)


def test_all_the_same_score_gives_a_zero_width_nps_and_ces_interval() -> None:
    assert nps([10] * 7) == nps_from_counts({10: 7})
    assert (nps([10] * 7).low, nps([10] * 7).high) == (100, 100)
    assert (nps([0] * 3).value, nps([0] * 3).low, nps([0] * 3).high) == (-100, -100, -100)
    same = ces([4, 4, 4])
    assert (same.mean.value, same.mean.low, same.mean.high) == (4, 4, 4)
    assert csat([5] * 4).low is not None and csat([5] * 4).low < 1   # Wilson is never zero-width


def test_a_single_ces_answer_has_no_t_interval() -> None:
    one = ces([6])
    assert (one.mean.value, one.mean.low, one.mean.high) == (6, None, None)


def test_json_has_no_nan() -> None:
    for result in (nps([]), nps([10]), ces([]), ces([4]), ces([4, 4]), csat([]), response_rate(0, 0)):
        values = str(result.to_json())
        assert "nan" not in values and "inf" not in values


@pytest.mark.parametrize("bad", [11, -1, 7.5, True, "9", float("nan")])
def test_scores_off_the_scale_are_refused(bad: object) -> None:
    with pytest.raises(ValueError, match="not a whole number from 0 to 10"):
        nps([9, bad])  # type: ignore[list-item]


def test_numpy_scores_are_accepted() -> None:
    assert nps(np.array([10, 9, 3])).promoters == 2
    assert histogram([np.int64(3), 3.0], range(1, 6))[3] == 2


def test_bad_counts_and_confidence_are_refused() -> None:
    with pytest.raises(ValueError, match="not on the scale 1-5"):
        csat_from_counts({6: 1})
    with pytest.raises(ValueError, match="negative"):
        ces_from_counts({3: -1})
    with pytest.raises(ValueError, match="not a share"):
        response_rate(5, 4)
    with pytest.raises(ValueError, match="confidence"):
        z_value(95)


counts = st.integers(min_value=0, max_value=5000)


@given(counts, counts, counts)
def test_nps_bounds_hold_and_narrow_with_more_data(promoters: int, passives: int, detractors: int) -> None:
    small = nps_from_counts({10: promoters, 8: passives, 0: detractors})
    if small.n == 0:
        return
    assert small.low is not None and small.high is not None and small.value is not None
    assert -100 <= small.low <= small.value <= small.high <= 100
    large = nps_from_counts({10: 4 * promoters, 8: 4 * passives, 0: 4 * detractors})
    assert large.value == pytest.approx(small.value)
    assert large.low is not None and large.high is not None
    assert large.high - large.low <= small.high - small.low + 1e-9


@given(st.integers(min_value=1, max_value=10000), st.floats(min_value=0, max_value=1),
       st.sampled_from([0.8, 0.9, 0.95, 0.99]))
def test_wilson_bounds_hold_and_narrow_with_more_data(n: int, share: float, confidence: float) -> None:
    count = round(share * n)
    small, large = wilson(count, n, confidence), wilson(4 * count, 4 * n, confidence)
    for result in (small, large):
        assert result.low is not None and result.high is not None and result.value is not None
        assert 0 <= result.low <= result.value <= result.high <= 1
        assert result.high > result.low
    assert large.high - large.low < small.high - small.low  # type: ignore[operator]


@given(st.lists(st.integers(min_value=1, max_value=7), min_size=2, max_size=300))
def test_ces_mean_interval_holds_the_mean(scores: list[int]) -> None:
    result = ces(scores).mean
    assert result.value == pytest.approx(float(np.mean(scores)))
    assert result.low is not None and result.high is not None
    assert result.low <= result.value <= result.high  # type: ignore[operator]
