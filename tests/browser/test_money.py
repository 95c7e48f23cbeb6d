"""One way to show a price: the widget's money (Intl.NumberFormat with the page's lang) and the server's
`format_money` (Babel) agree for every currency and locale of the money table, and on the demo's cart page the
shop's own amount, the promotion message the server wrote and the prices the widget shows read the same."""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy.engine import Engine

from assistant.catalog.money import format_money
from assistant.paths import resource_dir
from tests.browser.helpers import watch
from tests.browser.test_promotions import (  # noqa: F401  (fixtures: the shop with the demo campaigns)
    CARD,
    NUDGE,
    PROMOS,
    arm,
    as_visitor,
    asked,
    db,
    promo_folder,
    promo_shop,
    shopper,
    text_of,
)
from tests.browser.test_recommendations import fill_cart
from tests.catalog.test_money import LOCALES, SHOWN

AMOUNTS = sorted({key for key in SHOWN} | {(Decimal("0.5"), "EUR"), (Decimal("999999.99"), "USD"),
                                           (Decimal("12.345"), "BHD"), (Decimal("7"), "CLP"), (Decimal("8"), "CHF")})


def money_function() -> str:
    """The money function of the modules that show prices (quiz, strips, promotions): one text, copied in each."""
    found = {name: re.findall(r"\n  function money\(amount, currency\) \{\n.*?\n  \}\n",
                              (resource_dir("static") / "widget" / name).read_text(), re.S)
             for name in ("quiz.js", "recs.js", "promos.js")}
    assert all(len(copies) == 1 for copies in found.values()), found
    texts = {copies[0] for copies in found.values()}
    assert len(texts) == 1, texts
    return texts.pop()


def test_the_widget_formats_as_the_server_does(new_page: Callable[..., Any]) -> None:
    """The widget's own money function (in each module that shows a price), for each locale as the page's lang,
    against Babel."""
    page = new_page()
    problems = watch(page)
    page.goto("/demo/")
    formatting = ("([lang, rows]) => { " + money_function() +  # its `lang`: the page's tag the core hands over
                  " return rows.map(([amount, currency]) => money(amount, currency)); }")
    for locale in LOCALES:
        shown = page.evaluate(
            formatting,
            [locale.replace("_", "-"), [[float(amount), currency] for amount, currency in AMOUNTS]])
        expected = [format_money(amount, currency, locale) for amount, currency in AMOUNTS]
        assert list(zip(AMOUNTS, shown, strict=True)) == list(zip(AMOUNTS, expected, strict=True)), locale
    problems.assert_none()


@pytest.mark.usefixtures("promo_shop")
def test_one_amount_reads_the_same_in_the_shop_the_message_and_the_widget(
        shopper: Callable[..., Any], db: Engine) -> None:  # noqa: F811  (fixtures by name)
    page = shopper()
    problems = watch(page)
    as_visitor(page, arm(db, NUDGE, "product")[0])
    fill_cart(page, "ac-003")
    page.goto("/demo/cart")
    text = text_of(page, CARD)  # written by the server (promotions/render.py)
    gap = page.locator(".shipping-gap strong").inner_text()  # written by the demo's template
    assert text.startswith(f"You're {gap} away from free shipping.")
    item = page.locator(CARD).locator(".item")
    name, price = item.locator(".name").inner_text(), item.locator(".price").inner_text()  # written by the widget
    assert f"{name} ({price}) would get you there." in text
    page.goto(item.get_attribute("href"))
    assert page.locator(".product-price").inner_text() == price  # the demo's product page
    problems.assert_none()


@pytest.mark.usefixtures("promo_shop")
def test_a_cart_value_keeps_its_currencys_decimals(shopper: Callable[..., Any], db: Engine) -> None:  # noqa: F811
    """A KWD total of 12.3456 is asked for as 12.346 (three decimals), not cut to 12.35; the server rounds the
    amount to its currency's own decimals."""
    page = shopper()
    problems = watch(page)
    as_visitor(page, arm(db, NUDGE, "plain")[0])
    fill_cart(page, "ac-003")
    page.goto("/demo/cart")
    text_of(page, CARD)
    queries = asked(page)
    for value, currency, sent in ((12.3456, "KWD", "12.346"), (1500, "JPY", "1500"), (31.9, "EUR", "31.9")):
        with page.expect_response(PROMOS):
            page.evaluate("([value, currency]) => Assistant.setCart([{sku: 'ac-003', quantity: 1, price: value}],"
                          " {value: value, currency: currency})", [value, currency])
        assert queries[-1]["cart_value"] == sent, currency
    problems.assert_none()


@pytest.mark.parametrize("lang", ["de-DE", "fr-FR"])
@pytest.mark.usefixtures("promo_shop")
def test_a_message_and_the_widget_agree_in_the_pages_language(shopper: Callable[..., Any], db: Engine,  # noqa: F811
                                                              lang: str) -> None:
    """On a page in German or French, the server's message and the widget's item price read alike: '12,90 €'."""
    page = shopper()
    problems = watch(page)
    as_visitor(page, arm(db, NUDGE, "product")[0])
    fill_cart(page, "ac-003")
    page.route("**/demo/cart", lambda route: route.fulfill(
        response=(fetched := route.fetch()), body=fetched.text().replace('<html lang="en">', f'<html lang="{lang}">')))
    page.goto("/demo/cart")
    text = text_of(page, CARD)
    item = page.locator(CARD).locator(".item")
    name, price = item.locator(".name").inner_text(), item.locator(".price").inner_text()
    assert "," in price and price.endswith("\u00a0€"), price  # the widget: Intl.NumberFormat in the page's lang
    assert f"{name} ({price})" in text  # the server: Babel in the lang the widget sent (German: the message too)
    problems.assert_none()
