"""A message's items from the visitor's viewed products (read as plain SQL): in view order, only what can be
bought now and is not in the cart, with the fields the widget shows."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlmodel import Session

from assistant.promotions.service import choose
from assistant.promotions.snapshot import VisitorSnapshot
from assistant.sites.models import Site
from tests.factories import make_product
from tests.promotions.helpers import make_campaign

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
LIST = "Seen: {% for item in items %}{{ item.title }} {{ price(item.price) }}; {% endfor %}"


def test_viewed_products_fill_the_items(session: Session, site: Site) -> None:
    make_product(session, site, sku="mug", title="Mug", price="12.00", image="https://img.example/mug.png")
    make_product(session, site, sku="tee", title="Tee", price="8.50", stock="0")
    make_product(session, site, sku="cap", title="Cap", price="15.00")
    make_product(session, site, sku="tent", title="Tent", price="99.00")
    make_campaign(session, site, variants=[{"key": "a", "message": LIST}])
    snapshot = VisitorSnapshot(anon_id="anon-viewed", cart_skus=frozenset({"tent"}), cart_items=1,
                               viewed_skus=("cap", "tee", "tent", "gone", "mug"))
    (chosen,) = choose(session=session, site=site, placement="cart", snapshot=snapshot, now=NOW)
    assert chosen.text == "Seen: Cap €15.00; Mug €12.00;"
    assert [i["sku"] for i in chosen.items] == ["cap", "mug"]
    assert chosen.items[1] == {"sku": "mug", "title": "Mug", "price": 12.0, "currency": "EUR",
                               "url": chosen.items[1]["url"], "image": "https://img.example/mug.png"}
