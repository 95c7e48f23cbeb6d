"""GET /api/v1/promotions: the page's cart drives targeting and the free-shipping message."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlmodel import Session

from assistant.promotions.settings import save_settings
from assistant.sites.models import Site
from tests.factories import make_product
from tests.promotions.helpers import GAP_MESSAGE, make_campaign

VISITOR = "visitor-0001"


@pytest.fixture
def gap_campaign(session: Session, site: Site) -> None:
    save_settings(session=session, site=site, data={"free_shipping_threshold": "75"})
    make_product(session, site, sku="sock", title="Trail Sock", price="12")
    make_product(session, site, sku="shoe", title="Trail Shoe", price="120")
    make_campaign(session, site, name="Free shipping gap", conditions={"cart_value": {"max": 74.99}},
                  variants=[{"key": "a", "message": GAP_MESSAGE}])


def get(client: FlaskClient, query: str) -> Any:
    return client.get(f"/api/v1/promotions?site=pk_test&visitor={VISITOR}&{query}")


def test_gap_message_names_the_amount_and_the_product(client: FlaskClient, gap_campaign: None) -> None:
    body = get(client, "placement=cart&cart=x:1&cart_value=66.10").get_json()
    assert [m["text"] for m in body["messages"]] == ["Only €8.90 to free shipping: add Trail Sock"]
    message = body["messages"][0]
    assert message["placement"] == "cart" and message["control"] is False and message["ref"]


def test_the_amount_follows_the_cart(client: FlaskClient, gap_campaign: None) -> None:
    body = get(client, "placement=cart&cart=x:2&cart_value=70").get_json()
    assert body["messages"][0]["text"].startswith("Only €5.00 to free shipping")
    assert get(client, "placement=cart&cart=x:2&cart_value=80").get_json() == {"messages": []}


@pytest.mark.parametrize(("lang", "amount"), [
    ("de-DE", "8,90\u00a0€"), ("fr-FR", "8,90\u00a0€"), ("de-CH", "EUR\u00a08.90"), ("en-GB", "€8.90"),
    ("", "€8.90"), ("tlh-QQ", "€8.90"), ("x" * 40, "€8.90"),  # no lang or none CLDR knows: the site's style
])
def test_prices_read_as_the_pages_language_shows_them(client: FlaskClient, gap_campaign: None, lang: str,
                                                      amount: str) -> None:
    """The widget sends the page's <html lang>; the message's prices then read as the widget shows its own there."""
    body = get(client, f"placement=cart&cart=x:1&cart_value=66.10&lang={lang}").get_json()
    assert [m["text"] for m in body["messages"]] == [f"Only {amount} to free shipping: add Trail Sock"]


@pytest.mark.parametrize(("query", "field"), [
    ("placement=shelf", "placement"), ("placement=cart&cart=a&cart_value=abc", "cart_value"),
    ("placement=cart&device=toaster", "device")])
def test_bad_requests_name_the_field(client: FlaskClient, gap_campaign: None, query: str, field: str) -> None:
    response = get(client, query)
    assert (response.status_code, response.get_json()["error"]["field"]) == (400, field)


def test_visitor_is_required(client: FlaskClient, site: Site) -> None:
    response = client.get("/api/v1/promotions?site=pk_test&placement=cart")
    assert (response.status_code, response.get_json()["error"]["field"]) == (400, "visitor")
