"""Verified orders and which purchases count: a browser's purchase is a claim; the shop's server (secret key)
or an import confirms it; one visitor's claim never swallows another's order; conflicts count for nobody."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlmodel import Session, select

from assistant.analytics.experiments import experiment_results
from assistant.sites.models import Site
from assistant.sites.secrets import issue_secret, secret_matches
from assistant.timeutil import utcnow
from assistant.tracking.models import Cart, ShopOrder, Visitor
from assistant.tracking.orders import parse_order, record_order
from assistant.tracking.purchases import counted_purchases
from tests.promotions.helpers import make_campaign, shown, track

T0 = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
def secret(session: Session, site: Site) -> str:
    key = issue_secret(site)
    session.add(site)
    session.commit()
    return key


def post_order(client: FlaskClient, body: Any, secret: str | None) -> Any:
    headers = {"Authorization": f"Bearer {secret}"} if secret is not None else {}
    return client.post("/api/v1/orders?site=pk_test", data=json.dumps(body), content_type="application/json",
                       headers=headers)


def claim(session: Session, site: Site, visitor: str, order_id: str, value: float, at: datetime = T0,
          *before: dict[str, Any]) -> None:
    track(session, site, visitor, at, *before, {"type": "purchase", "order_id": order_id, "value": value})


def visitor_id(session: Session, anon_id: str) -> int:
    found = session.exec(select(Visitor.id).where(Visitor.anon_id == anon_id)).one()
    assert found is not None
    return found


def counted(session: Session, site: Site) -> list[tuple[str, str, int, bool]]:
    ids = {v.id: v.anon_id for v in session.exec(select(Visitor))}
    found = counted_purchases(session=session, site=site, visitor_ids=[i for i in ids if i is not None])
    return sorted((p.order_id, ids[p.visitor_id], p.value_minor, p.verified) for p in found)


def verify(session: Session, site: Site, **fields: Any) -> bool:
    stored = record_order(session=session, site=site, order=parse_order(fields), source="api", now=utcnow())
    session.commit()
    return stored


def test_the_secret_is_stored_hashed_and_checked(session: Session, site: Site, secret: str) -> None:
    assert secret.startswith("sk_") and len(secret) > 40
    assert site.secret_hash is not None and secret not in site.secret_hash
    assert secret_matches(site, secret) and not secret_matches(site, secret + "x")
    assert not secret_matches(site, "pk_test") and not secret_matches(Site(key="x", name="x"), secret)


def test_the_server_call_needs_the_secret_key(client: FlaskClient, session: Session, site: Site) -> None:
    order = {"order_id": "o-1", "value": 20.0}
    assert post_order(client, order, None).status_code == 401  # a site without a secret accepts none
    secret = issue_secret(site)
    session.add(site)
    session.commit()
    client.application.extensions["assistant"].pop("sites", None)  # forget the cached site row
    for wrong in (None, "", "pk_test", secret[:-1]):
        answer = post_order(client, order, wrong)
        assert answer.status_code == 401 and answer.get_json()["error"]["field"] == "authorization"
    assert session.exec(select(ShopOrder)).all() == []
    first = post_order(client, order, secret)
    assert first.status_code == 201 and first.get_json() == {"order_id": "o-1", "stored": True, "duplicate": False}
    again = post_order(client, {**order, "value": 0.01}, secret)
    assert again.status_code == 200 and again.get_json()["duplicate"] is True
    session.expire_all()
    stored = session.exec(select(ShopOrder)).one()
    assert (stored.order_id, stored.value_minor, stored.currency, stored.source) == ("o-1", 2000, "EUR", "api")


@pytest.mark.parametrize(("body", "field"), [
    ({"value": 1}, "order_id"), ({"order_id": "a\u0000b", "value": 1}, "order_id"),
    ({"order_id": "o", "value": -1}, "value"), ({"order_id": "o", "value": 1, "secret": 1}, "secret"),
    ({"order_id": "o", "value": 1, "visitor": "x"}, "visitor"),
    ({"order_id": "o", "value": 1, "ordered_at": "1970-01-01T00:00:00Z"}, "ordered_at"),
    ({"order_id": "o", "value": 1, "items": [{"sku": "a", "quantity": 0}]}, "items.0.quantity"),
    ([1], "body")])
def test_a_bad_order_names_its_field(client: FlaskClient, secret: str, body: Any, field: str) -> None:
    answer = post_order(client, body, secret)
    assert answer.status_code == 400 and answer.get_json()["error"]["field"] == field


def test_claims_count_until_the_shop_sends_orders_and_conflicts_count_for_nobody(
        session: Session, site: Site) -> None:
    claim(session, site, "shopper-01", "o-1", 20.0)
    claim(session, site, "attacker-1", "o-2", 0.01)  # claims someone else's order first
    claim(session, site, "shopper-02", "o-2", 35.0)
    assert counted(session, site) == [("o-1", "shopper-01", 2000, False)]
    assert verify(session, site, order_id="o-2", value=35.0)
    # the shop sends its orders: only verified ones count, with its value, to the one it can be given to
    assert counted(session, site) == []  # o-2 is claimed twice and the shop named no one
    assert verify(session, site, order_id="o-1", value=21.0)
    assert counted(session, site) == [("o-1", "shopper-01", 2100, True)]


def test_a_verified_order_goes_to_the_visitor_the_shop_names_or_its_identified_customer(
        session: Session, site: Site) -> None:
    claim(session, site, "attacker-1", "o-2", 0.01)
    claim(session, site, "shopper-02", "o-2", 35.0, T0, {"type": "identify", "customer_id": "c-42"})
    claim(session, site, "attacker-1", "o-3", 0.01)
    claim(session, site, "shopper-03", "o-3", 50.0)
    track(session, site, "shopper-04", T0, {"type": "page_view"})
    verify(session, site, order_id="o-2", value=35.0, customer_id="c-42")
    verify(session, site, order_id="o-3", value=50.0, visitor="shopper-03")
    verify(session, site, order_id="o-4", value=9.5, visitor="shopper-04")  # no claim at all (no widget on checkout)
    assert counted(session, site) == [("o-2", "shopper-02", 3500, True), ("o-3", "shopper-03", 5000, True),
                                      ("o-4", "shopper-04", 950, True)]


def test_a_verified_order_closes_the_named_visitors_basket(session: Session, site: Site) -> None:
    track(session, site, "shopper-01", T0, {"type": "add_to_cart", "sku": "a", "price": 20.0})
    verify(session, site, order_id="o-1", value=20.0, visitor="shopper-01", ordered_at=(T0 + timedelta(hours=1))
           .isoformat())
    cart = session.get(Cart, (site.id, visitor_id(session, "shopper-01")))
    assert cart is not None and cart.items == [] and cart.purchased_at is not None


def test_experiment_results_count_what_counts(session: Session, site: Site) -> None:
    campaign = make_campaign(session, site, variants=[{"key": "a", "message": "Hi"},
                                                      {"key": "control", "control": True}])
    track(session, site, "shopper-a1", T0, shown(campaign))
    claim(session, site, "shopper-a1", "o-1", 30.0, T0 + timedelta(minutes=5))
    track(session, site, "attacker-1", T0, shown(campaign, "control"))
    claim(session, site, "attacker-1", "o-2", 0.01, T0 + timedelta(minutes=5))  # pre-claims the next order id
    track(session, site, "shopper-c1", T0, shown(campaign, "control"))
    claim(session, site, "shopper-c1", "o-2", 80.0, T0 + timedelta(minutes=6))
    a, control = experiment_results(session=session, site=site, campaign=campaign).arms
    assert (a.orders, a.revenue, control.orders, control.revenue) == (1, 30.0, 0, 0.0)  # o-2 is a conflict
    verify(session, site, order_id="o-2", value=80.0, visitor="shopper-c1")
    verify(session, site, order_id="o-1", value=30.0)
    a, control = experiment_results(session=session, site=site, campaign=campaign).arms
    assert (a.orders, a.revenue, control.orders, control.revenue, control.conversions) == (1, 30.0, 1, 80.0, 1)

