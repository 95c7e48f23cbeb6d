"""The demo shop's own words follow `?lang=` through the one catalogue: German, Arabic right to left, English
by default and for a language without a catalogue (Japanese)."""

from __future__ import annotations

import re

import pytest
from flask.testing import FlaskClient
from sqlmodel import Session

from assistant.demo.build import build_demo


@pytest.fixture
def demo(session: Session) -> None:
    build_demo(session=session, origins=["http://127.0.0.1:5000"])
    session.commit()


def _text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def _product_path(client: FlaskClient) -> str:
    found = re.search(r'href="(/demo/product/[^"]+)"', client.get("/demo/").get_data(as_text=True))
    assert found is not None
    return found.group(1)


def test_the_shop_in_german(client: FlaskClient, demo: None) -> None:
    home = client.get("/demo/?lang=de").get_data(as_text=True)
    assert '<html lang="de">' in home
    text = _text(home)
    assert "Zum Inhalt springen" in text and "Bestseller dieser Woche" in text and "Nach Kategorie einkaufen" in text
    assert "Kostenloser Versand ab 75,00 €" in text  # the words and the price, both German (spaces joined)
    assert "Tippen Sie auf Meinen Laufschuh finden und beantworten" in text  # the widget's button, as it says it
    assert "Bestsellers this week" not in text and "Skip to content" not in text
    product = _text(client.get(_product_path(client)).get_data(as_text=True))  # the language is kept for the visit
    assert "In den Warenkorb" in product and "Add to cart" not in product
    cart = _text(client.get("/demo/cart").get_data(as_text=True))
    assert "Ihr Warenkorb ist leer." in cart and "Jetzt einkaufen" in cart


def test_the_shop_in_arabic_right_to_left(client: FlaskClient, demo: None) -> None:
    home = client.get("/demo/?lang=ar").get_data(as_text=True)
    assert '<html lang="ar" dir="rtl">' in home
    text = _text(home)
    assert "الأكثر مبيعًا هذا الأسبوع" in text and "انتقل إلى المحتوى" in text
    assert "Bestsellers this week" not in text


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_english_by_default_and_without_a_catalogue(client: FlaskClient, demo: None, lang: str) -> None:
    home = client.get(f"/demo/?lang={lang}").get_data(as_text=True)
    assert f'<html lang="{lang}">' in home
    text = _text(home)
    assert "Bestsellers this week" in text and "Free shipping over €75.00" in text
    assert "Tap Find my running shoe" in text
