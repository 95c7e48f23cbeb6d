"""Baskets and messages for the tests of the reminder's content and links (compose, links, the API)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlmodel import Session

from assistant.baskets.models import Basket, BasketMessage
from assistant.sites.models import Site

NOW = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
SECRET = "a test secret"
_visitors = iter(range(1, 1_000_000))


def make_basket(session: Session, site: Site, **overrides: Any) -> Basket:
    """A committed open basket of customer c-1 and a new visitor (one line of sku-1 unless given `items`)."""
    values: dict[str, Any] = {"site_id": site.pk, "visitor_id": next(_visitors), "customer_id": "c-1",
                              "email": "ann@example.com",
                              "items": [{"sku": "sku-1", "quantity": 1, "price": 10.0}], "value_minor": 1000,
                              "currency": site.currency, "cart_updated_at": NOW, "opened_at": NOW,
                              "next_step_at": NOW, "updated_at": NOW}
    values.update(overrides)
    basket = Basket(**values)
    session.add(basket)
    session.commit()
    return basket


def make_message(session: Session, basket: Basket, *, step: int = 1, status: str = "pending") -> BasketMessage:
    """A committed outbox message of `basket`."""
    message = BasketMessage(site_id=basket.site_id, basket_id=basket.id or 0, step=step, channel="smtp",
                            idempotency_key=f"basket-{basket.id}-step-{step}", to_address=basket.email,
                            subject="s", html="<p>h</p>", text_body="t", status=status, next_attempt_at=NOW)
    session.add(message)
    session.commit()
    return message
