"""Visitor, VisitSession, Event, Cart, Customer tables.

Visitor, VisitSession and Event carry site and visitor ids without foreign keys: the ingest path
alone writes them, with ids from the same transaction, and checking the keys per inserted row
cost a fifth of PostgreSQL's ingest throughput (migration 0006 says more).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, Column, DateTime, Index, Integer, UniqueConstraint, false, text
from sqlmodel import Field, SQLModel

from assistant.timeutil import utcnow


def _when(**kwargs: Any) -> Any:
    return Field(default_factory=utcnow, sa_column=Column(DateTime(timezone=True), nullable=False, **kwargs))


class Visitor(SQLModel, table=True):
    """A browser, known by the anonymous id the widget keeps in first-party storage."""

    __table_args__ = (UniqueConstraint("site_id", "anon_id", name="uq_visitor_site_anon"),
                      Index("ix_visitor_site_customer", "site_id", "customer_id"))

    id: int | None = Field(default=None, primary_key=True)
    site_id: int
    anon_id: str = Field(max_length=64)
    customer_id: str | None = Field(default=None, max_length=128)
    session_id: int | None = None
    sessions: int = 0
    first_seen: datetime = _when()
    last_seen: datetime = _when()
    in_control: bool = Field(default=False, sa_column=Column(Boolean, nullable=False, server_default=false()))
    """In the site's global control group (sites/control.py): sees nothing of the assistant, is still recorded."""


class VisitSession(SQLModel, table=True):
    """A visit: events of one visitor with no gap over 30 minutes."""

    __tablename__ = "visit_session"
    __table_args__ = (Index("ix_visit_session_visitor", "visitor_id", "started_at"),)

    id: int | None = Field(default=None, primary_key=True)
    site_id: int = Field(index=True)
    visitor_id: int
    started_at: datetime = _when()
    landing_page: str = Field(default="", max_length=2000)
    referrer: str = Field(default="", max_length=2000)
    utm_source: str = Field(default="", max_length=200)
    utm_medium: str = Field(default="", max_length=200)
    utm_campaign: str = Field(default="", max_length=200)
    device: str = Field(default="", max_length=16)


class Event(SQLModel, table=True):
    """One thing a shopper did; unique per site by the client's event id (retries are no-ops)."""

    __table_args__ = (
        UniqueConstraint("site_id", "client_id", name="uq_event_site_client"),
        Index("ix_event_visitor_time", "site_id", "visitor_id", "type", "occurred_at"),
        Index("ix_event_type_time", "site_id", "type", "occurred_at"),
        # most events (page views, searches) have no sku and no ref: those two indexes leave them out
        Index("ix_event_sku_type_time", "site_id", "sku", "type", "occurred_at",
              sqlite_where=text("sku IS NOT NULL"), postgresql_where=text("sku IS NOT NULL")),
        Index("ix_event_ref", "site_id", "type", "ref",
              sqlite_where=text("ref IS NOT NULL"), postgresql_where=text("ref IS NOT NULL")),
        # a browser's purchase is a claim: one per order id and visitor (a page that fires it twice is not double
        # counted), while another visitor's claim of the same order id is stored too, as a conflict (tracking.purchases)
        Index("uq_event_purchase_claim", "site_id", "ref", "visitor_id", unique=True,
              sqlite_where=text("type = 'purchase'"), postgresql_where=text("type = 'purchase'")),
    )

    # BIGINT on PostgreSQL; SQLite only auto-increments a column declared INTEGER
    id: int | None = Field(default=None, sa_column=Column(BigInteger().with_variant(Integer, "sqlite"),
                                                          primary_key=True, autoincrement=True))
    site_id: int
    client_id: str = Field(max_length=64)
    visitor_id: int
    session_id: int | None = Field(default=None)
    type: str = Field(max_length=32)
    sku: str | None = Field(default=None, max_length=128)
    ref: str | None = Field(default=None, max_length=128)
    """What the event refers to: order id, recommendation or promotion id, quiz session id."""
    value_minor: int | None = None
    currency: str | None = Field(default=None, max_length=3)
    page: str = Field(default="", max_length=2000)
    data: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    occurred_at: datetime = _when()
    received_at: datetime = _when()


class Cart(SQLModel, table=True):
    """The latest known cart of a visitor, ready for abandoned-basket detection."""

    site_id: int = Field(foreign_key="site.id", primary_key=True)
    visitor_id: int = Field(foreign_key="visitor.id", primary_key=True)
    items: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    value_minor: int = 0
    currency: str = Field(default="EUR", max_length=3)
    updated_at: datetime = _when(index=True)
    purchased_at: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True), nullable=True))


class ShopOrder(SQLModel, table=True):
    """A verified order: sent by the shop's server with the site's secret key, or imported from the shop's data."""

    __tablename__ = "shop_order"
    __table_args__ = (UniqueConstraint("site_id", "order_id", name="uq_shop_order_site_order"),
                      Index("ix_shop_order_visitor", "site_id", "visitor_id"),
                      # one customer's orders (their page, a privacy export or deletion) without reading the site's
                      Index("ix_shop_order_customer", "site_id", "customer_id"))

    id: int | None = Field(default=None, primary_key=True)
    site_id: int = Field(foreign_key="site.id")
    order_id: str = Field(max_length=128)
    visitor_id: int | None = None
    """The visitor the shop named (by the widget's visitor id), if it did."""
    customer_id: str | None = Field(default=None, max_length=128)
    value_minor: int
    currency: str = Field(max_length=3)
    items: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    source: str = Field(max_length=16)
    """`api` (the server call), `import` (assistant orders import) or `history` (assistant history import)."""
    ordered_at: datetime = _when()
    received_at: datetime = _when()


class Customer(SQLModel, table=True):
    """A shop's own customer id, linked to every visitor that identified as it."""

    site_id: int = Field(foreign_key="site.id", primary_key=True)
    customer_id: str = Field(primary_key=True, max_length=128)
    traits: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    first_seen: datetime = _when()
    last_seen: datetime = _when()
    in_control: bool | None = Field(default=None, sa_column=Column(Boolean, nullable=True))
    """The person's control group, from their first identified visitor; every later visitor of theirs takes it."""
