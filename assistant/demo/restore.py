"""The demo shop's cart restored from a reminder's "back to your cart" link.

The link goes to the assistant (/api/v1/baskets/r/<token>, which counts the click) and lands on the shop's cart
page with `?assistant_basket=<token>`. A real shop's page or server then calls
`GET /api/v1/baskets/restore?token=<token>` and refills its cart from the answer's items; the demo runs in the
assistant's own process, so it reads the token and the basket directly.
"""

from __future__ import annotations

from sqlmodel import Session

from assistant.baskets.links import read_token
from assistant.baskets.models import Basket
from assistant.errors import Invalid
from assistant.sites.models import Site


def basket_lines(*, session: Session, site: Site, secret_key: str, token: str) -> dict[str, int]:
    """SKU -> quantity of the basket a restore token names; Invalid(field="token") for a bad or foreign token."""
    basket = session.get(Basket, read_token(secret_key=secret_key, token=token, purpose="restore"))
    if basket is None or basket.site_id != site.id:
        raise Invalid("is not a link of this shop's reminder e-mails", field="token")
    lines: dict[str, int] = {}
    for item in basket.items:
        if isinstance(item, dict) and item.get("sku"):
            lines[str(item["sku"])] = lines.get(str(item["sku"]), 0) + int(item.get("quantity") or 1)
    return lines


def merged(cart: dict[str, int], restored: dict[str, int], *, known: set[str], max_quantity: int,
           max_lines: int) -> dict[str, int]:
    """The cart with the restored lines added (products the shop still sells; the larger quantity of a line)."""
    result = dict(cart)
    for sku, quantity in restored.items():
        if sku in known and (sku in result or len(result) < max_lines):
            result[sku] = min(max_quantity, max(result.get(sku, 0), quantity))
    return result
