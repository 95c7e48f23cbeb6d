"""RFM: recency, frequency and monetary scores from 1 to 5, as quintiles of the shop's own customers.

A score is 1 + floor(5 * k / n), k being how many of the n customers have a strictly worse figure. Ties
share one score, the one of the lowest rank among them (competition ranking), so identical figures always
score alike and the scores depend neither on the order of the customers nor on their ids: the same
figures give the same scores on every run. When many customers tie (most have bought once), some scores
stay empty rather than splitting equal customers across two of them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

Scores = NDArray[np.int8]


@dataclass(frozen=True)
class Rfm:
    """Per customer, in the order given: recency, frequency and monetary scores (1 worst, 5 best)."""

    recency: Scores
    frequency: Scores
    monetary: Scores


def quintile_scores(values: ArrayLike) -> Scores:
    """Scores 1-5 where a higher value scores higher; ties share the score of their lowest rank."""
    values = np.asarray(values, dtype=float)
    if values.ndim != 1 or not np.all(np.isfinite(values)):
        raise ValueError("need one finite figure per customer")
    if values.size == 0:
        return np.zeros(0, dtype=np.int8)
    worse = np.searchsorted(np.sort(values), values, side="left")
    return (1 + (5 * worse) // values.size).astype(np.int8)


def rfm_scores(*, days_since_last: ArrayLike, orders: ArrayLike, revenue: ArrayLike) -> Rfm:
    """Scores from each customer's days since their last order (fewer is better), order count and revenue."""
    days, count, money = (np.asarray(v, dtype=float) for v in (days_since_last, orders, revenue))
    if not days.shape == count.shape == money.shape:
        raise ValueError("need the same customers in days_since_last, orders and revenue")
    if np.any(days < 0) or np.any(count < 0):
        raise ValueError("days since the last order and order counts cannot be negative")
    return Rfm(quintile_scores(-days), quintile_scores(count), quintile_scores(money))
