"""The demo's campaigns: created once, and the cart nudge answers with the right gap."""

from __future__ import annotations

from flask.testing import FlaskClient
from sqlmodel import Session

from assistant.demo.build import build_demo
from assistant.demo.campaigns import seed_campaigns
from assistant.promotions.campaigns import list_campaigns, variants_of
from assistant.promotions.variants import assign


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
    pay_in_3 = next(c for c in list_campaigns(session=session, site=site) if c.placement == "checkout")
    variants = variants_of(session=session, campaign_ids=[pay_in_3.id])[pay_in_3.id]
    for arm in ("a", "control"):  # a visitor of each arm (90 % and 10 % of them), by the server's own assignment
        visitor = next(v for v in (f"visitor-{n:04d}" for n in range(1000))
                       if assign(variants, site_id=site.pk, campaign_id=pay_in_3.id, visitor=v).key == arm)
        checkout = client.get(f"/api/v1/promotions?site=pk_demo&placement=checkout&visitor={visitor}"
                              "&cart=rs-001:2&cart_value=240").get_json()["messages"]
        assert [(m["variant"], m["control"]) for m in checkout] == [(arm, arm == "control")]
        if arm == "a":
            assert "€240.00" in checkout[0]["text"] and "€80.00" in checkout[0]["text"]
            assert checkout[0]["cta"]["coupon"] == "PAY3"
        else:
            assert (checkout[0]["text"], checkout[0]["html"], checkout[0]["cta"]) == ("", "", {})
