"""POST /api/v1/events: per-event validation, partial acceptance, idempotency, bots, limits."""

from __future__ import annotations

import dataclasses
import json
import time
from typing import Any

import pytest
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import Session, func, select

from assistant.sites.models import Site
from assistant.tracking.models import Cart, Event, Visitor, VisitSession

CHROME = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36"
NOW_MS = time.time() * 1000


def send(client: FlaskClient, body: Any, agent: str = CHROME, address: str = "203.0.113.7") -> Any:
    return client.post("/api/v1/events?site=pk_test", data=json.dumps(body), content_type="text/plain",
                       headers={"User-Agent": agent}, environ_base={"REMOTE_ADDR": address})


def event(number: int, kind: str = "page_view", **fields: Any) -> dict[str, Any]:
    return {"id": f"evt-{number:05d}", "type": kind, "ts": NOW_MS, "page": "/demo/", **fields}


def stored(session: Session) -> list[Event]:
    session.expire_all()
    return list(session.exec(select(Event).order_by(Event.client_id)))


def test_valid_batch_is_stored(client: FlaskClient, session: Session, site: Site) -> None:
    batch = {"visitor": "visitor-0001", "events": [
        event(1, page="/demo/?utm_source=news&utm_medium=email", referrer="https://mail.example/"),
        event(2, "product_view", sku="rs-001", price=89.9, currency="EUR"),
        event(3, "search", query="trail shoes"),
        event(4, "purchase", order_id="o-1", value=89.9, items=[{"sku": "rs-001", "quantity": 1, "price": 89.9}]),
    ]}
    response = send(client, batch)
    assert (response.status_code, response.get_json()) == (200, {
        "accepted": 4, "duplicates": 0, "bot": False, "rejected": []})
    rows = stored(session)
    assert [(e.type, e.sku, e.value_minor) for e in rows] == [
        ("page_view", None, None), ("product_view", "rs-001", None), ("search", None, None),
        ("purchase", None, 8990)]
    assert rows[2].data == {"query": "trail shoes"}
    visit = session.exec(select(VisitSession)).one()
    assert (visit.utm_source, visit.utm_medium, visit.referrer, visit.device) == (
        "news", "email", "https://mail.example/", "desktop")
    assert {e.session_id for e in rows} == {visit.id}


def test_bad_events_are_named_and_good_ones_kept(client: FlaskClient, session: Session, site: Site) -> None:
    batch = {"visitor": "visitor-0001", "events": [
        event(1), event(2, "product_view"), {"id": "evt-3", "type": "page_view"}, event(4, "teleport"),
        event(5, "add_to_cart", sku="x", quantity=0), "nonsense", event(7, "search", query="ok"),
    ]}
    body = send(client, batch).get_json()
    assert body["accepted"] == 2
    assert [(r["index"], r["field"]) for r in body["rejected"]] == [
        (1, "events[1].sku"), (2, "events[2].id"), (3, "events[3].type"), (4, "events[4].quantity"),
        (5, "events[5]")]
    assert body["rejected"][0]["reason"] == "Field required"
    assert [e.client_id for e in stored(session)] == ["evt-00001", "evt-00007"]


def test_a_batch_with_nothing_valid_is_a_400(client: FlaskClient, site: Site) -> None:
    response = send(client, {"visitor": "visitor-0001", "events": [event(1, "product_view")]})
    assert response.status_code == 400
    assert response.get_json()["error"]["field"] == "events[0].sku"


@pytest.mark.parametrize(("body", "field"), [
    ([], "body"), ({"events": [event(1)]}, "visitor"), ({"visitor": "short", "events": [event(1)]}, "visitor"),
    ({"visitor": "visitor-0001", "events": []}, "events"),
    ({"visitor": "visitor-0001", "events": [event(i) for i in range(101)]}, "events"),
])
def test_bad_envelopes(client: FlaskClient, site: Site, body: Any, field: str) -> None:
    response = send(client, body)
    assert (response.status_code, response.get_json()["error"]["field"]) == (400, field)


def test_retried_batch_is_not_double_counted(client: FlaskClient, session: Session, site: Site) -> None:
    batch = {"visitor": "visitor-0001", "events": [event(1), event(2, "add_to_cart", sku="a", price=10.0)]}
    assert send(client, batch).get_json()["accepted"] == 2
    again = send(client, batch).get_json()
    assert (again["accepted"], again["duplicates"]) == (0, 2)
    assert len(stored(session)) == 2
    cart = session.exec(select(Cart)).one()
    assert (cart.items, cart.value_minor) == ([{"sku": "a", "quantity": 1, "price": 10.0}], 1000)


def test_a_purchase_is_stored_once_per_order_and_visitor(client: FlaskClient, session: Session, site: Site) -> None:
    order = {"order_id": "o-9", "value": 20.0, "items": [{"sku": "a", "quantity": 1, "price": 20.0}]}
    send(client, {"visitor": "visitor-0001", "events": [event(1, "purchase", **order)]})
    again = send(client, {"visitor": "visitor-0001", "events": [event(2, "purchase", **order)]}).get_json()
    assert (again["accepted"], again["duplicates"]) == (0, 1)  # the page fired it twice
    assert [(e.type, e.ref, e.value_minor) for e in stored(session)] == [("purchase", "o-9", 2000)]
    assert len(session.exec(select(Cart)).all()) == 1


