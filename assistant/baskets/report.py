"""The admin's figures of abandoned baskets: counts by status, recovery with and without reminders, revenue by week.

Every figure is one SQL GROUP BY over the site's baskets (a handful of rows back), never the rows themselves;
lists are read a page at a time. Counts and rates cover the baskets *opened* in the range; revenue by week
covers the recoveries *made* in the range, by the Monday (UTC) of their week.

A basket's status is one SQL CASE, first match wins: recovered, unsubscribed, failed (a dead message), clicked,
holdout, sent (a step done), waiting (open, no step yet), closed (closed before any reminder).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, case, func
from sqlalchemy import select as sa_select
from sqlmodel import Session, col

from assistant.analytics.stats import newcombe_interval
from assistant.baskets.models import Basket, BasketMessage
from assistant.intervals import wilson_interval
from assistant.report_window import Page, Window

STATUSES = ("waiting", "holdout", "sent", "clicked", "recovered", "unsubscribed", "failed", "closed")


@dataclass(frozen=True)
class Rate:
    """count / n with its 95 % Wilson interval (all None when n is 0)."""

    count: int
    n: int
    value: float | None
    low: float | None
    high: float | None

    @classmethod
    def of(cls, count: int, n: int) -> Rate:
        """The share `count` of `n` and its interval."""
        if n == 0:
            return cls(count, n, None, None, None)
        low, high = wilson_interval(count, n)
        return cls(count, n, count / n, low, high)


@dataclass(frozen=True)
class Group:
    """Reminded or holdout baskets that reached their first step, and what became of them."""

    name: str
    baskets: int
    recovered: Rate
    after_click: Rate
    revenue_minor: int


@dataclass(frozen=True)
class Recovery:
    """The two groups and the lift: the reminded group's recovery rate minus the holdout's (Newcombe interval)."""

    reminded: Group
    holdout: Group
    lift: float | None
    lift_low: float | None
    lift_high: float | None


def dead_baskets(site_id: int) -> Any:
    """The site's baskets with a dead message, as a subquery to outer-join: a few rows, by the site-status index
    (a correlated EXISTS per basket took PostgreSQL 4 s over 100,000 baskets)."""
    return (sa_select(col(BasketMessage.basket_id).label("basket_id"))
            .where(col(BasketMessage.site_id) == site_id, col(BasketMessage.status) == "dead")
            .group_by(col(BasketMessage.basket_id)).subquery("dead"))


def status_of_row(dead: Any) -> ColumnElement[str]:
    """The status of each basket row as SQL (the order of the module docstring), `dead` outer-joined."""
    return case((col(Basket.recovered_at).is_not(None), "recovered"),
                (col(Basket.closed_reason) == "unsubscribed", "unsubscribed"),
                (dead.c.basket_id.is_not(None), "failed"),
                (col(Basket.clicked_at).is_not(None), "clicked"),
                (col(Basket.holdout).is_(True), "holdout"),
                (col(Basket.step) > 0, "sent"),
                (col(Basket.closed_at).is_(None), "waiting"),
                else_="closed")


def _where(site_id: int, window: Window, at: Any = None) -> list[ColumnElement[bool]]:
    column = col(Basket.opened_at) if at is None else at
    conditions = [col(Basket.site_id) == site_id]
    if window.start is not None:
        conditions.append(column >= window.start)
    if window.end is not None:
        conditions.append(column < window.end)
    return conditions


def status_counts(*, session: Session, site_id: int, window: Window) -> dict[str, int]:
    """Baskets opened in the window by status (every status named, zeros included)."""
    dead = dead_baskets(site_id)
    status = status_of_row(dead).label("status")
    query = (sa_select(status, func.count()).select_from(_with_dead(dead)).where(*_where(site_id, window))
             .group_by(status))
    counts = dict.fromkeys(STATUSES, 0)
    counts.update({str(s): int(n) for s, n in session.execute(query)})
    return counts


def _with_dead(dead: Any) -> Any:
    return Basket.__table__.outerjoin(dead, dead.c.basket_id == col(Basket.id))  # type: ignore[attr-defined]


def _flag(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return func.sum(case((condition, 1), else_=0))


def recovery(*, session: Session, site_id: int, window: Window) -> Recovery:
    """Recovery of reminded and holdout baskets that reached their first step (first_reminder_at set)."""
    recovered = col(Basket.recovered_at).is_not(None)
    clicked = col(Basket.clicked_at)
    clicked_first = recovered & clicked.is_not(None) & (clicked <= col(Basket.recovered_at))
    query = (sa_select(col(Basket.holdout), func.count(), _flag(recovered), _flag(clicked_first),
                       func.coalesce(func.sum(col(Basket.recovered_value_minor)), 0))
             .where(*_where(site_id, window), col(Basket.first_reminder_at).is_not(None))
             .group_by(col(Basket.holdout)))
    found = {bool(h): (int(n), int(r or 0), int(c or 0), int(v or 0)) for h, n, r, c, v in session.execute(query)}
    groups = {h: _group("holdout" if h else "reminded", *found.get(h, (0, 0, 0, 0))) for h in (False, True)}
    reminded, holdout = groups[False], groups[True]
    if reminded.baskets == 0 or holdout.baskets == 0:
        return Recovery(reminded, holdout, None, None, None)
    x1, n1, x2, n2 = reminded.recovered.count, reminded.baskets, holdout.recovered.count, holdout.baskets
    low, high = newcombe_interval(x1, n1, x2, n2)
    return Recovery(reminded, holdout, x1 / n1 - x2 / n2, low, high)


def _group(name: str, n: int, recovered: int, after_click: int, revenue: int) -> Group:
    return Group(name, n, Rate.of(recovered, n), Rate.of(after_click, n), revenue)


def week_of(session: Session, column: Any) -> ColumnElement[Any]:
    """The Monday (YYYY-MM-DD, UTC) of `column`'s week, in the session's SQL dialect."""
    if session.get_bind().dialect.name == "postgresql":
        return func.to_char(func.date_trunc("week", func.timezone("UTC", column)), "YYYY-MM-DD")
    return func.date(column, "-6 days", "weekday 1")


def revenue_by_week(*, session: Session, site_id: int, window: Window) -> list[dict[str, Any]]:
    """Per week of recovery in the window: recovered baskets and revenue, reminded and holdout apart."""
    at = col(Basket.recovered_at)
    week = week_of(session, at).label("week")
    holdout = col(Basket.holdout).is_(True)
    value = func.coalesce(col(Basket.recovered_value_minor), 0)
    query = (sa_select(week, _flag(~holdout), _flag(holdout),
                       func.sum(case((~holdout, value), else_=0)), func.sum(case((holdout, value), else_=0)))
             .where(*_where(site_id, window, at), at.is_not(None)).group_by(week).order_by(week))
    return [{"week": str(w), "reminded": int(a or 0), "holdout": int(b or 0), "reminded_revenue_minor": int(c or 0),
             "holdout_revenue_minor": int(d or 0)} for w, a, b, c, d in session.execute(query)]


def status_of_basket(*, session: Session, basket: Basket) -> str:
    """One basket's status, by the same SQL as the list."""
    dead = dead_baskets(basket.site_id)
    query = sa_select(status_of_row(dead)).select_from(_with_dead(dead)).where(col(Basket.id) == basket.id)
    return str(session.execute(query).scalar_one())


