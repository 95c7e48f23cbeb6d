"""Lifetime value: the model's value adds up month by month; the shop formula keeps its parts."""

from __future__ import annotations

import numpy as np
import pytest

from assistant.insight import bgnbd, clv, gamma_gamma

PURCHASES = bgnbd.BgNbd(r=0.243, alpha=4.414, a=0.793, b=2.426, log_likelihood=0.0)
SPEND = gamma_gamma.GammaGamma(p=6.25, q=3.74, gamma=15.44, log_likelihood=0.0)
CUSTOMERS = {"frequency": [0, 2, 2, 7], "recency": [0.0, 30.43, 5.0, 38.0], "T": [38.86] * 4,
             "mean_spend": [0.0, 22.35, 22.35, 40.0]}


def value(months: int, discount: float) -> np.ndarray:
    return clv.expected_value(PURCHASES, SPEND, **CUSTOMERS, months=months, monthly_discount=discount)


def test_undiscounted_value_is_expected_purchases_times_expected_spend() -> None:
    weeks = 12 * clv.WEEKS_PER_MONTH
    history = (CUSTOMERS[k] for k in ("frequency", "recency", "T"))
    purchases = bgnbd.conditional_expected_purchases(PURCHASES, weeks, *history)
    spend = gamma_gamma.expected_spend(SPEND, CUSTOMERS["frequency"], CUSTOMERS["mean_spend"])
    assert value(12, 0.0) == pytest.approx(purchases * spend, rel=1e-12)


def test_the_published_customer_over_39_weeks() -> None:
    worth = clv.expected_value(PURCHASES, SPEND, frequency=2, recency=30.43, T=38.86, mean_spend=22.35,
                               months=9, monthly_discount=0.0, periods_per_month=39 / 9)
    assert float(worth) == pytest.approx(1.226 * 24.66, abs=0.01)


def test_discounting_lowers_value_and_a_longer_horizon_raises_it() -> None:
    assert np.all(value(12, 0.01) < value(12, 0.0))
    assert np.all(value(12, 0.02) < value(12, 0.01))
    assert np.all(value(24, 0.01) > value(12, 0.01))
    assert np.all(value(0, 0.01) == 0.0)
    first_month = value(1, 0.01)
    assert first_month == pytest.approx(value(1, 0.0) / 1.01)


def test_a_customer_who_has_gone_quiet_is_worth_less() -> None:
    recent, quiet = value(12, 0.01)[1:3]
    assert quiet < recent


def test_simple_clv_keeps_each_part() -> None:
    shop = clv.simple_clv(revenue=[100.0, 50.0, 150.0], orders=[2, 1, 3], periods=2.0, lifespan=3.0)
    assert (shop.average_order_value, shop.purchase_frequency, shop.expected_lifespan) == (50.0, 1.0, 3.0)
    assert shop.value == 150.0


def test_lifespan_from_churn() -> None:
    assert clv.lifespan_from_churn(0.25) == 4.0
    with pytest.raises(ValueError, match="churn rate"):
        clv.lifespan_from_churn(0.0)


@pytest.mark.parametrize("bad", [{"orders": [0, 0]}, {"orders": [1]}, {"periods": 0.0}, {"lifespan": -1.0}])
def test_simple_clv_refuses_figures_it_cannot_use(bad: dict[str, object]) -> None:
    figures: dict[str, object] = {"revenue": [10.0, 20.0], "orders": [1, 2], "periods": 1.0, "lifespan": 2.0} | bad
    with pytest.raises(ValueError, match="need"):
        clv.simple_clv(**figures)  # type: ignore[arg-type]
