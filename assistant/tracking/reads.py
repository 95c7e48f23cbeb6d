"""Reading behaviour back: a visitor's views, cart, purchases and quiz answers; per-product counts."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, func, select

from assistant.flows.models import QuizSession
from assistant.sites.models import Site
from assistant.tracking.identity import person_visitor_ids
from assistant.tracking.models import Cart, Event, Visitor


def find_visitor(*, session: Session, site: Site, anon_id: str) -> Visitor | None:
    """The visitor `anon_id` of `site`, if it has sent anything."""
    query = select(Visitor).where(Visitor.site_id == site.id, Visitor.anon_id == anon_id)
    return session.exec(query).first()


def recent_views(*, session: Session, site: Site, visitor: Visitor, limit: int = 20) -> list[str]:
    """SKUs the person viewed, most recent first, each once (across their identified devices)."""
    ids = person_visitor_ids(session=session, visitor=visitor)
    query = (select(Event.sku).where(Event.site_id == site.id, col(Event.visitor_id).in_(ids),
                                     Event.type == "product_view")
             .order_by(col(Event.occurred_at).desc()).limit(limit * 5))
    return list(dict.fromkeys(s for s in session.exec(query) if s))[:limit]


def current_cart(*, session: Session, site: Site, visitor: Visitor) -> Cart | None:
    """The person's most recently changed cart."""
    ids = person_visitor_ids(session=session, visitor=visitor)
    query = (select(Cart).where(Cart.site_id == site.id, col(Cart.visitor_id).in_(ids))
             .order_by(col(Cart.updated_at).desc()))
    return session.exec(query).first()


def purchases(*, session: Session, site: Site, visitor: Visitor, limit: int = 50) -> list[Event]:
    """The person's purchase events, newest first."""
    ids = person_visitor_ids(session=session, visitor=visitor)
    query = (select(Event).where(Event.site_id == site.id, col(Event.visitor_id).in_(ids), Event.type == "purchase")
             .order_by(col(Event.occurred_at).desc()).limit(limit))
    return list(session.exec(query))


def quiz_answers(*, session: Session, site: Site, visitor: Visitor) -> dict[str, list[Any]]:
    """The latest answers per flow the person gave, as stored by their quiz sessions; the flow answered last, last."""
    ids = person_visitor_ids(session=session, visitor=visitor)
    anon_ids = list(session.exec(select(Visitor.anon_id).where(col(Visitor.id).in_(ids))))
    query = (select(QuizSession).where(QuizSession.site_id == site.id, col(QuizSession.visitor_id).in_(anon_ids))
             .order_by(col(QuizSession.updated_at)))
    latest: dict[str, list[Any]] = {}
    for quiz in session.exec(query):
        if quiz.answers:
            latest.pop(quiz.flow_id, None)  # to the end: the dict's order is the order of the last answers
            latest[quiz.flow_id] = quiz.answers
    return latest


@dataclass
class ProductCounts:
    """Views, add-to-carts and units purchased per SKU over a window."""

    views: Counter[str] = field(default_factory=Counter)
    carts: Counter[str] = field(default_factory=Counter)
    purchases: Counter[str] = field(default_factory=Counter)


def product_counts(*, session: Session, site: Site, since: datetime) -> ProductCounts:
    """Per-product counts of events since `since` (an index range scan, for offline jobs)."""
    counts = ProductCounts()
    grouped = (select(Event.type, Event.sku, func.count())
               .where(Event.site_id == site.id, col(Event.type).in_(["product_view", "add_to_cart"]),
                      Event.occurred_at >= since)
               .group_by(col(Event.type), col(Event.sku)))
    for kind, sku, n in session.exec(grouped):
        if sku:
            (counts.views if kind == "product_view" else counts.carts)[sku] += n
    orders = select(Event.data).where(Event.site_id == site.id, Event.type == "purchase", Event.occurred_at >= since)
    for data in session.exec(orders):
        for line in data.get("items", []):
            counts.purchases[line["sku"]] += line.get("quantity", 1)
    return counts