def _listing(site_id: int, window: Window, status: str | None) -> Any:
    dead = dead_baskets(site_id)
    state = status_of_row(dead)
    query = sa_select(col(Basket.id), col(Basket.customer_id), col(Basket.email), col(Basket.items),
                      col(Basket.value_minor), col(Basket.currency), col(Basket.step), col(Basket.holdout),
                      col(Basket.opened_at), col(Basket.closed_at), col(Basket.closed_reason),
                      col(Basket.recovered_value_minor), state.label("status")).select_from(_with_dead(dead))
    query = query.where(*_where(site_id, window))
    return query.where(state == status) if status else query


def _newest(query: Any) -> Any:
    return query.order_by(col(Basket.opened_at).desc(), col(Basket.id).desc())


def basket_page(*, session: Session, site_id: int, window: Window, status: str | None = None, number: int = 1,
                size: int = 25) -> Page:
    """One page of the window's baskets, newest first, with status, items count and last reminder."""
    query = _listing(site_id, window, status)
    total = int(session.execute(sa_select(func.count()).select_from(query.subquery())).scalar_one())
    rows = [_row(r._mapping) for r in session.execute(_newest(query).limit(size).offset((number - 1) * size))]
    last = last_reminders(session=session, basket_ids=[r["id"] for r in rows])
    for row in rows:
        row["last_reminder_at"] = last.get(row["id"])
    return Page(rows, total, number, size)


