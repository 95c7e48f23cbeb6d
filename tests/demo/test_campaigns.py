"""The demo's campaigns: created once, and the cart nudge answers with the right gap."""

from __future__ import annotations

from flask.testing import FlaskClient
from sqlmodel import Session

from assistant.demo.build import build_demo
from assistant.demo.campaigns import seed_campaigns
from assistant.promotions.campaigns import list_campaigns


def test_campaigns_are_created_once_and_the_nudge_shows(client: FlaskClient, session: Session) -> None:
    site = build_demo(session=session, origins=["http://127.0.0.1:5000"])
    assert seed_campaigns(session=session, site=site) == 3
    assert seed_campaigns(session=session, site=site) == 0
    session.commit()
    assert {c.placement for c in list_campaigns(session=session, site=site)} == {"cart", "checkout", "exit_intent"}
    body = client.get("/api/v1/promotions?site=pk_demo&placement=cart&visitor=visitor-0001&cart=sk-001:1"
                      "&cart_value=60").get_json()
    assert len(body["messages"]) == 1
    text = body["messages"][0]["text"]
    assert "€15.00" in text and ("free shipping" in text or "shipping is on us" in text)
    checkout = client.get("/api/v1/promotions?site=pk_demo&placement=checkout&visitor=visitor-0002&cart=rs-001:2"
                          "&cart_value=240").get_json()["messages"]
    assert len(checkout) == 1 and (checkout[0]["control"] or "€80.00" in checkout[0]["text"])
