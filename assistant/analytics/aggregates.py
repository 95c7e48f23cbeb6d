"""The nightly earnings aggregates of one site: the last days' events summed into the analytics.models tables.

Each run replaces the rows of the last `days` UTC days (idempotent: a second run writes the same rows),
in the caller's transaction. The counting is set-based: one GROUP BY per table over the event table's
(site, type, time) index, returning a few rows per day (aggregate_rows). Only attribution reads events
one by one, and only the few it needs: the clicks, views, adds to cart and counted purchases of the
people who added to cart or bought in those days (aggregate_credit; analytics.attribution holds the rules).

Which purchases count follows tracking.purchases (aggregate_sql): the browsers' claims without conflicts
(an order id claimed by two visitors counts for nobody), or, when the shop's server sends its orders,
the claims of those orders at the value the shop stated. A person is the shop's customer id when the
browser identified, else the browser; their control group is the browser's (visitor.in_control, which
Part A keeps equal across a customer's devices).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import delete, insert
from sqlmodel import Session, SQLModel

from assistant.analytics.aggregate_credit import credit_window
from assistant.analytics.aggregate_rows import (
    answer_path,
    group_rows,
    path_rows,
    promo_rows,
    quiz_rows,
    strip_rows,
    survey_rows,
)
from assistant.analytics.aggregate_sql import AggregateSql
from assistant.analytics.models import (
    EarningsGroupDay,
    EarningsPathDay,
    EarningsPromoDay,
    EarningsQuizDay,
    EarningsState,
    EarningsStripDay,
    EarningsSurveyDay,
)
from assistant.analytics.path_outcomes import Judge
from assistant.rawsql import RawSQL
from assistant.sites.models import Site

__all__ = ["DAYS", "TABLES", "EarningsReport", "answer_path", "compute_earnings"]

DAYS = 3
"""Days recomputed by a nightly run: today, yesterday (late events), the day before (clients' clocks)."""
TABLES: tuple[type[SQLModel], ...] = (EarningsGroupDay, EarningsQuizDay, EarningsPathDay, EarningsStripDay,
                                      EarningsPromoDay, EarningsSurveyDay)


@dataclass
class EarningsReport:
    """What one run wrote for one site, for the `assistant train` line."""

    site: str
    first_day: date
    last_day: date
    rows: dict[str, int] = field(default_factory=dict)
    credited_orders: int = 0
    seconds: float = 0.0

    def line(self) -> str:
        """One line: the days, rows per table, attributed orders and the time taken."""
        rows = ", ".join(f"{name} {n}" for name, n in self.rows.items())
        return (f"{self.site}: earnings {self.first_day}..{self.last_day}: {rows}; "
                f"{self.credited_orders} orders with attributed lines ({self.seconds:.1f} s)")


def compute_earnings(*, session: Session, site: Site, now: datetime, days: int = DAYS,
                     judge: Judge | None = None) -> EarningsReport:
    """Recompute the aggregates of `site` for the `days` UTC days up to `now`'s; the caller commits.

    `judge` (analytics.path_outcomes) tells which answer paths find no match or relax an answer; without one,
    a path found nothing when the quiz showed no product, and none counts as relaxed.
    """
    started = time.perf_counter()
    last = now.astimezone(UTC).date()
    first = last - timedelta(days=max(days, 1) - 1)
    start = datetime(first.year, first.month, first.day, tzinfo=UTC)
    end = datetime(last.year, last.month, last.day, tzinfo=UTC) + timedelta(days=1)
    raw = RawSQL(session)
    q = AggregateSql(raw, site, start, end)
    credit = credit_window(q)
    rows = {
        EarningsGroupDay: group_rows(q, credit),
        EarningsQuizDay: quiz_rows(q, credit),
        EarningsPathDay: path_rows(q, judge),
        EarningsStripDay: strip_rows(q, credit),
        EarningsPromoDay: promo_rows(q, credit),
        EarningsSurveyDay: survey_rows(q),
    }
    for model in TABLES:
        table = model.__table__  # type: ignore[attr-defined]
        session.execute(delete(table).where(table.c.site_id == site.pk, table.c.day >= first, table.c.day <= last))
        if rows[model]:
            session.execute(insert(table), [{"site_id": site.pk, **row} for row in rows[model]])
    _stamp(session, site, first, last, now)
    report = EarningsReport(site.key, first, last, {m.__tablename__: len(rows[m]) for m in TABLES},  # type: ignore[misc]
                            len(credit.orders))
    report.seconds = time.perf_counter() - started
    return report


def _stamp(session: Session, site: Site, first: date, last: date, now: datetime) -> None:
    state = session.get(EarningsState, site.pk)
    if state is None:
        state = EarningsState(site_id=site.pk, computed_at=now, first_day=first, last_day=last, version=0)
    state.first_day = min(first, state.first_day)
    state.last_day = max(last, state.last_day)
    state.computed_at, state.version = now, state.version + 1
    session.add(state)
    session.flush()