def test_another_visitors_claim_of_an_order_does_not_swallow_it(
        client: FlaskClient, session: Session, site: Site) -> None:
    """Anyone with the public key can send a purchase: an attacker's claim first must not make the real one a
    duplicate; both are stored, and the order is a conflict (tracking.purchases counts it for nobody)."""
    fake = {"order_id": "o-9", "value": 0.01}
    real = {"order_id": "o-9", "value": 20.0, "items": [{"sku": "a", "quantity": 1, "price": 20.0}]}
    send(client, {"visitor": "attacker-01", "events": [event(1, "purchase", **fake)]})
    send(client, {"visitor": "visitor-0002", "events": [event(2, "add_to_cart", sku="a", price=20.0)]})
    answer = send(client, {"visitor": "visitor-0002", "events": [event(3, "purchase", **real)]}).get_json()
    assert (answer["accepted"], answer["duplicates"]) == (1, 0)
    purchases = [(e.ref, e.value_minor) for e in stored(session) if e.type == "purchase"]
    assert purchases == [("o-9", 1), ("o-9", 2000)]
    shopper = session.exec(select(Visitor).where(Visitor.anon_id == "visitor-0002")).one()
    cart = session.get(Cart, (site.id, shopper.id))
    assert cart is not None and cart.purchased_at is not None and cart.items == []  # the basket was bought


def test_cart_follows_add_remove_state_and_purchase(client: FlaskClient, session: Session, site: Site) -> None:
    def cart() -> Cart:
        session.expire_all()
        return session.exec(select(Cart)).one()

    send(client, {"visitor": "visitor-0001", "events": [
        event(1, "add_to_cart", sku="a", quantity=2, price=10.0), event(2, "add_to_cart", sku="b", price=5.5)]})
    assert (cart().items, cart().value_minor) == (
        [{"sku": "a", "quantity": 2, "price": 10.0}, {"sku": "b", "quantity": 1, "price": 5.5}], 2550)
    send(client, {"visitor": "visitor-0001", "events": [event(3, "remove_from_cart", sku="a", quantity=2)]})
    assert [line["sku"] for line in cart().items] == ["b"]
    send(client, {"visitor": "visitor-0001", "events": [
        event(4, "cart", items=[{"sku": "c", "quantity": 3, "price": 2.0}], value=6.0, currency="EUR")]})
    assert (cart().items, cart().value_minor, cart().purchased_at) == (
        [{"sku": "c", "quantity": 3, "price": 2.0}], 600, None)
    send(client, {"visitor": "visitor-0001", "events": [event(5, "purchase", order_id="o-1", value=6.0)]})
    assert cart().items == [] and cart().purchased_at is not None


def test_known_bots_are_dropped(client: FlaskClient, session: Session, site: Site) -> None:
    agent = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"
    body = send(client, {"visitor": "visitor-0001", "events": [event(1)]}, agent=agent).get_json()
    assert body["bot"] is True and body["accepted"] == 0
    assert stored(session) == [] and session.exec(select(func.count()).select_from(Visitor)).one() == 0


def test_rate_limited_per_client_address_with_retry_after(app: Any, client: FlaskClient, site: Site) -> None:
    app.extensions["assistant"]["settings"] = app.extensions["assistant"]["settings"].__class__(
        **{**app.extensions["assistant"]["settings"].__dict__, "event_limit_client": "3/minute"})
    statuses = [send(client, {"visitor": "visitor-0001", "events": [event(i)]}).status_code for i in range(4)]
    assert statuses == [200, 200, 200, 429]
    limited = send(client, {"visitor": "visitor-0001", "events": [event(9)]})
    assert limited.status_code == 429 and int(limited.headers["Retry-After"]) > 0
    assert limited.get_json()["error"]["code"] == "too_many_requests"
    other = send(client, {"visitor": "visitor-0002", "events": [event(10)]}, address="198.51.100.1")
    assert other.status_code == 200


def test_a_cross_origin_widget_may_read_retry_after(app: Any, client: FlaskClient, site: Site) -> None:
    state = app.extensions["assistant"]
    state["settings"] = dataclasses.replace(state["settings"], event_limit_site="1/minute")
    headers = {"User-Agent": CHROME, "Origin": "https://shop.example"}
    body = json.dumps({"visitor": "visitor-0001", "events": [event(1)]})
    answers = [client.post("/api/v1/events?site=pk_test", data=body, content_type="text/plain", headers=headers)
               for _ in range(2)]
    assert [a.status_code for a in answers] == [200, 429]
    assert answers[1].headers["Access-Control-Allow-Origin"] == "https://shop.example"
    assert "Retry-After" in answers[1].headers["Access-Control-Expose-Headers"]


JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=12),
                    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=5),
                    max_leaves=20)
EVENTISH = st.fixed_dictionaries({"id": st.text(min_size=6, max_size=12) | JSON,
                                  "type": st.sampled_from(["page_view", "cart", "purchase", "identify", "x"])},
                                 optional={"ts": JSON, "sku": JSON, "items": JSON, "value": JSON, "order_id": JSON,
                                           "customer_id": JSON, "traits": JSON, "quantity": JSON, "page": JSON})


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=JSON | st.fixed_dictionaries({"visitor": st.just("visitor-0001") | JSON,
                                          "events": st.lists(EVENTISH | JSON, max_size=5) | JSON}))
def test_arbitrary_json_never_causes_a_server_error(client: FlaskClient, site: Site, body: Any) -> None:
    response = send(client, body)
    assert response.status_code < 500, response.get_json()
