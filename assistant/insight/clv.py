"""Customer lifetime value two ways: the probabilistic model (BG/NBD x Gamma-Gamma) and the shop formula.

The model's value is what a customer is expected to spend over the next `months`: expected purchases month
by month (BG/NBD, conditional on their history) times expected spend per order (Gamma-Gamma), each month
divided by (1 + monthly_discount)^month, the monthly approximation of Fader, Hardie & Lee's (2005)
discounted expected transactions. monthly_discount = 0 gives the undiscounted expected revenue.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .bgnbd import BgNbd, conditional_expected_purchases
from .gamma_gamma import GammaGamma, expected_spend

Array = NDArray[np.float64]
WEEKS_PER_MONTH = 52.0 / 12.0


def expected_value(purchases: BgNbd, spend: GammaGamma, *, frequency: ArrayLike, recency: ArrayLike,
                   T: ArrayLike, mean_spend: ArrayLike, months: int, monthly_discount: float,  # noqa: N803
                   periods_per_month: float = WEEKS_PER_MONTH) -> Array:
    """Each customer's expected spend over the next `months`, discounted monthly (0: undiscounted).

    `periods_per_month` converts months into the time unit of recency and T (weeks by default).
    """
    if months < 0 or monthly_discount < 0 or periods_per_month <= 0:
        raise ValueError("need months >= 0, monthly_discount >= 0 and periods_per_month > 0")
    value = np.zeros(np.broadcast(np.asarray(frequency), np.asarray(recency), np.asarray(T)).shape)
    before = np.zeros_like(value)
    for month in range(1, months + 1):
        cumulative = conditional_expected_purchases(purchases, month * periods_per_month, frequency, recency, T)
        value += (cumulative - before) / (1.0 + monthly_discount) ** month
        before = cumulative
    return value * expected_spend(spend, frequency, mean_spend)


@dataclass(frozen=True)
class SimpleClv:
    """The shop formula, each part kept: value = average_order_value x purchase_frequency x expected_lifespan.

    purchase_frequency is orders per customer per period and expected_lifespan is in the same periods.
    """

    average_order_value: float
    purchase_frequency: float
    expected_lifespan: float

    @property
    def value(self) -> float:
        """The product of the three parts."""
        return self.average_order_value * self.purchase_frequency * self.expected_lifespan


def simple_clv(*, revenue: ArrayLike, orders: ArrayLike, periods: float, lifespan: float) -> SimpleClv:
    """The shop's average customer: revenue and orders per customer over `periods`, a lifespan in periods."""
    revenue, orders = np.asarray(revenue, dtype=float), np.asarray(orders, dtype=float)
    if revenue.shape != orders.shape or revenue.size == 0:
        raise ValueError("need one revenue and one order count per customer, for at least one customer")
    if orders.sum() <= 0 or np.any(orders < 0) or periods <= 0 or lifespan < 0:
        raise ValueError("need orders >= 0 (some > 0), periods > 0 and lifespan >= 0")
    return SimpleClv(float(revenue.sum() / orders.sum()), float(orders.sum() / (orders.size * periods)),
                     float(lifespan))


def lifespan_from_churn(churn_rate: float) -> float:
    """Expected lifespan in periods when a share `churn_rate` of customers leaves each period: 1 / churn_rate."""
    if not 0.0 < churn_rate <= 1.0:
        raise ValueError(f"churn rate must be in (0, 1], got {churn_rate}")
    return 1.0 / churn_rate
