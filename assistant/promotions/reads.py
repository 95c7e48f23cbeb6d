"""The tracking reads behind a visitor's snapshot, as plain SQL on the session's DBAPI cursor (assistant.rawsql).

Every promotions request reads them; through the ORM, building the statements and the objects cost more
than the reads. Each function says which tracking read it matches (tracking.reads, tracking.identity).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from assistant.catalog.index import ProductView
from assistant.rawsql import RawSQL
from assistant.timeutil import as_utc

_VISITOR_AND_VISIT = (
    "SELECT v.id, v.customer_id, v.session_id, v.sessions, v.last_seen, s.id, s.utm_source, s.utm_medium, "
    "s.utm_campaign, s.referrer, s.device FROM visitor v LEFT JOIN visit_session s ON s.id = v.session_id "
    "WHERE v.site_id = ? AND v.anon_id = ?")


@dataclass(frozen=True)
class Visit:
    """The visit a visitor's row points at."""

    id: int
    utm_source: str
    utm_medium: str
    utm_campaign: str
    referrer: str
    device: str


@dataclass(frozen=True)
class Known:
    """A visitor the site has seen, and the visit its row points at (live or not)."""

    id: int
    anon_id: str
    customer_id: str | None
    session_id: int | None
    sessions: int
    last_seen: datetime
    visit: Visit | None


def known_visitor(sql: RawSQL, site_id: int, anon_id: str) -> Known | None:
    """The visitor `anon_id` with its visit, in one query (tracking.reads.find_visitor and the visit's row)."""
    row = sql.run(_VISITOR_AND_VISIT, (site_id, anon_id)).fetchone()
    if row is None:
        return None
    pk, customer_id, session_id, sessions, last_seen, visit_id, *visit = row
    return Known(pk, anon_id, customer_id, session_id, sessions, stored_time(last_seen),
                 None if visit_id is None else Visit(visit_id, *visit))


def person_ids(sql: RawSQL, site_id: int, visitor: Known) -> tuple[int, ...]:
    """Ids of every visitor row of the same person, the visitor's first (tracking.identity.person_visitor_ids)."""
    if visitor.customer_id is None:
        return (visitor.id,)
    rows = sql.run("SELECT id FROM visitor WHERE site_id = ? AND customer_id = ?", (site_id, visitor.customer_id))
    return (visitor.id, *(i for (i,) in rows.fetchall() if i != visitor.id))


@dataclass(frozen=True)
class Person:
    """What the snapshot reads of a person's rows besides the visitor: four reads, one round trip on PostgreSQL."""

    pages: list[tuple[str | None, str | None]]
    """(page, sku) of the latest page and product views, newest first (tracking.reads.recent_views)."""
    cart: tuple[list[dict[str, Any]], int, str] | None
    """(items, value in minor units, currency) of the most recently changed cart (tracking.reads.current_cart)."""
    quiz: list[tuple[str, Any]]
    """(flow id, answers) of the quiz sessions, oldest change first (tracking.reads.quiz_answers)."""
    surveys: list[tuple[str, str, int, datetime]]
    """(survey id, kind, score, answered at) of the scored answers since the asked time, newest first."""


def read_person(sql: RawSQL, site_id: int, visitor: Known, ids: tuple[int, ...], *, pages: int, since: datetime,
                surveys: int) -> Person:
    """The person's views, cart, quiz answers and survey scores (of every visitor row in `ids`)."""
    if ids == (visitor.id,):
        anon_ids: list[str] = [visitor.anon_id]
    else:
        anon_ids = [a for (a,) in sql.run(f"SELECT anon_id FROM visitor WHERE id IN ({marks(ids)})",  # noqa: S608
                                          ids).fetchall()]
    in_ids = marks(ids)
    views, carts, quizzes, scores = together(sql, [
        (f"SELECT page, sku FROM event WHERE site_id = ? AND visitor_id IN ({in_ids}) "  # noqa: S608
         "AND type IN ('page_view', 'product_view') ORDER BY occurred_at DESC LIMIT ?", (site_id, *ids, pages)),
        (f"SELECT items, value_minor, currency FROM cart WHERE site_id = ? AND visitor_id IN ({in_ids}) "  # noqa: S608
         "ORDER BY updated_at DESC LIMIT 1", (site_id, *ids)),
        (f"SELECT flow_id, answers FROM quiz_session WHERE site_id = ? "  # noqa: S608
         f"AND visitor_id IN ({marks(anon_ids)}) ORDER BY updated_at", (site_id, *anon_ids)),
        (f"SELECT survey_id, kind, score, created_at FROM survey_response WHERE site_id = ? "  # noqa: S608
         f"AND visitor_id IN ({in_ids}) AND kind IS NOT NULL AND score IS NOT NULL AND created_at >= ? "
         "ORDER BY created_at DESC LIMIT ?", (site_id, *ids, sql.time(since), surveys))])
    return Person(pages=[(page, sku) for page, sku in views],
                  cart=(sql.json_value(carts[0][0]), carts[0][1], carts[0][2]) if carts else None,
                  quiz=[(flow, sql.json_value(answers)) for flow, answers in quizzes],
                  surveys=[(survey, kind, score, as_utc(stored_time(at))) for survey, kind, score, at in scores])


def together(sql: RawSQL, statements: list[tuple[str, tuple[Any, ...]]]) -> list[list[Any]]:
    """The rows of each statement: on PostgreSQL sent in one pipeline (one round trip for all), on SQLite (in
    process, no round trip) one after another."""
    if not sql.postgres:
        return [sql.run(statement, params).fetchall() for statement, params in statements]
    connection = sql.cursor.connection
    each = [RawSQL.on(connection.cursor(), postgres=True) for _ in statements]
    with connection.pipeline():
        cursors = [raw.run(statement, params) for raw, (statement, params) in zip(each, statements, strict=True)]
    return [cursor.fetchall() for cursor in cursors]


def products(sql: RawSQL, site_id: int, skus: list[str]) -> list[ProductView]:
    """The site's products of these SKUs, as the catalog index shows them but with their stock count read now."""
    rows = sql.run("SELECT id, sku, title, url, image, currency, price_minor, categories, rating, popularity, "
                   f"in_stock, attributes, stock FROM product WHERE site_id = ? AND sku IN ({marks(skus)})",  # noqa: S608
                   (site_id, *skus)).fetchall()
    return [ProductView(pk, site_id, sku, title, url, image, currency, price_minor, sql.json_value(categories),
                        rating, popularity or 0.0, bool(in_stock), sql.json_value(attributes), stock)
            for pk, sku, title, url, image, currency, price_minor, categories, rating, popularity, in_stock,
            attributes, stock in rows]


def stored_time(value: datetime | str) -> datetime:
    """A DateTime column as the driver hands it back (SQLite: the text SQLAlchemy and rawsql write, in UTC)."""
    return datetime.fromisoformat(value) if isinstance(value, str) else value


def marks(values: tuple[Any, ...] | list[Any]) -> str:
    """One `?` placeholder per value, comma-separated (for `IN (...)`)."""
    return ", ".join("?" * len(values))
