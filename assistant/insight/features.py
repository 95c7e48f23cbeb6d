"""What the churn model sees of each customer at a cut-off: purchase rhythm, spend trend and, when recorded, activity.

Every figure is measured at `at` from what happened up to it and nothing after, so one function builds both
a training snapshot (an earlier cut-off, labelled by what came after it) and the figures scored at the end.
Counts, days and money enter as logs: the model compares customers of a gift shop and of a wholesaler alike,
and a logistic regression on standardised logs is not thrown by one customer with a thousand orders.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .summary import Summary, summarise

Array = NDArray[np.float64]

ACTIVITY_KINDS = ("view", "add_to_cart", "cart_left", "quiz_answer", "visit", "survey")
"""The activity a shop may record besides purchases; each becomes 'how many since the last order'."""
PURCHASE_FEATURES = ("days_since_last", "orders", "revenue", "order_value", "tenure", "one_order", "mean_gap",
                     "gap_spread", "last_gap", "overdue", "recent_orders", "recent_order_share",
                     "recent_revenue_share", "last_order_value")
FEATURES = PURCHASE_FEATURES + ("views_since_order", "add_to_carts_since_order", "carts_left_since_order",
                                "quiz_answers_since_order", "visits_since_order", "surveys_since_order")


@dataclass(frozen=True)
class Activity:
    """Activity events, one row each: who, when (same unit and clock as the transactions) and which kind.

    A shop that records none of a kind simply has no rows of it: its feature is zero for every customer.
    """

    customer: ArrayLike
    time: ArrayLike
    kind: ArrayLike


@dataclass(frozen=True)
class Features:
    """One row of FEATURES per customer with a purchase up to `at`, customers sorted by id as in `summary`."""

    summary: Summary
    matrix: Array

    @property
    def customer(self) -> NDArray[np.int64]:
        """The customers' ids, one per row."""
        return self.summary.customer


def churn_features(*, customer: ArrayLike, time: ArrayLike, amount: ArrayLike, at: float,
                   activity: Activity | None = None, recent: float = 90.0) -> Features:
    """The FEATURES of every customer who bought at or before `at`; `recent` is the trend's window (time units)."""
    figures = summarise(customer=customer, time=time, amount=amount, end=at)
    who, when, money = _purchases(np.asarray(customer), np.asarray(time), np.asarray(amount), at)
    row = np.searchsorted(figures.customer, who)
    n = len(figures.customer)
    gaps = _gap_figures(row, when, n)
    in_window = at - when < recent
    recent_orders = np.bincount(row, weights=in_window, minlength=n)
    recent_revenue = np.bincount(row, weights=money * in_window, minlength=n)
    last_value = np.zeros(n)
    last_value[row] = money  # purchases are sorted by time within a customer: the last write wins
    one = figures.orders == 1
    mean_gap = np.where(one, figures.T, figures.recency / np.maximum(figures.frequency, 1.0))
    columns = [
        np.log1p(figures.since_last), np.log1p(figures.orders), np.log1p(figures.revenue),
        np.log1p(figures.revenue / np.maximum(figures.orders, 1.0)), np.log1p(figures.T), one.astype(float),
        np.log1p(mean_gap), np.log1p(gaps[0]), np.log1p(np.where(one, figures.T, gaps[1])),
        np.log1p(figures.since_last) - np.log1p(mean_gap), np.log1p(recent_orders),
        recent_orders / np.maximum(figures.orders, 1.0),
        np.divide(recent_revenue, figures.revenue, out=np.zeros(n), where=figures.revenue > 0),
        np.log1p(last_value) - np.log1p(figures.revenue / np.maximum(figures.orders, 1.0)),
    ]
    columns += _activity_counts(activity, figures, at)
    return Features(figures, np.column_stack(columns) if n else np.zeros((0, len(FEATURES))))


def _purchases(who: NDArray[np.int64], when: Array, money: Array, at: float) -> tuple[NDArray[np.int64], Array, Array]:
    """Purchases up to `at` by customer then time, one customer's at one time merged (as summarise does)."""
    keep = when <= at
    who, when, money = who[keep].astype(np.int64), when[keep].astype(float), money[keep].astype(float)
    order = np.lexsort((when, who))
    who, when, money = who[order], when[order], money[order]
    if len(who) == 0:
        return who, when, money
    starts = np.flatnonzero(np.r_[True, (who[1:] != who[:-1]) | (when[1:] != when[:-1])])
    return who[starts], when[starts], np.add.reduceat(money, starts)


def _gap_figures(row: NDArray[np.intp], when: Array, n: int) -> tuple[Array, Array]:
    """Per customer: the standard deviation of the times between purchases and the last such time (0 without)."""
    same = row[1:] == row[:-1]
    gap, owner = (when[1:] - when[:-1])[same], row[1:][same]
    count = np.bincount(owner, minlength=n)
    total = np.bincount(owner, weights=gap, minlength=n)
    squares = np.bincount(owner, weights=gap * gap, minlength=n)
    mean = np.divide(total, count, out=np.zeros(n), where=count > 0)
    spread = np.sqrt(np.maximum(np.divide(squares, count, out=np.zeros(n), where=count > 0) - mean * mean, 0.0))
    last = np.zeros(n)
    last[owner] = gap
    return spread, last


def _activity_counts(activity: Activity | None, figures: Summary, at: float) -> list[Array]:
    """log(1 + events of each kind after the customer's last purchase and up to `at`)."""
    n = len(figures.customer)
    if activity is None:
        return [np.zeros(n) for _ in ACTIVITY_KINDS]
    who, when, kind = (np.asarray(v) for v in (activity.customer, activity.time, activity.kind))
    if not who.shape == when.shape == kind.shape or who.ndim != 1:
        raise ValueError("need one customer, time and kind per activity event")
    unknown = set(np.unique(kind).tolist()) - set(ACTIVITY_KINDS)
    if unknown:
        raise ValueError(f"unknown activity kinds {sorted(unknown)}; known: {', '.join(ACTIVITY_KINDS)}")
    row = np.searchsorted(figures.customer, who.astype(np.int64))
    known = (row < n) & (figures.customer[np.minimum(row, max(n - 1, 0))] == who) if n else np.zeros(len(who), bool)
    last_purchase = at - figures.since_last
    after = known & (when.astype(float) <= at)
    after[after] &= when[after].astype(float) > last_purchase[row[after]]
    return [np.log1p(np.bincount(row[after & (kind == k)], minlength=n).astype(float)) for k in ACTIVITY_KINDS]
