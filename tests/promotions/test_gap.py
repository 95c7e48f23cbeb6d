"""The free-shipping gap and the product that closes it best."""

from __future__ import annotations

from typing import Any

from assistant.catalog.models import Product
from assistant.promotions.gap import free_shipping_gap, gap_product
from assistant.promotions.snapshot import VisitorSnapshot


def product(sku: str, price_minor: int, **fields: Any) -> Product:
    values: dict[str, Any] = {"site_id": 1, "sku": sku, "title": sku.title(), "price_minor": price_minor,
                              "currency": "EUR", "in_stock": True, "categories": [], "attributes": {}}
    values.update(fields)
    return Product(**values)


CATALOG = [product("cap", 2500), product("socks", 990), product("tee", 850, in_stock=False),
           product("buff", 700), product("hat", 1200, attributes={"terrain": ["trail"]}),
           product("gloves", 1500, stock=0), product("bottle", 800)]


def test_the_gap() -> None:
    assert free_shipping_gap(4200, 5000) == 800
    assert free_shipping_gap(5000, 5000) == 0
    assert free_shipping_gap(6000, 5000) == 0
    assert free_shipping_gap(4200, None) == 0


def test_the_cheapest_available_product_at_or_above_the_gap() -> None:
    pick = gap_product(candidates=CATALOG, gap=800, snapshot=VisitorSnapshot())
    assert pick is not None and pick.product.sku == "bottle" and (pick.gap_minor, pick.over_minor) == (800, 0)
    pick = gap_product(candidates=CATALOG, gap=801, snapshot=VisitorSnapshot())
    assert pick is not None and pick.product.sku == "socks"  # the tee is out of stock, the buff too cheap


def test_what_fits_the_visitor_wins_within_the_band() -> None:
    quiz = VisitorSnapshot(quiz={"shoes": {"terrain": "trail"}})
    pick = gap_product(candidates=CATALOG, gap=800, snapshot=quiz)
    assert pick is not None and pick.product.sku == "hat" and pick.over_minor == 400
    viewed = VisitorSnapshot(viewed_skus=("socks",))
    pick = gap_product(candidates=CATALOG, gap=800, snapshot=viewed)
    assert pick is not None and pick.product.sku == "socks"
    pick = gap_product(candidates=CATALOG, gap=500, snapshot=quiz)  # the hat costs over twice the gap
    assert pick is not None and pick.product.sku == "buff"


def test_cart_items_and_out_of_stock_are_skipped_and_nothing_is_fine() -> None:
    pick = gap_product(candidates=CATALOG, gap=800, snapshot=VisitorSnapshot(cart_skus=frozenset({"bottle"})))
    assert pick is not None and pick.product.sku == "socks"
    assert gap_product(candidates=CATALOG, gap=5000, snapshot=VisitorSnapshot()) is None
    assert gap_product(candidates=CATALOG, gap=0, snapshot=VisitorSnapshot()) is None
    assert gap_product(candidates=[], gap=100, snapshot=VisitorSnapshot()) is None