def last_reminders(*, session: Session, basket_ids: list[int]) -> dict[int, datetime]:
    """When each of these baskets' last message was sent (the baskets without one left out)."""
    if not basket_ids:
        return {}
    query = (sa_select(col(BasketMessage.basket_id), func.max(col(BasketMessage.sent_at)))
             .where(col(BasketMessage.basket_id).in_(basket_ids), col(BasketMessage.sent_at).is_not(None))
             .group_by(col(BasketMessage.basket_id)))
    return {int(b): at for b, at in session.execute(query)}


def _row(mapping: Any) -> dict[str, Any]:
    row = dict(mapping)
    items = row.pop("items") or []
    row["lines"] = len(items)
    row["quantity"] = sum(int(i.get("quantity") or 0) for i in items if isinstance(i, dict))
    return row


def export_rows(*, session: Session, site_id: int, window: Window, status: str | None = None
                ) -> Iterator[dict[str, Any]]:
    """Every basket of the window (newest first) as CSV rows, read in batches with their last reminder."""
    last = (sa_select(col(BasketMessage.basket_id).label("basket_id"),
                      func.max(col(BasketMessage.sent_at)).label("at"))
            .where(col(BasketMessage.site_id) == site_id).group_by(col(BasketMessage.basket_id)).subquery("last"))
    query = _listing(site_id, window, status).add_columns(last.c.at.label("last_reminder_at"))
    query = query.outerjoin(last, last.c.basket_id == col(Basket.id))
    for row in session.execute(_newest(query).execution_options(yield_per=1000)):
        yield _row(row._mapping)


EXPORT_COLUMNS = ("id", "customer_id", "status", "value_minor", "currency", "lines", "quantity", "step", "holdout",
                  "opened_at", "last_reminder_at", "closed_at", "closed_reason", "recovered_value_minor")


def dead_letters(*, session: Session, site_id: int, limit: int = 50) -> list[BasketMessage]:
    """The site's dead messages, newest first."""
    query = (sa_select(BasketMessage).where(col(BasketMessage.site_id) == site_id, col(BasketMessage.status) == "dead")
             .order_by(col(BasketMessage.id).desc()).limit(limit))
    return list(session.execute(query).scalars())


def dead_count(*, session: Session, site_id: int) -> int:
    """How many of the site's messages are dead."""
    query = sa_select(func.count()).where(col(BasketMessage.site_id) == site_id, col(BasketMessage.status) == "dead")
    return int(session.execute(query).scalar_one())


def messages_of(*, session: Session, basket_id: int) -> list[BasketMessage]:
    """One basket's messages, by step."""
    query = (sa_select(BasketMessage).where(col(BasketMessage.basket_id) == basket_id)
             .order_by(col(BasketMessage.step), col(BasketMessage.id)))
    return list(session.execute(query).scalars())

