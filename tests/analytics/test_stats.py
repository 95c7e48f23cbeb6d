"""The statistics against worked examples: textbook z-test, Newcombe's paper, Welch, chi-square by hand."""

from __future__ import annotations

import math

import pytest
from scipy import stats

from assistant.analytics.stats import (
    TOO_SMALL,
    compare_means,
    compare_rates,
    newcombe_interval,
    srm_check,
    two_proportion_ztest,
    wilson_interval,
)


def test_two_proportion_z_test_worked_example() -> None:
    # 200/1000 vs 250/1000: pooled p = 0.225, SE = sqrt(0.225 * 0.775 * 2/1000) = 0.018675, z = -0.05 / SE
    z, p = two_proportion_ztest(200, 1000, 250, 1000)
    assert z == pytest.approx(-2.677, abs=0.001)
    assert p == pytest.approx(0.0074, abs=0.0001)
    se = math.sqrt(0.225 * 0.775 * (2 / 1000))
    assert z == pytest.approx(-0.05 / se)
    assert p == pytest.approx(2 * stats.norm.sf(0.05 / se))


def test_wilson_and_newcombe_match_newcombe_1998() -> None:
    # Newcombe (1998), Statistics in Medicine 17:873, example (a): 56/70 vs 48/80, method 10: 0.0524 to 0.3339
    low, high = newcombe_interval(56, 70, 48, 80)
    assert (round(low, 4), round(high, 4)) == (0.0524, 0.3339)
    # Wilson interval for 81/263: 0.2553 to 0.3662 (Newcombe 1998, Statistics in Medicine 17:857), and its formula
    assert tuple(round(v, 4) for v in wilson_interval(81, 263)) == (0.2553, 0.3662)
    x, n, z = 81, 263, stats.norm.ppf(0.975)
    p = x / n
    centre, half = (p + z * z / (2 * n)), z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    expected = ((centre - half) / (1 + z * z / n), (centre + half) / (1 + z * z / n))
    assert wilson_interval(81, 263) == pytest.approx(expected)


def test_compare_rates_reports_method_interval_and_verdict() -> None:
    result = compare_rates((250, 1000), (200, 1000))
    assert result.difference == pytest.approx(0.05)
    assert result.p_value == pytest.approx(0.0074, abs=0.0001)
    assert result.ci_low is not None and result.ci_high is not None and 0 < result.ci_low < 0.05 < result.ci_high
    assert result.verdict == "better" and "z-test" in result.method and "Newcombe" in result.method
    assert compare_rates((200, 1000), (250, 1000)).verdict == "worse"
    assert compare_rates((205, 1000), (200, 1000)).verdict == "no clear difference"


@pytest.mark.parametrize(("variant", "baseline"), [
    ((1, 40), (0, 40)),        # too few visitors
    ((2, 5000), (1, 5000)),    # enough visitors, but expected conversions per cell below 5
    ((0, 0), (10, 100)),
])
def test_too_small_to_tell(variant: tuple[int, int], baseline: tuple[int, int]) -> None:
    assert compare_rates(variant, baseline).verdict == TOO_SMALL


def test_welch_matches_the_worked_example_and_scipy() -> None:
    # Welch's t-test, Wikipedia's first example: t = -2.46, df = 24.99, p = 0.021
    a1 = [27.5, 21.0, 19.0, 23.6, 17.0, 17.9, 16.9, 20.1, 21.9, 22.6, 23.1, 19.6, 19.0, 21.7, 21.4]
    a2 = [27.1, 22.0, 20.8, 23.4, 23.4, 23.5, 25.8, 22.0, 24.8, 20.2, 21.9, 22.1, 22.9, 20.5, 24.4]
    result = compare_means(a1, a2, min_visitors=10)
    assert result.statistic == pytest.approx(-2.46, abs=0.01)
    assert result.p_value == pytest.approx(0.021, abs=0.001)
    v1, v2 = stats.tvar(a1) / len(a1), stats.tvar(a2) / len(a2)
    df = (v1 + v2) ** 2 / (v1 ** 2 / (len(a1) - 1) + v2 ** 2 / (len(a2) - 1))
    assert df == pytest.approx(24.99, abs=0.01)
    half = stats.t.ppf(0.975, df) * math.sqrt(v1 + v2)
    assert (result.ci_low, result.ci_high) == pytest.approx((result.difference - half, result.difference + half))
    assert result.verdict == "worse" and "Welch" in result.method
    assert compare_means(a1, a2).verdict == TOO_SMALL  # 15 visitors per arm < 100
    assert compare_means([0.0] * 200, [0.0] * 200).verdict == TOO_SMALL  # no variance at all


def test_srm_against_a_hand_computed_chi_square() -> None:
    # 5,100 vs 4,900 on 50/50: expected 5,000 each, chi2 = 2 * 100^2 / 5000 = 4.0, p = 0.0455 (df 1): no flag
    check = srm_check([5100, 4900], [50, 50])
    assert check is not None and check.chi2 == pytest.approx(4.0) and check.p_value == pytest.approx(0.0455, abs=1e-4)
    assert not check.mismatch
    # 5,300 vs 4,700: chi2 = 36, p = 2e-9 < 0.001: flagged
    check = srm_check([5300, 4700], [1, 1])
    assert check is not None and check.chi2 == pytest.approx(36.0) and check.mismatch
    # 3 arms on 20/30/50 weights with 1,000 visitors: expected 200/300/500
    check = srm_check([230, 290, 480], [20, 30, 50])
    expected_chi2 = 30 ** 2 / 200 + 10 ** 2 / 300 + 20 ** 2 / 500
    assert check is not None and check.chi2 == pytest.approx(expected_chi2)
    assert check.p_value == pytest.approx(stats.chi2.sf(expected_chi2, df=2))
    assert srm_check([10], [1]) is None and srm_check([0, 0], [1, 1]) is None
