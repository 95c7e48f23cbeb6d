"""Rows and transports for the outbox tests: a basket with queued messages, a clock, recording transports."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlmodel import Session

from assistant.baskets.models import Basket, BasketMessage, BasketSettingsRow
from assistant.baskets.outbox import DeliveryFailed
from assistant.baskets.settings import BasketSettings
from assistant.sites.models import Site

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def queue(session: Session, site: Site, *, messages: int = 1, channel: str = "webhook", start: int = 0,
          **settings: Any) -> list[int]:
    """Store the site's settings, one open basket per message, and its pending step-1 message; their ids."""
    row = session.get(BasketSettingsRow, site.id) or BasketSettingsRow(site_id=site.pk, webhook_secret="whsec-test")
    row.settings = BasketSettings(enabled=True, channel=channel, **settings).model_dump(mode="json")  # type: ignore[arg-type]
    session.add(row)
    ids = []
    for number in range(start, start + messages):
        basket = Basket(site_id=site.pk, visitor_id=number + 1, customer_id=f"c{number}",
                        email=f"c{number}@example.com",
                        items=[{"sku": "sku-1", "quantity": 1, "price": 10.0}], value_minor=1000,
                        cart_updated_at=T0 - timedelta(hours=2), opened_at=T0 - timedelta(hours=1), step=1)
        session.add(basket)
        session.flush()
        assert basket.id is not None
        key = f"basket-{basket.id}-step-1"
        message = BasketMessage(site_id=site.pk, basket_id=basket.id,
                                step=1, channel=channel, idempotency_key=key, to_address=basket.email,
                                subject="Your cart is waiting", html="<p>Your cart</p>", text_body="Your cart",
                                payload={"type": "basket.reminder", "idempotency_key": key,
                                         "unsubscribe_url": f"http://assistant.test/u/{basket.id}"},
                                next_attempt_at=T0, created_at=T0)
        session.add(message)
        session.flush()
        assert message.id is not None
        ids.append(message.id)
    session.commit()
    return ids


def message(session: Session, message_id: int) -> BasketMessage:
    """The message as stored now (a new transaction: SQLite's WAL reader keeps its snapshot until it ends)."""
    session.rollback()
    found = session.get(BasketMessage, message_id, populate_existing=True)
    assert found is not None
    return found


@dataclass
class Recorder:
    """A transport that records what it was given and fails the first `fail` calls."""

    fail: int = 0
    permanent: bool = False
    sent: list[str] = field(default_factory=list)
    calls: int = 0

    def send(self, message: BasketMessage) -> None:
        self.calls += 1
        if self.calls <= self.fail:
            raise DeliveryFailed(f"down ({self.calls})", permanent=self.permanent)
        self.sent.append(message.idempotency_key)

    def factory(self, *_args: Any) -> Recorder:
        return self
