"""identify: link an anonymous visitor to the shop's customer id, merging history across devices."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import update
from sqlmodel import Session, select

from assistant.sites.models import Site
from assistant.tracking.models import Customer, Visitor


def identify(*, session: Session, site: Site, visitor_id: int, customer_id: str, traits: dict[str, Any],
             now: datetime) -> Customer:
    """Attach the visitor to `customer_id`; every visitor of that customer then reads as one person.

    The person's control group (sites/control.py) is the one of their first identified visitor; every later
    visitor of theirs takes it, so a shopper sees the same on each device from the moment they are known.
    """
    customer = session.get(Customer, (site.id, customer_id))
    if customer is None:
        customer = Customer(site_id=site.pk, customer_id=customer_id, traits=dict(traits), first_seen=now,
                            last_seen=now)
    else:
        customer.traits = {**customer.traits, **traits}
        customer.last_seen = now
    if customer.in_control is None:
        customer.in_control = session.exec(select(Visitor.in_control).where(Visitor.id == visitor_id)).one()
    session.add(customer)
    session.execute(update(Visitor).where(Visitor.id == visitor_id)  # type: ignore[arg-type]
                    .values(customer_id=customer_id, in_control=customer.in_control))
    return customer


def person_visitor_ids(*, session: Session, visitor: Visitor) -> list[int]:
    """Ids of every visitor that is the same person as `visitor` (same customer id), itself first."""
    if visitor.customer_id is None:
        return [visitor.id]  # type: ignore[list-item]
    query = select(Visitor.id).where(Visitor.site_id == visitor.site_id, Visitor.customer_id == visitor.customer_id)
    others = [i for i in session.exec(query) if i != visitor.id]
    return [visitor.id, *others]  # type: ignore[list-item]
