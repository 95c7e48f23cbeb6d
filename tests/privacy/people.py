"""Two customers and an anonymous visitor, recorded through the real ingest, order and quiz code."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlmodel import Session, func, select

from assistant.flows.quiz_store import insert_quiz
from assistant.models import metadata
from assistant.sites.models import Site
from assistant.timeutil import utcnow
from assistant.tracking.orders import parse_order, record_order
from assistant.tracking.service import record_events
from tests.tracking.test_events_api import CHROME

START = utcnow() - timedelta(hours=3)
_numbers = iter(range(1, 1_000_000))


def record(session: Session, site: Site, visitor: str, *events: dict[str, Any]) -> None:
    result = record_events(session=session, site=site, batch={"visitor": visitor, "events": list(events)},
                           user_agent=CHROME, now=utcnow())
    assert not result.rejected, result.rejected
    session.commit()


def event(kind: str, minutes: float, **fields: Any) -> dict[str, Any]:
    when = (START + timedelta(minutes=minutes)).timestamp() * 1000
    return {"id": f"evt-{next(_numbers):06d}", "type": kind, "ts": when, **fields}


def shopper(session: Session, site: Site, customer: str, devices: tuple[str, ...], sku: str) -> None:
    """A customer who browsed on each device, put `sku` in a cart, identified on each, bought and took a quiz."""
    for number, device in enumerate(devices):
        record(session, site, device, event("page_view", number, page="/?utm_source=news"),
               event("product_view", number + 1, sku=sku), event("add_to_cart", number + 2, sku=sku, price=20.0),
               event("identify", number + 3, customer_id=customer, traits={"email": f"{customer}@mail.example"}))
        insert_quiz(session, site_id=site.pk, flow_id="shoes", visitor_id=device, page="/")
    record(session, site, devices[0], event("purchase", 9, order_id=f"o-{customer}", value=20.0,
                                            items=[{"sku": sku, "quantity": 1, "price": 20.0}]))
    order = parse_order({"order_id": f"o-{customer}", "value": 20, "visitor": devices[0], "customer_id": customer})
    assert record_order(session=session, site=site, order=order, source="api", now=utcnow())
    extra = parse_order({"order_id": f"phone-{customer}", "value": 5, "customer_id": customer})  # no visitor named
    assert record_order(session=session, site=site, order=extra, source="import", now=utcnow())
    session.commit()


def stranger(session: Session, site: Site, anon: str) -> None:
    """A visitor who never identified: views, a cart and a quiz."""
    record(session, site, anon, event("product_view", 0, sku="z"), event("add_to_cart", 1, sku="z", price=9.0))
    insert_quiz(session, site_id=site.pk, flow_id="shoes", visitor_id=anon, page="/")
    session.commit()


PERSONAL = ("event", "visit_session", "visitor", "cart", "customer", "shop_order", "quiz_session")


def table_counts(session: Session) -> dict[str, int]:
    """Rows per personal table."""
    return {name: session.execute(select(func.count()).select_from(metadata.tables[name])).scalar_one()
            for name in PERSONAL}
