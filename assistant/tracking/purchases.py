"""Which purchases count: verified orders when the shop sends them, else browser claims without conflicts.

A purchase event from a browser is a claim: anyone with the public key can send one, with any order
id and value. So:

- A site whose server sends its orders (POST /api/v1/orders, or `assistant orders import`; an imported
  past, `assistant history import`, is not that) counts
  those only, with the value the shop states. Each belongs to the visitor the shop named, else to
  the one visitor who claimed the order id (or, among several, the one identified as the order's
  customer); an order no visitor can be given to counts for no experiment arm.
- A site that sends none counts the claims, except an order id claimed by more than one visitor:
  a conflict, stored but counted for nobody.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

from sqlalchemy import func
from sqlalchemy import select as sa_select  # sqlmodel's select types at most four columns
from sqlmodel import Session, col, select

from assistant.sites.models import Site
from assistant.timeutil import as_utc
from assistant.tracking.models import Event, ShopOrder, Visitor

CHUNK = 500
T = TypeVar("T")


@dataclass(frozen=True)
class Purchase:
    """A purchase that counts: whose, in which visit, when, for how much, and whether the shop confirmed it."""

    order_id: str
    visitor_id: int
    session_id: int | None
    occurred_at: datetime
    value_minor: int
    verified: bool


@dataclass(frozen=True)
class _Claim:
    order_id: str
    visitor_id: int
    session_id: int | None
    occurred_at: datetime
    value_minor: int


def sends_orders(*, session: Session, site: Site) -> bool:
    """Whether the shop has sent any verified order: then only verified orders count.

    An imported past (`assistant history import`, source "history") is not a sign that the shop's server
    sends today's orders: without those, browser claims go on counting.
    """
    query = select(ShopOrder.id).where(ShopOrder.site_id == site.id, ShopOrder.source != "history").limit(1)
    return session.exec(query).first() is not None


def counted_purchases(*, session: Session, site: Site, visitor_ids: list[int]) -> list[Purchase]:
    """The purchases of these visitors that count (see the module's rules)."""
    verified = sends_orders(session=session, site=site)
    found: list[Purchase] = []
    for ids in _chunks(visitor_ids):
        claims = _claims(session, site, ids)
        conflicted = conflicted_orders(session=session, site=site, order_ids={c.order_id for c in claims})
        if verified:
            found.extend(_verified(session, site, set(ids), claims, conflicted))
        else:
            found.extend(Purchase(c.order_id, c.visitor_id, c.session_id, c.occurred_at, c.value_minor, False)
                         for c in claims if c.order_id not in conflicted)
    return found


def conflicted_orders(*, session: Session, site: Site, order_ids: set[str]) -> set[str]:
    """The order ids among `order_ids` that more than one visitor claimed."""
    found: set[str] = set()
    for refs in _chunks(sorted(order_ids)):
        query = (select(Event.ref).where(Event.site_id == site.id, Event.type == "purchase", col(Event.ref).in_(refs))
                 .group_by(col(Event.ref)).having(func.count(func.distinct(Event.visitor_id)) > 1))
        found.update(ref for ref in session.exec(query) if ref is not None)
    return found


def _claims(session: Session, site: Site, ids: list[int]) -> list[_Claim]:
    query = sa_select(col(Event.ref), col(Event.visitor_id), col(Event.session_id), col(Event.occurred_at),
                   col(Event.value_minor)).where(col(Event.site_id) == site.id, col(Event.type) == "purchase",
                                                 col(Event.visitor_id).in_(ids))
    return [_Claim(ref, visitor, visit, as_utc(at), value or 0)
            for ref, visitor, visit, at, value in session.execute(query) if ref is not None]


def _verified(session: Session, site: Site, ids: set[int], claims: list[_Claim],
              conflicted: set[str]) -> Iterator[Purchase]:
    by_order: dict[str, list[_Claim]] = {}
    for claim in claims:
        by_order.setdefault(claim.order_id, []).append(claim)
    query = select(ShopOrder).where(ShopOrder.site_id == site.id, col(ShopOrder.order_id).in_(list(by_order))
                                    | col(ShopOrder.visitor_id).in_(list(ids)))
    for order in session.exec(query):
        owner = order.visitor_id if order.visitor_id is not None else _claimant(session, site, order, by_order,
                                                                                conflicted)
        if owner is None or owner not in ids:
            continue
        mine = next((c for c in by_order.get(order.order_id, []) if c.visitor_id == owner), None)
        yield Purchase(order.order_id, owner, mine.session_id if mine else None,
                       mine.occurred_at if mine else as_utc(order.ordered_at), order.value_minor, True)


def _claimant(session: Session, site: Site, order: ShopOrder, by_order: dict[str, list[_Claim]],
              conflicted: set[str]) -> int | None:
    """The one visitor an unnamed verified order belongs to, or None when that cannot be told."""
    if order.order_id not in conflicted:
        claims = by_order.get(order.order_id, [])
        return claims[0].visitor_id if claims else None
    if order.customer_id is None:
        return None
    query = (select(Event.visitor_id).join(Visitor, col(Visitor.id) == col(Event.visitor_id))
             .where(Event.site_id == site.id, Event.type == "purchase", Event.ref == order.order_id,
                    Visitor.customer_id == order.customer_id).distinct())
    owners = list(session.exec(query))
    return owners[0] if len(owners) == 1 else None


def _chunks(items: list[T]) -> Iterator[list[T]]:
    for start in range(0, len(items), CHUNK):
        yield items[start:start + CHUNK]
