"""The demo's reminders: on at build, a sign-in that identifies the shopper to the widget, and the cart restored
from a reminder's link."""

from __future__ import annotations

import json
import re
from html import unescape

from flask.testing import FlaskClient
from sqlmodel import Session

from assistant.baskets.links import basket_token
from assistant.baskets.models import Basket
from assistant.baskets.settings import get_settings, save_settings
from assistant.demo.account import customer_id_of
from assistant.demo.build import build_demo
from assistant.sites.models import Site
from tests.factories import make_site

SHOP = "http://127.0.0.1:5000"


def test_the_demo_turns_reminders_on_once_and_follows_its_address(session: Session) -> None:
    site = build_demo(session=session, origins=[SHOP])
    settings = get_settings(session=session, site=site)
    assert settings.enabled and settings.cart_url == f"{SHOP}/demo/cart"
    build_demo(session=session, origins=["http://127.0.0.1:8123"])
    assert get_settings(session=session, site=site).cart_url == "http://127.0.0.1:8123/demo/cart"
    save_settings(session=session, site=site, data={"enabled": False, "cart_url": "https://shop.example/basket"})
    build_demo(session=session, origins=[SHOP])
    kept = get_settings(session=session, site=site)
    assert (kept.enabled, kept.cart_url) == (False, "https://shop.example/basket")  # the admin's choice stands


def identify_of(page: str) -> dict[str, object] | None:
    found = re.search(r'<script type="application/json" data-demo-identify>(.*?)</script>', page)
    return json.loads(unescape(found.group(1))) if found else None


def test_sign_in_identifies_the_shopper_once(client: FlaskClient, session: Session) -> None:
    build_demo(session=session, origins=[SHOP])
    session.commit()
    response = client.post("/demo/account", data={"email": " Ana@Example.com ", "consent": "yes"})
    assert response.status_code == 303
    page = client.get("/demo/").get_data(as_text=True)
    assert identify_of(page) == {"customer_id": customer_id_of("ana@example.com"),
                                 "traits": {"email": "Ana@Example.com", "email_consent": True}}
    assert "demo/account.js" in page and "Ana@Example.com" in page
    assert identify_of(client.get("/demo/").get_data(as_text=True)) is None  # once per sign-in
    client.post("/demo/account/sign-out")
    client.post("/demo/account", data={"email": "bo@example.com"})
    assert identify_of(client.get("/demo/").get_data(as_text=True))["traits"] == {  # type: ignore[index]
        "email": "bo@example.com", "email_consent": False}


def test_a_bad_address_is_refused_beside_the_form(client: FlaskClient, session: Session) -> None:
    build_demo(session=session, origins=[SHOP])
    session.commit()
    response = client.post("/demo/account", data={"email": "not an address", "consent": "yes"})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "like you@example.com" in page and 'value="not an address"' in page and "data-demo-identify" not in page


def make_basket(session: Session, site: Site, items: list[dict[str, object]]) -> Basket:
    basket = Basket(site_id=site.pk, visitor_id=1, customer_id="c1", email="c1@example.com", items=items,
                    value_minor=1000, currency=site.currency)
    session.add(basket)
    session.commit()
    return basket


def test_a_reminder_link_restores_the_cart(client: FlaskClient, session: Session) -> None:
    site = build_demo(session=session, origins=[SHOP])
    session.commit()
    basket = make_basket(session, site, [{"sku": "rs-001", "quantity": 2, "price": 129.9},
                                         {"sku": "no-such-sku", "quantity": 1, "price": 1.0}])
    client.post("/demo/cart/add", data={"sku": "sk-001"})
    secret = client.application.config["SECRET_KEY"]
    token = basket_token(secret_key=secret, basket_id=basket.id or 0, purpose="restore")
    response = client.get(f"/demo/cart?assistant_basket={token}")
    assert response.status_code == 303 and response.headers["Location"].endswith("/demo/cart?restored=1")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    tracked = json.loads(unescape(re.search(r"data-assistant-cart>(.*?)</script>", page).group(1)))  # type: ignore[union-attr]
    assert {(i["sku"], i["quantity"]) for i in tracked["items"]} == {("rs-001", 2), ("sk-001", 1)}
    assert "your cart is as you left it" in page


def test_a_bad_or_foreign_token_restores_nothing(client: FlaskClient, session: Session) -> None:
    build_demo(session=session, origins=[SHOP])
    other = make_site(session, key="pk_other")
    theirs = make_basket(session, other, [{"sku": "rs-001", "quantity": 1, "price": 129.9}])
    secret = client.application.config["SECRET_KEY"]
    for token in ("nonsense", basket_token(secret_key="another key", basket_id=theirs.id or 0, purpose="restore"),
                  basket_token(secret_key=secret, basket_id=theirs.id or 0, purpose="unsubscribe"),
                  basket_token(secret_key=secret, basket_id=theirs.id or 0, purpose="restore")):
        response = client.get(f"/demo/cart?assistant_basket={token}")
        assert response.status_code == 400, token
        assert "token" in response.get_data(as_text=True)
    assert '"items": []' in client.get("/demo/cart").get_data(as_text=True)
