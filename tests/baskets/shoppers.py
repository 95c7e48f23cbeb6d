"""Shoppers for the detection, sequence, recovery and job tests: a visitor, its customer and cart; a fake composer."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlmodel import Session, col, select

from assistant.baskets import compose
from assistant.baskets.models import Basket, BasketMessage
from assistant.baskets.settings import BasketSettings, save_settings
from assistant.sites.models import Site
from assistant.tracking.models import Cart, Customer, Event, Visitor

T0 = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
"""When the carts of these tests last changed."""
ITEMS = [{"sku": "sku-1", "quantity": 2, "price": 25.0}]
_numbers = itertools.count(1)


def minutes(n: float) -> timedelta:
    return timedelta(minutes=n)


def enable(session: Session, site: Site, **overrides: Any) -> BasketSettings:
    """Turn reminders on for `site` (defaults: 60 idle minutes, steps at 60 minutes and 24 hours), committed.

    No holdout unless asked for: which basket the hash puts in it depends on the visitor ids a database gives.
    """
    settings = save_settings(session=session, site=site, data={"enabled": True, "holdout_share": 0, **overrides})
    session.commit()
    return settings


def shopper(session: Session, site: Site, *, customer: str | None = "", email: object = "", consent: object = True,
            items: list[dict[str, Any]] | None = None, at: datetime = T0, traits: dict[str, Any] | None = None,
            consent_trait: str = "email_consent") -> int:
    """A visitor with a cart changed at `at`, identified as a customer with an e-mail and consent; its id, committed.

    `customer=None` leaves the visitor anonymous; `email=None` or `consent=None` leaves that trait out.
    """
    number = next(_numbers)
    customer_id = f"cust-{number}" if customer == "" else customer
    visitor = Visitor(site_id=site.pk, anon_id=f"anon-{number}", customer_id=customer_id)
    session.add(visitor)
    session.flush()
    assert visitor.id is not None
    if customer_id is not None and session.get(Customer, (site.id, customer_id)) is None:
        given = {"email": f"shopper{number}@example.com" if email == "" else email, consent_trait: consent,
                 **(traits or {})}
        session.add(Customer(site_id=site.pk, customer_id=customer_id,
                             traits={k: v for k, v in given.items() if v is not None}))
    session.add(Cart(site_id=site.pk, visitor_id=visitor.id, items=ITEMS if items is None else items,
                     value_minor=5000, currency=site.currency, updated_at=at))
    session.commit()
    return visitor.id


def change_cart(session: Session, site: Site, visitor_id: int, *, at: datetime, items: list[dict[str, Any]],
                purchased: bool = False) -> None:
    """The visitor's cart as the tracking service leaves it after a change (or a purchase), committed."""
    cart = session.get(Cart, (site.id, visitor_id))
    assert cart is not None
    cart.items, cart.updated_at = items, at
    cart.value_minor = int(sum(line["price"] * line["quantity"] for line in items) * 100)
    if purchased:
        cart.purchased_at = at
    session.add(cart)
    session.commit()


def purchase(session: Session, site: Site, visitor_id: int, *, at: datetime, order: str = "",
             value_minor: int = 5000) -> str:
    """A browser's purchase claim (an event), committed; the order id."""
    order = order or f"order-{next(_numbers)}"
    session.add(Event(site_id=site.pk, client_id=f"ev-{next(_numbers)}", visitor_id=visitor_id, type="purchase",
                      ref=order, value_minor=value_minor, currency=site.currency, occurred_at=at, received_at=at))
    session.commit()
    return order


def baskets(session: Session, site: Site) -> list[Basket]:
    """The site's baskets, oldest first, freshly read."""
    session.expire_all()
    return list(session.exec(select(Basket).where(Basket.site_id == site.id).order_by(col(Basket.id))))


def messages(session: Session, site: Site) -> list[BasketMessage]:
    """The site's outbox, oldest first, freshly read."""
    session.expire_all()
    return list(session.exec(select(BasketMessage).where(BasketMessage.site_id == site.id)
                             .order_by(col(BasketMessage.id))))


@dataclass
class FakeComposer:
    """Stands in for compose.compose_step: records its calls and renders a small message."""

    calls: list[tuple[int, int]] = field(default_factory=list)

    def __call__(self, *, basket: Basket, step: int, **_: Any) -> compose.Composed:
        self.calls.append((int(basket.id or 0), step))
        key = f"basket-{basket.id}-step-{step}"
        return compose.Composed(subject=f"Step {step}", html=f"<p>step {step}</p>", text=f"step {step}",
                                payload={"type": "basket.reminder", "idempotency_key": key})


def fake_composer(monkeypatch: pytest.MonkeyPatch) -> FakeComposer:
    """A fake compose_step in place of the real one (for a module's `composer` fixture)."""
    fake = FakeComposer()
    monkeypatch.setattr(compose, "compose_step", fake)
    return fake
