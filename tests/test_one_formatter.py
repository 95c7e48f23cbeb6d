"""One formatter everywhere: the same amount reads the same in a strip's reason, a promotion message, the demo's
pages and the admin's catalog, in currencies of 0, 2 and 3 decimals (the widget's side: tests/browser/test_money.py).
Before, a strip said '10.00 EUR' where a promotion said '€10.00', and a KWD gap lost its third decimal."""

from __future__ import annotations

from decimal import Decimal

import pytest
from flask import Flask

from assistant.catalog.models import Product
from assistant.catalog.money import format_money, format_price, to_minor
from assistant.demo.shop import _structured_data
from assistant.demo.shop import money as demo_money
from assistant.promotions.render import MessageContext, render_message
from assistant.recommend.base import Reason
from assistant.recommend.catalog_view import CatalogItem
from assistant.recommend.service import _checkout as checkout_strip


@pytest.mark.parametrize(("gap", "currency", "shown"), [
    (Decimal("10"), "EUR", "€10.00"), (Decimal("1234.5"), "USD", "$1,234.50"), (Decimal("1500"), "JPY", "¥1,500"),
    (Decimal("25000"), "KRW", "₩25,000"), (Decimal("12.345"), "KWD", "KWD\u00a012.345"),
    (Decimal("0.75"), "BHD", "BHD\u00a00.750"), (Decimal("8"), "CHF", "CHF\u00a08.00"),
])
def test_the_same_amount_reads_the_same_everywhere(gap: Decimal, currency: str, shown: str) -> None:
    cart_value, threshold = 100.0, 100.0 + float(gap)  # a float gap, as the strip computes it
    closer = CatalogItem("s1", "Socks", "/p/s1", "", float(gap) + 1, currency, ("Socks",), None, {})
    strip = checkout_strip([(closer, Reason("popular", "Popular"))], cart_value, threshold, currency)
    promotion = render_message("{{ price(free_shipping_gap) }}", MessageContext(free_shipping_gap=gap,
                                                                                 currency=currency))
    assert promotion is not None
    assert format_money(gap, currency) == shown
    assert strip[0][1].text == f"Adds {shown} to reach free shipping"  # a recommendation strip's reason
    assert promotion.text == shown  # a promotion message
    assert demo_money(float(gap), currency) == f"<bdi>{shown}</bdi>"  # the demo's pages (isolated for RTL pages)
    assert format_price(to_minor(gap, currency), currency) == shown  # the admin's catalog


@pytest.mark.parametrize(("minor", "currency", "price"), [(12990, "EUR", "129.90"), (1500, "JPY", "1500"),
                                                         (12345, "KWD", "12.345")])
def test_the_demos_structured_data_states_the_price_in_its_currencys_decimals(app: Flask, minor: int, currency: str,
                                                                               price: str) -> None:
    """schema.org's price is a plain decimal: every decimal the currency has (it was '%.2f': 12.35 for 12.345 KWD)."""
    product = Product(site_id=1, sku="k1", title="Lamp", price_minor=minor, currency=currency)
    with app.test_request_context("/demo/product/k1"):
        offer = _structured_data(product)["offers"]
    assert (offer["price"], offer["priceCurrency"]) == (price, currency)
