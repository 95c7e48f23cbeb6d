"""GET /api/v1/promotions reads a visitor in few statements, and the page cart's categories from the catalog index."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import Session

from assistant.sites.models import Site
from assistant.timeutil import utcnow
from tests.factories import make_product
from tests.promotions.helpers import make_campaign, track
from tests.promotions.statements import statements as counted

VISITOR = "visitor-queries-1"


@pytest.fixture
def statements(app: Flask) -> Iterator[list[str]]:
    """The SQL run while the test runs (SQLAlchemy's and rawsql's), but the catalog index's version look-ups (a
    server makes one a second at most; the tests' indexes look on every use)."""
    with counted(app.extensions["assistant"]["engine"], skip="catalog_state") as seen:
        yield seen


@pytest.fixture
def tents(session: Session, site: Site) -> None:
    make_product(session, site, sku="tent-1", title="Tent", price="120", categories="Tents")
    make_product(session, site, sku="sock-1", title="Sock", price="9", categories="Socks")
    make_campaign(session, site, name="Tent owners", conditions={"cart_contains": {"category": "Tents"}},
                  variants=[{"key": "a", "message": "Pegs for your tent"}])


def test_a_tracked_visitor_is_read_in_a_few_statements(client: FlaskClient, session: Session, site: Site,
                                                       tents: None, statements: list[str]) -> None:
    now = utcnow() - timedelta(minutes=1)
    track(session, site, VISITOR, now, {"type": "page_view", "page": "https://shop.example/tents"},
          {"type": "product_view", "sku": "sock-1", "page": "https://shop.example/p/sock-1"},
          {"type": "cart", "items": [{"sku": "sock-1", "quantity": 1, "price": 9}]})
    client.get(f"/api/v1/promotions?site=pk_test&visitor={VISITOR}&placement=cart&cart=sock-1:1&cart_value=9")
    statements.clear()
    body = client.get(f"/api/v1/promotions?site=pk_test&visitor={VISITOR}&placement=cart&cart=tent-1:1"
                      "&cart_value=120").get_json()
    assert [m["text"] for m in body["messages"]] == ["Pegs for your tent"]
    # the visitor with its visit, views, quiz answers, surveys, stored cart, the campaigns' fingerprint and the
    # promotion history; the carts' categories come from the process's catalog index
    assert len(statements) <= 7, "\n".join(statements)
    assert not [s for s in statements if "product.categories" in s]


def test_a_new_visitor_costs_the_visitor_look_up_and_the_campaigns_check(
        client: FlaskClient, site: Site, tents: None, statements: list[str]) -> None:
    client.get("/api/v1/promotions?site=pk_test&visitor=visitor-queries-0&placement=cart&cart=sock-1:1&cart_value=9")
    statements.clear()
    body = client.get("/api/v1/promotions?site=pk_test&visitor=visitor-queries-2&placement=cart&cart=tent-1:2"
                      "&cart_value=240").get_json()
    assert [m["text"] for m in body["messages"]] == ["Pegs for your tent"]
    assert len(statements) <= 2, "\n".join(statements)
