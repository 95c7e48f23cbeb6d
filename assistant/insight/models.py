"""customer_figure: what the nightly job knows of each customer; insight_state: which run wrote them.

One row per site and customer key (the shop's customer id, or "v:<visitor id>" for an anonymous buyer).
Amounts the shop booked stay integer minor units (revenue_minor); model outputs (values per order,
lifetime values) are expectations, floats in major units of the site's currency. The probabilistic
columns are NULL when the shop's history was too small to fit the models, churn_risk until a churn
model scores the customer. Serving follows insight_state.version, not the figures table.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Column, DateTime, SmallInteger
from sqlmodel import Field, SQLModel

from assistant.timeutil import utcnow


def _when() -> Any:
    return Field(default_factory=utcnow, sa_column=Column(DateTime(timezone=True), nullable=False))


def _score() -> Any:
    return Field(sa_column=Column(SmallInteger, nullable=False))


class CustomerFigure(SQLModel, table=True):
    """One customer's orders, RFM scores and segment, lifetime value both ways, P(alive) and churn risk."""

    __tablename__ = "customer_figure"

    site_id: int = Field(foreign_key="site.id", primary_key=True)
    customer_key: str = Field(primary_key=True, max_length=140)
    customer_id: str | None = Field(default=None, max_length=128)
    orders: int
    revenue_minor: int = Field(sa_column=Column(BigInteger, nullable=False))
    first_order_at: datetime = _when()
    last_order_at: datetime = _when()
    recency_score: int = _score()
    frequency_score: int = _score()
    monetary_score: int = _score()
    segment: str = Field(max_length=40)
    average_order_value: float
    purchase_frequency: float
    """Orders per year over the customer's own time since the first order (the shop formula's frequency)."""
    expected_lifespan: float
    """Years: the shop's expected customer lifespan (1 / yearly churn of its customers)."""
    simple_clv: float
    """average_order_value x purchase_frequency x expected_lifespan."""
    expected_purchases: float | None = None
    """BG/NBD: expected purchases over the run's horizon."""
    p_alive: float | None = None
    expected_spend: float | None = None
    """Gamma-Gamma: expected value of one future order."""
    clv: float | None = None
    """Probabilistic: expected_purchases x expected_spend over the horizon."""
    churn_risk: float | None = None
    computed_at: datetime = _when()


class InsightState(SQLModel, table=True):
    """One row per site: the last nightly run, its version (serving reloads when it moves) and what it fitted."""

    __tablename__ = "insight_state"

    site_id: int = Field(foreign_key="site.id", primary_key=True)
    version: int = Field(default=0, sa_column=Column(BigInteger, nullable=False))
    """Moves on every run (the run's time in microseconds, above the last): serving reloads when it does."""
    computed_at: datetime = _when()
    horizon_days: int = 365
    customers: int = 0
    model: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    """The fitted parameters (BG/NBD r, alpha, a, b; Gamma-Gamma p, q, gamma) and any note on what was not fitted."""
