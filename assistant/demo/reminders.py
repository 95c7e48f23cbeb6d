"""The demo's abandoned-basket reminders: on, landing on the demo's own cart page."""

from __future__ import annotations

from sqlmodel import Session

from assistant.baskets.models import BasketSettingsRow
from assistant.baskets.settings import get_settings, save_settings
from assistant.sites.models import Site

CART_PATH = "/demo/cart"


def enable_reminders(*, session: Session, site: Site, shop_url: str) -> None:
    """Turn reminders on with the cart page at `shop_url`, the first time; later builds only follow the demo's
    address (a different port) and keep what was changed in the admin."""
    cart_url = shop_url.rstrip("/") + CART_PATH
    if session.get(BasketSettingsRow, site.id) is None:
        save_settings(session=session, site=site, data={"enabled": True, "cart_url": cart_url})
        return
    current = get_settings(session=session, site=site)
    if current.cart_url.endswith(CART_PATH) and current.cart_url != cart_url:
        save_settings(session=session, site=site, data={**current.model_dump(mode="json"), "cart_url": cart_url})
