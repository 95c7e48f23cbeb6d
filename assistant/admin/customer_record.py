"""One customer as the admin shows them: figures, visitors, e-mail, a paged timeline, quiz answers, activity.

A customer key is the shop's customer id, or "v:<visitor id>" for an anonymous buyer (insight's keys). The
timeline is one UNION ALL of the person's events and verified orders, newest first, read a page at a time;
everything else is one indexed statement each, so a customer with 100,000 events costs no more than one with ten.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, literal, null, or_, union_all
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, func, select

from assistant.flows.models import QuizSession
from assistant.insight.models import CustomerFigure
from assistant.insight.overview import Page
from assistant.sites.models import Site
from assistant.tracking.models import Cart, Customer, Event, ShopOrder, Visitor, VisitSession

VISITOR_KEY = re.compile(r"v:([0-9]{1,18})")
ACTIVITY = {"product_view": "product views", "add_to_cart": "add-to-carts", "quiz_answer": "quiz answers",
            "page_view": "page views", "search": "searches"}


@dataclass(frozen=True)
class Person:
    """Who a key names: the figure row (None before a run scored them), their customer id, visitors and anon ids."""

    key: str
    figure: CustomerFigure | None
    customer_id: str | None
    visitor_ids: list[int]
    anon_ids: list[str]
    traits: dict[str, Any]


def find_person(*, session: Session, site: Site, key: str) -> Person | None:
    """The person `key` names on `site`, or None when neither figures nor visitors are held for it."""
    figure = session.get(CustomerFigure, (site.pk, key))
    match = VISITOR_KEY.fullmatch(key)
    customer_id = None if match else key
    query = select(Visitor.id, Visitor.anon_id).where(Visitor.site_id == site.pk)
    query = query.where(Visitor.id == int(match.group(1))) if match else query.where(Visitor.customer_id == key)
    visitors = session.exec(query).all()
    customer = session.get(Customer, (site.pk, customer_id)) if customer_id else None
    if figure is None and not visitors and customer is None:
        return None
    traits = customer.traits if customer is not None and isinstance(customer.traits, dict) else {}
    return Person(key=key, figure=figure, customer_id=customer_id, visitor_ids=[int(v or 0) for v, _ in visitors],
                  anon_ids=[a for _, a in visitors], traits=traits)


def timeline(*, session: Session, site: Site, person: Person, number: int, size: int) -> Page:
    """The person's events (views, carts, purchases, quiz answers, ...) and verified orders, one page, newest first."""
    events: Any = sa_select(col(Event.type).label("kind"), col(Event.occurred_at).label("at"),
                            col(Event.sku).label("sku"), col(Event.ref).label("ref"),
                            col(Event.value_minor).label("value_minor"), col(Event.currency).label("currency"),
                            col(Event.page).label("page")) \
        .where(col(Event.site_id) == site.pk, col(Event.visitor_id).in_(person.visitor_ids or [-1]))
    mine: list[ColumnElement[bool]] = [col(ShopOrder.visitor_id).in_(person.visitor_ids or [-1])]
    if person.customer_id:
        mine.append(col(ShopOrder.customer_id) == person.customer_id)
    orders: Any = sa_select(literal("order").label("kind"), col(ShopOrder.ordered_at).label("at"), null().label("sku"),
                    col(ShopOrder.order_id).label("ref"), col(ShopOrder.value_minor).label("value_minor"),
                    col(ShopOrder.currency).label("currency"), literal("").label("page")) \
        .where(col(ShopOrder.site_id) == site.pk, or_(*mine))
    both = union_all(events, orders).subquery()
    total = int(session.exec(select(func.count()).select_from(both)).one())
    number = max(1, min(number, max(1, math.ceil(total / size))))
    rows = session.execute(sa_select(both).order_by(both.c.at.desc(), both.c.kind)
                           .offset((number - 1) * size).limit(size)).mappings().all()
    return Page(rows=[{**r, "at": _time(r["at"])} for r in rows], total=total, number=number, size=size)


def quiz_answers(*, session: Session, site: Site, person: Person, limit: int = 20) -> list[dict[str, Any]]:
    """The person's latest quiz sessions with their answers as (question, answer) pairs, newest first."""
    if not person.anon_ids:
        return []
    rows = session.exec(select(QuizSession).where(QuizSession.site_id == site.pk,
                                                  col(QuizSession.visitor_id).in_(person.anon_ids))
                        .order_by(col(QuizSession.updated_at).desc()).limit(limit)).all()
    return [{"flow": q.flow_id, "at": q.updated_at, "finished": q.finished,
             "answers": [(str(a[0]), _answer(a[1])) for a in q.answers if isinstance(a, list) and len(a) == 2]}
            for q in rows]


def activity_since(*, session: Session, site: Site, person: Person, since: datetime | None) -> dict[str, int]:
    """How many views, add-to-carts, quiz answers, ... the person did after `since` (their last order)."""
    if not person.visitor_ids:
        return {}
    query = select(Event.type, func.count()).where(Event.site_id == site.pk,
                                                   col(Event.visitor_id).in_(person.visitor_ids),
                                                   col(Event.type).in_(list(ACTIVITY)))
    if since is not None:
        query = query.where(Event.occurred_at > since)
    found = dict(session.exec(query.group_by(col(Event.type))).all())
    return {label: int(found.get(kind, 0)) for kind, label in ACTIVITY.items()}


def visits_and_carts_left(*, session: Session, site: Site, person: Person) -> dict[str, int]:
    """How many visits the person made and how many of their carts hold items not bought since (carts left)."""
    if not person.visitor_ids:
        return {"visits": 0, "carts left": 0}
    visits = session.exec(select(func.count()).select_from(VisitSession).where(
        VisitSession.site_id == site.pk, col(VisitSession.visitor_id).in_(person.visitor_ids))).one()
    left = session.exec(select(func.count()).select_from(Cart).where(
        Cart.site_id == site.pk, col(Cart.visitor_id).in_(person.visitor_ids),
        func.json_array_length(Cart.items) > 0,
        or_(col(Cart.purchased_at).is_(None), col(Cart.updated_at) > col(Cart.purchased_at)))).one()
    return {"visits": int(visits), "carts left": int(left)}


def _time(value: Any) -> datetime:
    """A UNION's timestamp: SQLite hands it back as text (the column type is lost), PostgreSQL as a datetime."""
    return datetime.fromisoformat(value) if isinstance(value, str) else value


def _answer(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)
