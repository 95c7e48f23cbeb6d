"""The reminder's links over HTTP: back to the cart (counted once, then the shop), restore, unsubscribe."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import Session, select

from assistant.baskets.compose import compose_step
from assistant.baskets.links import basket_token
from assistant.baskets.models import Basket, BasketMessage, EmailOptOut
from assistant.baskets.settings import BasketSettings, save_settings
from assistant.catalog.models import Product
from assistant.config import DEV_SECRET
from assistant.demo.build import build_demo
from assistant.sites.models import Site
from assistant.timeutil import utcnow
from tests.baskets.messages_helpers import make_basket, make_message


def token(basket: Basket, purpose: str = "restore", **kwargs: object) -> str:
    return basket_token(secret_key=DEV_SECRET, basket_id=basket.id or 0, purpose=purpose, **kwargs)  # type: ignore[arg-type]


def assert_bad_token(answer: object) -> None:
    assert answer.status_code == 400, answer.get_data(as_text=True)  # type: ignore[attr-defined]
    assert answer.get_json()["error"]["field"] == "token"  # type: ignore[attr-defined]


def test_the_button_counts_the_first_click_and_lands_on_the_cart_page(client: FlaskClient, session: Session,
                                                                      site: Site) -> None:
    save_settings(session=session, site=site, data={"cart_url": "https://shop.example/cart?lang=en#top"})
    session.commit()
    basket = make_basket(session, site)
    link = token(basket)
    answer = client.get(f"/api/v1/baskets/r/{link}")
    assert answer.status_code == 302
    landed = urlsplit(answer.headers["Location"])
    assert (landed.scheme, landed.netloc, landed.path, landed.fragment) == ("https", "shop.example", "/cart", "top")
    assert parse_qs(landed.query) == {"lang": ["en"], "assistant_basket": [link]}
    session.refresh(basket)
    first = basket.clicked_at
    assert first is not None
    assert client.get(f"/api/v1/baskets/r/{link}").status_code == 302
    session.refresh(basket)
    assert basket.clicked_at == first


def test_without_a_cart_page_the_button_lands_on_the_shops_first_origin(client: FlaskClient, session: Session,
                                                                        site: Site) -> None:
    basket = make_basket(session, site)
    answer = client.get(f"/api/v1/baskets/r/{token(basket)}")
    assert answer.status_code == 302
    assert answer.headers["Location"].startswith("https://shop.example/?assistant_basket=")


def test_a_head_request_counts_no_click(client: FlaskClient, session: Session, site: Site) -> None:
    basket = make_basket(session, site)
    assert client.head(f"/api/v1/baskets/r/{token(basket)}").status_code == 302
    session.refresh(basket)
    assert basket.clicked_at is None


@pytest.mark.parametrize("path", ["/api/v1/baskets/r/{t}", "/api/v1/baskets/restore?token={t}",
                                  "/api/v1/baskets/unsubscribe/{t}"])
def test_bad_tokens_are_a_400_naming_the_token(client: FlaskClient, session: Session, site: Site, path: str) -> None:
    basket = make_basket(session, site)
    good = token(basket, "unsubscribe" if "unsubscribe" in path else "restore")
    other = token(basket, "restore" if "unsubscribe" in path else "unsubscribe")
    tampered = good[:-2] + ("AA" if not good.endswith("AA") else "BB")
    for bad in (tampered, other, "nonsense", "x" * 300, basket_token(secret_key="another", basket_id=basket.id or 0,
                                                                      purpose="restore")):
        assert_bad_token(client.get(path.format(t=bad)))
    assert client.get(path.format(t=good)).status_code in (200, 302)


def test_an_expired_restore_link_is_refused(client: FlaskClient, session: Session, site: Site) -> None:
    basket = make_basket(session, site)
    assert_bad_token(client.get(f"/api/v1/baskets/r/{token(basket, now=utcnow() - timedelta(days=31))}"))
    assert client.get(f"/api/v1/baskets/r/{token(basket, now=utcnow() - timedelta(days=29))}").status_code == 302


def test_a_missing_token_is_a_400(client: FlaskClient) -> None:
    assert_bad_token(client.get("/api/v1/baskets/restore"))


def test_a_deleted_basket_is_a_404(client: FlaskClient, session: Session, site: Site) -> None:
    basket = make_basket(session, site)
    link = token(basket)
    session.delete(basket)
    session.commit()
    answer = client.get(f"/api/v1/baskets/r/{link}")
    assert answer.status_code == 404
    assert answer.get_json()["error"]["field"] == "token"


def test_restore_gives_the_cart_with_cors_for_the_shop(client: FlaskClient, session: Session, site: Site) -> None:
    basket = make_basket(session, site, items=[{"sku": "a", "quantity": 2, "price": 5}, {"sku": "b", "quantity": 1,
                                                                                        "price": 1.5}])
    answer = client.get(f"/api/v1/baskets/restore?token={token(basket)}", headers={"Origin": "https://shop.example"})
    assert answer.status_code == 200
    assert answer.get_json() == {"items": [{"sku": "a", "quantity": 2}, {"sku": "b", "quantity": 1}],
                                 "currency": "EUR"}
    assert answer.headers["Access-Control-Allow-Origin"] == "https://shop.example"
    refused = client.get(f"/api/v1/baskets/restore?token={token(basket)}", headers={"Origin": "https://evil.example"})
    assert refused.status_code == 403
    assert "Access-Control-Allow-Origin" not in refused.headers
    assert client.get(f"/api/v1/baskets/restore?token={token(basket)}").status_code == 200  # the shop's server
    preflight = client.options(f"/api/v1/baskets/restore?token={token(basket)}", headers={
        "Origin": "https://shop.example", "Access-Control-Request-Method": "GET",
        "Access-Control-Request-Headers": "content-type"})
    assert preflight.status_code == 204
    assert preflight.headers["Access-Control-Allow-Origin"] == "https://shop.example"
    assert "GET" in preflight.headers["Access-Control-Allow-Methods"]


def test_unsubscribing_by_the_link_stops_everything_at_once(client: FlaskClient, session: Session,
                                                            site: Site) -> None:
    basket = make_basket(session, site)
    other_visitor = make_basket(session, site)
    sent = make_message(session, basket, step=1, status="sent")
    pending = make_message(session, basket, step=2)
    also_pending = make_message(session, other_visitor, step=1)
    answer = client.get(f"/api/v1/baskets/unsubscribe/{token(basket, 'unsubscribe')}")
    assert answer.status_code == 200
    assert answer.content_type.startswith("text/html")
    assert "You are unsubscribed" in answer.get_data(as_text=True)
    assert "Test shop" in answer.get_data(as_text=True)
    session.expire_all()
    for each in (basket, other_visitor):
        session.refresh(each)
        assert (each.closed_reason, each.next_step_at) == ("unsubscribed", None)
        assert each.closed_at is not None
    statuses = [session.exec(select(BasketMessage.status).where(BasketMessage.id == m.id)).one()
                for m in (sent, pending, also_pending)]
    assert statuses == ["sent", "cancelled", "cancelled"]
    assert session.get(EmailOptOut, (site.pk, "c-1")) is not None


def test_one_click_post_and_repeats_answer_200(client: FlaskClient, session: Session, site: Site) -> None:
    basket = make_basket(session, site)
    link = f"/api/v1/baskets/unsubscribe/{token(basket, 'unsubscribe')}"
    assert client.head(link).status_code == 200
    session.refresh(basket)
    assert basket.closed_at is None  # a mail scanner's HEAD changes nothing
    answer = client.post(link, data="List-Unsubscribe=One-Click",
                         content_type="application/x-www-form-urlencoded")
    assert answer.status_code == 200
    assert client.post(link).status_code == 200
    assert client.get(link).status_code == 200
    assert len(session.exec(select(EmailOptOut)).all()) == 1
    session.refresh(basket)
    assert basket.closed_reason == "unsubscribed"


def test_the_routes_are_registered(app: Flask) -> None:
    rules = {rule.rule for rule in app.url_map.iter_rules()}
    assert {"/api/v1/baskets/r/<token>", "/api/v1/baskets/restore", "/api/v1/baskets/unsubscribe/<token>"} <= rules


def test_the_demo_reminders_images_and_links_all_answer(client: FlaskClient, session: Session) -> None:
    """No broken images: every <img> of a demo reminder is an absolute URL this app serves, as are its links."""
    site = build_demo(session=session, origins=["http://localhost"])
    products = session.exec(select(Product).where(Product.site_id == site.pk).limit(3)).all()
    basket = make_basket(session, site, items=[{"sku": p.sku, "quantity": 1, "price": p.price} for p in products],
                         value_minor=sum(p.price_minor for p in products))
    mail = compose_step(session=session, site=site, basket=basket, step=1, settings=BasketSettings(),
                        base_url="http://localhost/", secret_key=DEV_SECRET, now=utcnow())
    sources = re.findall(r'<img src="([^"]+)"', mail.html)
    assert len(sources) == 3 + 3  # the cart's lines and three recommended products
    for url in sources + [item["url"] for item in mail.payload["items"]]:
        assert url.startswith("http://localhost/demo/"), url
        answer = client.get(url.removeprefix("http://localhost"))
        assert answer.status_code == 200, url
    assert all(client.get(src.removeprefix("http://localhost")).content_type.startswith("image/svg+xml")
               for src in sources)
    assert client.get(mail.payload["restore_url"].removeprefix("http://localhost")).status_code == 302
