"""From transactions to the per-customer figures the models take: RFM's and BG/NBD's (x, t_x, T, mean spend).

Transactions of one customer at the same time (same day, when times are days) are one purchase with their
amounts summed, as in the BG/NBD and Gamma-Gamma papers; only those up to `end` count (the calibration).
Times are in any unit (days, weeks) and every figure comes back in that unit.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

Array = NDArray[np.float64]


@dataclass(frozen=True)
class Summary:
    """Per customer, sorted by id: repeat purchases, time from first to last and to `end`, spend figures."""

    customer: NDArray[np.int64]
    frequency: Array
    """Repeat purchases: purchases after the first (x)."""
    recency: Array
    """Time from the first purchase to the last (t_x)."""
    T: Array  # noqa: N815  (the papers' name)
    """Time from the first purchase to `end`."""
    mean_spend: Array
    """Mean amount of the repeat purchases (0 without any): what Gamma-Gamma fits."""
    orders: Array
    revenue: Array
    since_last: Array
    """Time from the last purchase to `end`: RFM's recency."""


def summarise(*, customer: ArrayLike, time: ArrayLike, amount: ArrayLike, end: float) -> Summary:
    """The figures of every customer with a purchase at or before `end`, from one row per transaction."""
    who, when, money = (np.asarray(v) for v in (customer, time, amount))
    if not who.shape == when.shape == money.shape or who.ndim != 1:
        raise ValueError("need one customer, time and amount per transaction")
    keep = when <= end
    who, when, money = who[keep].astype(np.int64), when[keep].astype(float), money[keep].astype(float)
    if len(who) == 0:
        empty = np.zeros(0)
        return Summary(np.zeros(0, dtype=np.int64), *([empty] * 7))
    order = np.lexsort((when, who))
    who, when, money = who[order], when[order], money[order]
    starts = np.flatnonzero(np.r_[True, (who[1:] != who[:-1]) | (when[1:] != when[:-1])])
    who, when, money = who[starts], when[starts], np.add.reduceat(money, starts)
    first_of = np.flatnonzero(np.r_[True, who[1:] != who[:-1]])
    last_of = np.r_[first_of[1:], len(who)] - 1
    orders = (last_of - first_of + 1).astype(float)
    revenue = np.add.reduceat(money, first_of)
    first, last = when[first_of], when[last_of]
    mean_spend = np.divide(revenue - money[first_of], orders - 1, out=np.zeros_like(revenue), where=orders > 1)
    return Summary(who[first_of], orders - 1, last - first, end - first, mean_spend, orders, revenue, end - last)
