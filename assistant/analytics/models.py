"""The earnings aggregates: what the dashboard reads, one row per site, UTC day and what it counts.

Written by analytics.aggregates (the nightly `assistant train`, for the last days again each run) so
the dashboard sums a few hundred rows instead of a million events. Amounts are minor units of the
site's currency; `*_sq` columns are sums of squares (floats: they outgrow 64-bit integers) for the
variances behind the confidence intervals.

The unit of the exposed-vs-control comparison is a **visitor-day**: a browser active on a day counts
once that day (again on another day), with that day's orders and revenue.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import BigInteger, Column, Date, DateTime, Float
from sqlmodel import Field, SQLModel

from assistant.timeutil import utcnow


def _day() -> Any:
    return Field(sa_column=Column(Date, primary_key=True, nullable=False))


def _money() -> Any:
    return Field(default=0, sa_column=Column(BigInteger, nullable=False, server_default="0"))


def _square() -> Any:
    return Field(default=0.0, sa_column=Column(Float, nullable=False, server_default="0"))


class EarningsGroupDay(SQLModel, table=True):
    """Exposed (in_control false) or control visitor-days of one day and customer segment, their orders, revenue."""

    __tablename__ = "earnings_group_day"

    site_id: int = Field(foreign_key="site.id", primary_key=True)
    day: date = _day()
    in_control: bool = Field(primary_key=True)
    segment: str = Field(default="", primary_key=True, max_length=40)
    """The customer's segment from the last nightly figures; '' for visitors without one."""
    visitors: int = 0
    buyers: int = 0
    orders: int = 0
    revenue_minor: int = _money()
    revenue_sq: float = _square()
    """Sum over visitor-days of (that day's revenue)^2."""
    order_sq: float = _square()
    """Sum over orders of (order value)^2, for the average order value's interval."""
    attributed_minor: int = _money()
    view_through_minor: int = _money()


class EarningsQuizDay(SQLModel, table=True):
    """A flow's funnel on one day: quizzes that reached a stage (one row per question for 'answered')."""

    __tablename__ = "earnings_quiz_day"

    site_id: int = Field(foreign_key="site.id", primary_key=True)
    day: date = _day()
    flow_id: str = Field(primary_key=True, max_length=64)
    stage: str = Field(primary_key=True, max_length=16)
    """started, answered, results, clicked, added, bought."""
    question: str = Field(default="", primary_key=True, max_length=64)
    quizzes: int = 0
    revenue_minor: int = _money()


class EarningsPathDay(SQLModel, table=True):
    """Quizzes of one flow that finished with one answer path on one day, and how many found nothing."""

    __tablename__ = "earnings_path_day"

    site_id: int = Field(foreign_key="site.id", primary_key=True)
    day: date = _day()
    flow_id: str = Field(primary_key=True, max_length=64)
    path: str = Field(primary_key=True, max_length=400)
    """The answers as 'question=value' joined by ' › ' (cut at 400 characters)."""
    finished: int = 0
    zero_results: int = 0
    relaxed: int = 0


class EarningsStripDay(SQLModel, table=True):
    """Recommendation strips of one placement and strategy on one day."""

    __tablename__ = "earnings_strip_day"

    site_id: int = Field(foreign_key="site.id", primary_key=True)
    day: date = _day()
    placement: str = Field(primary_key=True, max_length=32)
    strategy: str = Field(default="", primary_key=True, max_length=64)
    impressions: int = 0
    clicks: int = 0
    adds: int = 0
    orders: int = 0
    revenue_minor: int = _money()
    view_through_minor: int = _money()


class EarningsPromoDay(SQLModel, table=True):
    """One campaign's variant on one day: seen, clicked, dismissed, and the orders it earned."""

    __tablename__ = "earnings_promo_day"

    site_id: int = Field(foreign_key="site.id", primary_key=True)
    day: date = _day()
    campaign: str = Field(primary_key=True, max_length=64)
    variant: str = Field(default="", primary_key=True, max_length=64)
    impressions: int = 0
    clicks: int = 0
    dismisses: int = 0
    orders: int = 0
    revenue_minor: int = _money()


class EarningsSurveyDay(SQLModel, table=True):
    """One survey's scored responses on one day: count, score sum, and the low and high groups (surveys.scales)."""

    __tablename__ = "earnings_survey_day"

    site_id: int = Field(foreign_key="site.id", primary_key=True)
    day: date = _day()
    survey_id: str = Field(primary_key=True, max_length=64)
    kind: str = Field(primary_key=True, max_length=8)
    responses: int = 0
    score_sum: int = 0
    low: int = 0
    high: int = 0


class EarningsState(SQLModel, table=True):
    """When the aggregates of a site were last computed, and over which days."""

    __tablename__ = "earnings_state"

    site_id: int = Field(foreign_key="site.id", primary_key=True)
    computed_at: datetime = Field(default_factory=utcnow, sa_column=Column(DateTime(timezone=True), nullable=False))
    first_day: date = Field(sa_column=Column(Date, nullable=False))
    last_day: date = Field(sa_column=Column(Date, nullable=False))
    version: int = 0
