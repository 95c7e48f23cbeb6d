"""Keep each visitor's latest cart from cart, add/remove and purchase events."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session

from assistant.catalog.money import to_minor
from assistant.sites.models import Site
from assistant.tracking.models import Cart
from assistant.tracking.schemas import CartChange, CartState, Purchase

CartEvent = CartChange | CartState | Purchase


def apply_cart_event(*, session: Session, site: Site, visitor_id: int, event: CartEvent, when: datetime) -> Cart:
    """Update the visitor's cart with one event (events arrive in time order)."""
    cart = session.get(Cart, (site.id, visitor_id)) or Cart(site_id=site.pk, visitor_id=visitor_id,
                                                            currency=site.currency, items=[])
    if isinstance(event, CartState):
        items = [line.model_dump() for line in event.items]
    elif isinstance(event, Purchase):
        items = []
        cart.purchased_at = when
    else:
        items = _changed(cart.items, event)
    cart.items = items
    cart.currency = getattr(event, "currency", None) or cart.currency
    given = getattr(event, "value", None)
    total = given if isinstance(event, CartState) and given is not None else _total(items)
    cart.value_minor = to_minor(total, cart.currency)
    cart.updated_at = when
    session.add(cart)
    return cart


def _changed(items: list[dict[str, Any]], event: CartChange) -> list[dict[str, Any]]:
    lines = {line["sku"]: dict(line) for line in items}
    line = lines.setdefault(event.sku, {"sku": event.sku, "quantity": 0, "price": event.price})
    sign = 1 if event.type == "add_to_cart" else -1
    line["quantity"] += sign * event.quantity
    if event.price is not None:
        line["price"] = event.price
    return [line for line in lines.values() if line["quantity"] > 0]


def _total(items: list[dict[str, Any]]) -> float:
    return sum((line.get("price") or 0) * line["quantity"] for line in items)
