"""The demo shop's cart: SKU -> quantity in the signed session cookie, and its totals."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from flask import session

from assistant.catalog.models import Product
from assistant.numbers import whole_or_none

FREE_SHIPPING = 75.0
SHIPPING = 4.9
MAX_QUANTITY = 10
MAX_LINES = 30


@dataclass
class CartLine:
    """One product in the cart."""

    product: Product
    quantity: int

    @property
    def total(self) -> float:
        """Price times quantity."""
        return self.product.price * self.quantity


def read_cart() -> dict[str, int]:
    """The cart of this browser session (whatever the cookie holds, only sane quantities)."""
    raw = session.get("cart")
    if not isinstance(raw, dict):
        return {}
    return {str(k): v for k, v in raw.items() if isinstance(v, int) and 0 < v <= MAX_QUANTITY}


def save_cart(cart: dict[str, int]) -> None:
    """Store the cart in the session cookie."""
    session["cart"] = cart


def cart_lines(products: Iterable[Product]) -> list[CartLine]:
    """The cart's lines, for the SKUs that still exist."""
    by_sku = {p.sku: p for p in products}
    return [CartLine(by_sku[sku], qty) for sku, qty in read_cart().items() if sku in by_sku]


def totals(lines: list[CartLine]) -> dict[str, float]:
    """Subtotal, shipping (free above FREE_SHIPPING) and total."""
    subtotal = sum(line.total for line in lines)
    shipping = 0.0 if subtotal >= FREE_SHIPPING or not lines else SHIPPING
    return {"subtotal": subtotal, "shipping": shipping, "total": subtotal + shipping}


def quantity(value: str | None, *, allow_zero: bool = False) -> int:
    """A form's quantity field as a number from 1 (or 0) to MAX_QUANTITY."""
    number = whole_or_none(value or "1", high=10**6)
    return max(0 if allow_zero else 1, min(MAX_QUANTITY, 1 if number is None else number))
