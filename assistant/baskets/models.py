"""The tables of abandoned baskets: the basket, its messages (the outbox), opt-outs and settings.

A **basket** is one abandoned cart of one reachable customer: opened by `assistant baskets run` when a
visitor's cart has waited `idle_minutes` without a purchase, updated while the cart still changes, and
closed by a purchase, an emptied cart, an unsubscribe or the end of its sequence. At most one basket of
a visitor is open at a time (a partial unique index). A share of baskets (`holdout`) gets no reminder,
so the recovery rate with reminders is compared with the rate without.

A **basket_message** is one step of one basket's reminder sequence, written rendered (subject, HTML,
text, the webhook payload) in the same transaction that moves the basket on, and delivered by the
outbox: claimed by a lease, retried with backoff, dead after `max_attempts`. Its idempotency key
(`basket-<id>-step-<n>`) is unique, so a step is never queued twice, and travels with the message
(SMTP `Message-ID`, the webhook's `Idempotency-Key` header) so a receiver can drop a second copy.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, DateTime, Index, Text, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from assistant.timeutil import utcnow


def _when(**kwargs: Any) -> Any:
    return Field(default_factory=utcnow, sa_column=Column(DateTime(timezone=True), nullable=False, **kwargs))


def _maybe_when() -> Any:
    return Field(default=None, sa_column=Column(DateTime(timezone=True), nullable=True))


class Basket(SQLModel, table=True):
    """One abandoned cart of one reachable customer, and what became of it."""

    __table_args__ = (Index("ux_basket_open_visitor", "site_id", "visitor_id", unique=True,
                            sqlite_where=text("closed_at IS NULL"), postgresql_where=text("closed_at IS NULL")),
                      Index("ix_basket_site_due", "site_id", "next_step_at"),
                      Index("ix_basket_site_customer", "site_id", "customer_id"),
                      Index("ix_basket_site_opened", "site_id", "opened_at"),
                      # detection's "has a basket already seen this cart?" per idle cart (migration 0018)
                      Index("ix_basket_site_visitor", "site_id", "visitor_id", "cart_updated_at"))

    id: int | None = Field(default=None, primary_key=True)
    site_id: int = Field(foreign_key="site.id")
    visitor_id: int
    """The visitor whose cart it is (cart.visitor_id)."""
    customer_id: str = Field(max_length=128)
    """The shop's customer id the visitor identified as; the reminder goes to its `email` trait."""
    email: str = Field(max_length=320)
    """The address when the basket was opened or last updated."""
    items: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    """The cart's lines as the cart table holds them: sku, quantity, price (major units)."""
    value_minor: int = 0
    currency: str = Field(default="EUR", max_length=3)
    cart_updated_at: datetime = _when()
    """The cart's last change the basket has seen."""
    opened_at: datetime = _when()
    holdout: bool = False
    """In the holdout share: no reminder is sent; its recovery is what happens without one."""
    step: int = 0
    """Reminder steps done (sent or, for a holdout basket, passed)."""
    next_step_at: datetime | None = _maybe_when()
    """When the next step is due; None once the sequence is over or the basket is closed."""
    first_reminder_at: datetime | None = _maybe_when()
    """The first step's time (for a holdout basket: when it would have been sent); recovery counts from it."""
    clicked_at: datetime | None = _maybe_when()
    """The first click on a reminder's link back to the cart."""
    recovered_at: datetime | None = _maybe_when()
    """The customer's first purchase within `recovery_days` of the first reminder."""
    recovered_value_minor: int | None = None
    recovered_order_id: str | None = Field(default=None, max_length=128)
    closed_at: datetime | None = _maybe_when()
    closed_reason: str | None = Field(default=None, max_length=16)
    """purchased, emptied, unsubscribed, finished (every step done) or expired."""
    updated_at: datetime = _when()


class BasketMessage(SQLModel, table=True):
    """One reminder step of one basket, rendered, waiting in the outbox or delivered."""

    __tablename__ = "basket_message"
    __table_args__ = (UniqueConstraint("idempotency_key", name="uq_basket_message_key"),
                      Index("ix_basket_message_due", "status", "next_attempt_at"),
                      Index("ix_basket_message_basket", "basket_id"),
                      Index("ix_basket_message_site_status", "site_id", "status"))

    id: int | None = Field(default=None, primary_key=True)
    site_id: int = Field(foreign_key="site.id")
    basket_id: int = Field(foreign_key="basket.id")
    step: int
    """1 for the first reminder."""
    channel: str = Field(max_length=8)
    """smtp or webhook."""
    idempotency_key: str = Field(max_length=80)
    to_address: str = Field(max_length=320)
    subject: str = Field(max_length=300)
    html: str = Field(sa_column=Column(Text, nullable=False))
    text_body: str = Field(sa_column=Column(Text, nullable=False))
    payload: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    """The webhook's JSON body (docs/baskets.md), also kept for SMTP messages for the admin."""
    status: str = Field(default="pending", max_length=10)
    """pending, sending (claimed), sent, dead (after max_attempts) or cancelled (the sequence stopped)."""
    attempts: int = 0
    next_attempt_at: datetime = _when()
    leased_until: datetime | None = _maybe_when()
    last_error: str | None = Field(default=None, max_length=1000)
    created_at: datetime = _when()
    sent_at: datetime | None = _maybe_when()


class EmailOptOut(SQLModel, table=True):
    """A customer who unsubscribed from the site's reminders (honoured at once, whatever their traits say)."""

    __tablename__ = "email_opt_out"

    site_id: int = Field(foreign_key="site.id", primary_key=True)
    customer_id: str = Field(primary_key=True, max_length=128)
    created_at: datetime = _when()
    basket_id: int | None = None
    """The basket whose link was used, if any."""


class BasketSettingsRow(SQLModel, table=True):
    """A site's abandoned-basket settings (baskets.settings.BasketSettings as JSON)."""

    __tablename__ = "basket_settings"

    site_id: int = Field(foreign_key="site.id", primary_key=True)
    settings: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    webhook_secret: str | None = Field(default=None, max_length=100)
    """The HMAC key of the webhook's signature, made when the webhook is first set; shown in the admin."""
    updated_at: datetime = _when()
