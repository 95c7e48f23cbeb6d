"""Why one customer's churn risk is what it is: each feature's pull on the log-odds, from the stored model.

The nightly job stores the logistic churn model's numbers in insight_state.model["churn"] (churn.
logistic_parameters). A customer's page recomputes that customer's features with features.py at the
run's `end`, from their own orders and activity alone (indexed reads by their ids, not the site's tables),
and splits the risk: logit(risk) = intercept + sum of coefficient x standardised value. No calibration
follows the logistic model, so the sum gives the stored probability itself, not an approximation of it.
NumPy only: scikit-learn stays in the nightly job.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import numpy as np
from sqlmodel import Session

from assistant.sites.models import Site

from .activity import load_person_activity_rows
from .features import FEATURES, Activity, churn_features
from .transactions import SECONDS_PER_DAY, load_person_transactions

LABELS: dict[str, tuple[str, str]] = {
    "days_since_last": ("Days since the last order", "days"),
    "orders": ("Orders", "count"),
    "revenue": ("Revenue", "money"),
    "order_value": ("Average order", "money"),
    "tenure": ("Days since the first order", "days"),
    "one_order": ("Only one order", "flag"),
    "mean_gap": ("Usual days between orders", "days"),
    "gap_spread": ("Spread of the days between orders", "days"),
    "last_gap": ("Days between the last two orders", "days"),
    "overdue": ("Days since the last order, against the usual gap", "ratio"),
    "recent_orders": ("Orders in the last 90 days", "count"),
    "recent_order_share": ("Share of orders in the last 90 days", "share"),
    "recent_revenue_share": ("Share of revenue in the last 90 days", "share"),
    "last_order_value": ("Last order, against the average order", "ratio"),
    "views_since_order": ("Product views since the last order", "count"),
    "add_to_carts_since_order": ("Add-to-carts since the last order", "count"),
    "carts_left_since_order": ("Carts left since the last order", "count"),
    "quiz_answers_since_order": ("Quiz answers since the last order", "count"),
    "visits_since_order": ("Visits since the last order", "count"),
    "surveys_since_order": ("Survey answers since the last order", "count"),
}
"""What a feature is called on the page, and how its value (features.py's log or share) is shown."""


@dataclass(frozen=True)
class ChurnModel:
    """The stored logistic churn model: risk = sigmoid(intercept + sum(coef x (x - mean) / scale))."""

    features: tuple[str, ...]
    mean: np.ndarray
    scale: np.ndarray
    coef: np.ndarray
    intercept: float
    end: float
    """Days since the epoch: when the run scored the customers."""
    horizon: float

    @classmethod
    def from_state(cls, model: dict[str, Any]) -> ChurnModel | None:
        """The churn model of an insight_state.model, or None when the run fitted none (or stored another shape)."""
        churn = model.get("churn") if isinstance(model, dict) else None
        if not isinstance(churn, dict):
            return None
        try:
            mean, scale, coef = (np.asarray(churn[name], dtype=float) for name in ("mean", "scale", "coef"))
            found = cls(tuple(churn["features"]), mean, scale, coef, float(churn["intercept"]), float(churn["end"]),
                        float(churn["horizon"]))
        except (KeyError, TypeError, ValueError):
            return None
        shapes_agree = all(a.shape == (len(FEATURES),) for a in (mean, scale, coef))
        return found if found.features == FEATURES and shapes_agree else None

    @property
    def scored_at(self) -> datetime:
        """When the customers were scored."""
        return datetime.fromtimestamp(self.end * SECONDS_PER_DAY, tz=UTC)


@dataclass(frozen=True)
class Driver:
    """One feature's pull on a customer's churn log-odds, and its value in words."""

    feature: str
    label: str
    contribution: float
    value: str

    @property
    def direction(self) -> str:
        """'raises risk' or 'lowers risk'."""
        return "raises risk" if self.contribution > 0 else "lowers risk"


@dataclass(frozen=True)
class Explanation:
    """A customer's churn risk split into the model's intercept and each feature's pull, largest first."""

    drivers: list[Driver]
    intercept: float

    @property
    def logit(self) -> float:
        """intercept + every pull: the log-odds of the risk."""
        return self.intercept + sum(d.contribution for d in self.drivers)

    @property
    def risk(self) -> float:
        """The probability the pulls add up to (the stored churn risk)."""
        return 1.0 / (1.0 + math.exp(-self.logit))


def explain(model: ChurnModel, row: np.ndarray) -> Explanation:
    """Split one customer's FEATURES row (features.py's values) into per-feature pulls, largest first."""
    pull = model.coef * (np.asarray(row, dtype=float) - model.mean) / model.scale
    drivers = [Driver(name, LABELS[name][0], float(pull[i]), shown(name, float(row[i])))
               for i, name in enumerate(model.features)]
    return Explanation(sorted(drivers, key=lambda d: -abs(d.contribution)), model.intercept)


def customer_churn(*, session: Session, site: Site, key: str, visitor_ids: list[int],
                   model: ChurnModel) -> Explanation | None:
    """The churn risk of customer `key` explained as at the run's `end`; None when they had no order by then."""
    until = model.scored_at
    orders = load_person_transactions(session=session, site=site, key=key, visitor_ids=visitor_ids, until=until)
    if len(orders) == 0:
        return None
    rows = load_person_activity_rows(session=session, site=site, visitor_ids=visitor_ids, until=until)
    activity = Activity(customer=rows.customer, time=rows.time / SECONDS_PER_DAY, kind=rows.kind)
    features = churn_features(customer=orders.customer, time=orders.days(), amount=orders.amount, at=model.end,
                              activity=activity)
    return explain(model, features.matrix[0]) if len(features.matrix) else None


def shown(feature: str, value: float) -> str:
    """A feature's value as a person reads it: days, counts and money undone from their logs, shares in %."""
    kind = LABELS[feature][1]
    if kind == "flag":
        return "yes" if value >= 0.5 else "no"
    if kind == "share":
        return f"{100 * value:.0f} %"
    if kind == "ratio":
        return f"× {math.exp(value):.2f}"
    number = math.expm1(value)
    return f"{number:,.2f}" if kind == "money" else f"{number:,.0f}"
