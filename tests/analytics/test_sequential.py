"""The always-valid test against worked examples computed by hand from the published formulas."""

from __future__ import annotations

import math

import numpy as np
import pytest

from assistant.analytics.sequential import (
    Sequential,
    half_widths,
    mixture_rho2,
    p_values,
    running,
    sequential_means,
    sequential_rates,
    sequential_z,
)
from assistant.analytics.stats import two_proportion_ztest


def test_rho_is_growthbooks_choice_for_alpha_and_tuning() -> None:
    # (-2 ln 0.05 + ln(-2 ln 0.05 + 1)) / 5000 = (5.99146 + 1.94469) / 5000
    assert mixture_rho2(0.05, 5000) == pytest.approx(0.0015872309203475, rel=1e-12)
    assert mixture_rho2(0.05, 10_000) == pytest.approx(mixture_rho2(0.05, 5000) / 2)


def test_rho_makes_the_interval_nearly_narrowest_at_the_tuning_size() -> None:
    rho2 = mixture_rho2(0.05, 5000)
    widths = [float(half_widths(1.0, 5000, rho2 * math.exp(k / 100))) for k in range(-300, 301)]
    assert float(half_widths(1.0, 5000, rho2)) <= min(widths) * 1.001


def test_rates_worked_example_no_clear_difference() -> None:
    # 65/1000 against 50/1000: d = 0.015, SE = sqrt(.065*.935/1000 + .05*.95/1000) = 0.0104055
    result = sequential_rates((65, 1000), (50, 1000))
    assert result is not None
    assert result.difference == pytest.approx(0.015)
    assert result.standard_error == pytest.approx(0.0104055273773125)
    assert (result.ci_low, result.ci_high) == pytest.approx((-0.0175045688590978, 0.0475045688590978))
    assert result.p_value == pytest.approx(0.927160216335375)
    assert result.visitors == 2000


def test_rates_worked_example_on_the_edge() -> None:
    # 600/10000 against 500/10000: the fixed-horizon z-test says p = 0.002, the sequential one 0.054
    result = sequential_rates((600, 10_000), (500, 10_000))
    assert result is not None
    assert result.p_value == pytest.approx(0.0538805876406666)
    assert (result.ci_low, result.ci_high) == pytest.approx((-7.979054320672e-05, 0.0200797905432067))
    assert two_proportion_ztest(600, 10_000, 500, 10_000)[1] < 0.003


def test_means_worked_example() -> None:
    variant = [0, 0, 10, 20, 0, 35, 0, 0, 12, 8]
    control = [0, 5, 0, 0, 0, 10, 0, 0, 3, 0]
    result = sequential_means(variant, control)
    assert result is not None
    assert result.difference == pytest.approx(6.7)
    assert result.standard_error == pytest.approx(3.8182311204128)
    assert (result.ci_low, result.ci_high) == pytest.approx((-46.7206841835, 60.1206841835))
    assert result.p_value == pytest.approx(0.96875523983326)


def test_it_is_optimizelys_msprt_with_tau2_rho2_s2() -> None:
    d, se, n = 0.004, 0.0015, 40_000
    rho2 = mixture_rho2(0.05, 5000)
    v, tau2 = se * se, rho2 * se * se * n
    likelihood_ratio = math.sqrt(v / (v + tau2)) * math.exp(tau2 * d * d / (2 * v * (v + tau2)))
    assert sequential_z(d, se, n).p_value == pytest.approx(min(1.0, 1 / likelihood_ratio))


def test_p_below_alpha_exactly_when_the_interval_leaves_out_zero() -> None:
    for d in np.linspace(-0.02, 0.02, 81):
        result = sequential_z(float(d), 0.004, 20_000)
        if abs(result.p_value - 0.05) > 1e-9:
            assert (result.p_value < 0.05) == (result.ci_low > 0 or result.ci_high < 0)


def test_always_wider_than_the_fixed_horizon_interval() -> None:
    for n in (100, 5000, 1_000_000):
        assert float(half_widths(1.0, n, mixture_rho2())) > 1.96


def test_no_result_without_variance_or_visitors() -> None:
    assert sequential_rates((0, 100), (0, 100)) is None
    assert sequential_rates((1, 0), (0, 100)) is None
    assert sequential_means([1.0], [1.0, 2.0]) is None
    assert sequential_means([3.0, 3.0], [3.0, 3.0]) is None
    with pytest.raises(ValueError):
        mixture_rho2(0.05, 0)
    with pytest.raises(ValueError):
        mixture_rho2(1.5, 5000)


def test_vectorised_p_values_match_the_scalar_ones() -> None:
    z, n = np.array([0.0, 1.0, 3.0, 5.0]), np.array([100, 1000, 10_000, 100_000])
    rho2 = mixture_rho2()
    expected = [sequential_z(float(zi), 1.0, int(ni)).p_value for zi, ni in zip(z, n, strict=True)]
    assert p_values(z, n, rho2) == pytest.approx(expected)
    assert p_values(0.0, 100, rho2) == pytest.approx(1.0)


def test_running_keeps_the_smallest_p_and_the_intersection() -> None:
    first = Sequential(0.01, 0.005, -0.01, 0.03, 0.4, 1000)
    second = Sequential(0.012, 0.003, 0.0, 0.024, 0.2, 3000)
    third = Sequential(0.008, 0.002, -0.004, 0.02, 0.6, 6000)
    combined = running([first, second, third])
    assert (combined.ci_low, combined.ci_high, combined.p_value) == (0.0, 0.02, 0.2)
    assert combined.difference == 0.008 and combined.visitors == 6000
    with pytest.raises(ValueError):
        running([])
