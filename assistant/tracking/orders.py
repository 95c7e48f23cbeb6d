"""Verified orders: sent by the shop's server with the secret site key, or imported from the shop's data.

A purchase event from a browser is a claim anyone holding the public key can make; an order here is
what the shop itself says was bought. tracking.purchases decides which of the two count.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from pydantic import Field, ValidationError, field_validator
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from assistant.catalog.money import to_minor
from assistant.errors import Invalid
from assistant.sites.models import Site
from assistant.timeutil import as_utc
from assistant.tracking.models import Cart, ShopOrder, Visitor
from assistant.tracking.schemas import Line, Money, _Shape

EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)


class OrderIn(_Shape):
    """One order as the shop's server (POST /api/v1/orders) or an import file states it."""

    order_id: Annotated[str, Field(min_length=1, max_length=128)]
    value: Money
    currency: str | None = Field(default=None, pattern=r"^[A-Z]{3}$")
    items: list[Line] = Field(default=[], max_length=200)
    visitor: str | None = Field(default=None, pattern=r"^[A-Za-z0-9_.:-]{8,64}$")
    """The widget's visitor id (`localStorage["assistant:visitor"]` on the shop's pages), if the checkout sends it."""
    customer_id: Annotated[str, Field(min_length=1, max_length=128)] | None = None
    ordered_at: datetime | None = None

    @field_validator("ordered_at")
    @classmethod
    def _plausible(cls, value: datetime | None) -> datetime | None:
        if value is None:
            return None
        value = value if value.tzinfo else value.replace(tzinfo=UTC)
        if not EARLIEST <= value <= datetime.now(UTC) + timedelta(days=366):
            raise ValueError("must be a time between 2000 and a year from now")
        return value


def parse_order(data: Any) -> OrderIn:
    """Validate one order; Invalid naming the first bad field."""
    if not isinstance(data, dict):
        raise Invalid("must be an object {order_id, value, ...}", field="body")
    try:
        return OrderIn.model_validate(data)
    except ValidationError as exc:
        error = exc.errors()[0]
        path = ".".join(str(part) for part in error["loc"])
        if error["type"] == "unstorable":
            path += error["ctx"]["path"]
        raise Invalid(error["msg"], field=path.strip(".") or "body") from None


def record_order(*, session: Session, site: Site, order: OrderIn, source: str, now: datetime) -> bool:
    """Store a verified order; False when the site has it already (a retry). The caller commits."""
    visitor = _visitor(session, site, order.visitor)
    row = ShopOrder(**order_fields(site=site, order=order, source=source, now=now,
                                   visitor_id=visitor.id if visitor else None))
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:
        return False
    if visitor is not None:
        _close_cart(session, site, visitor, row.ordered_at)
    return True


def order_fields(*, site: Site, order: OrderIn, source: str, now: datetime,
                 visitor_id: int | None = None) -> dict[str, Any]:
    """The ShopOrder column values of a validated order: the one conversion every way in (API, files, history) uses."""
    currency = order.currency or site.currency
    return {"site_id": site.pk, "order_id": order.order_id, "visitor_id": visitor_id,
            "customer_id": order.customer_id, "value_minor": to_minor(order.value, currency), "currency": currency,
            "items": [line.model_dump(exclude_none=True) for line in order.items], "source": source,
            "ordered_at": order.ordered_at or now, "received_at": now}


def _visitor(session: Session, site: Site, anon_id: str | None) -> Visitor | None:
    if anon_id is None:
        return None
    return session.exec(select(Visitor).where(Visitor.site_id == site.id, Visitor.anon_id == anon_id)).first()


def _close_cart(session: Session, site: Site, visitor: Visitor, when: datetime) -> None:
    """The shop says this visitor bought: their basket is not abandoned, whatever the browser sent."""
    cart = session.get(Cart, (site.id, visitor.id))
    if cart is not None and cart.purchased_at is None and as_utc(cart.updated_at) <= when:
        cart.items, cart.value_minor, cart.purchased_at = [], 0, when
        session.add(cart)
