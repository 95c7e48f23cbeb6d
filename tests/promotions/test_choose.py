"""choose: live, scheduled, matching campaigns ranked per slot, assigned, rendered; the gap names its product."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlmodel import Session

from assistant.errors import Invalid
from assistant.promotions.campaigns import set_status, update_campaign
from assistant.promotions.models import VariantIn
from assistant.promotions.render import Rendered, TemplateProblem
from assistant.promotions.service import choose, preview
from assistant.promotions.settings import get_settings, save_settings
from assistant.promotions.snapshot import VisitorSnapshot
from assistant.sites.models import Site
from tests.factories import make_product
from tests.promotions.helpers import GAP_MESSAGE, campaign_data, make_campaign

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
CART = VisitorSnapshot(anon_id="anon-choose", cart_value_minor=4200, cart_items=2, cart_skus=frozenset({"tent"}),
                       device="mobile", first_name="Ada")


def names(session: Session, site: Site, placement: str = "cart", snapshot: VisitorSnapshot = CART,
          slots: int | None = None) -> list[str]:
    chosen = choose(session=session, site=site, placement=placement, snapshot=snapshot, now=NOW, slots=slots)
    return [c.text for c in chosen]


def test_ranked_by_priority_one_per_slot(session: Session, site: Site) -> None:
    for name, priority in [("low", 1), ("high", 9), ("mid", 5)]:
        make_campaign(session, site, priority=priority, variants=[{"key": "a", "message": name}])
    assert names(session, site) == ["high"]
    assert names(session, site, slots=2) == ["high", "mid"]
    save_settings(session=session, site=site, data={"slots": {"cart": 3}})
    session.commit()
    assert names(session, site) == ["high", "mid", "low"]
    assert names(session, site, slots=0) == []


def test_only_live_matching_campaigns_on_their_placement(session: Session, site: Site) -> None:
    make_campaign(session, site, status="draft", priority=9, variants=[{"key": "a", "message": "draft"}])
    paused = make_campaign(session, site, priority=8, variants=[{"key": "a", "message": "paused"}])
    set_status(session=session, site=site, campaign_id=paused.pk, status="paused")
    make_campaign(session, site, priority=7, conditions={"device": "desktop"}, variants=[{"key": "a", "message": "pc"}])
    make_campaign(session, site, priority=6, placement="checkout", variants=[{"key": "a", "message": "checkout"}])
    make_campaign(session, site, priority=5, placement="any", variants=[{"key": "a", "message": "anywhere"}])
    make_campaign(session, site, priority=4, conditions={"cart_value": {"min": 40}},
                  variants=[{"key": "a", "message": "big cart"}])
    session.commit()
    assert names(session, site, slots=5) == ["anywhere", "big cart"]
    assert names(session, site, "checkout", slots=5) == ["checkout", "anywhere"]
    assert names(session, site, "exit_intent", slots=5) == []  # `any` page is not a pop-up


def test_edits_show_on_the_next_call(session: Session, site: Site) -> None:
    campaign = make_campaign(session, site, variants=[{"key": "a", "message": "before"}])
    assert names(session, site) == ["before"]
    update_campaign(session=session, site=site, campaign_id=campaign.pk,
                    data=campaign_data(variants=[{"key": "a", "message": "after"}]))
    session.commit()
    assert names(session, site) == ["after"]
    set_status(session=session, site=site, campaign_id=campaign.pk, status="ended")
    session.commit()
    assert names(session, site) == []


def test_a_message_that_cannot_render_is_skipped_for_the_next(session: Session, site: Site) -> None:
    make_campaign(session, site, priority=9, variants=[{"key": "a", "message": "Try {{ items[0].title }}"}])
    make_campaign(session, site, priority=1, variants=[{"key": "a", "message": "fallback"}])
    assert names(session, site) == ["fallback"]  # no items for this visitor: never a broken message


def test_variants_and_control(session: Session, site: Site) -> None:
    campaign = make_campaign(session, site, variants=[{"key": "a", "weight": 1, "message": "A"},
                                                      {"key": "b", "weight": 1, "message": "B"},
                                                      {"key": "ctl", "weight": 1, "control": True}])
    seen: dict[str, set[str]] = {}
    for i in range(60):
        snapshot = VisitorSnapshot(anon_id=f"anon-{i:04d}")
        (chosen,) = choose(session=session, site=site, placement="cart", snapshot=snapshot, now=NOW)
        again = choose(session=session, site=site, placement="cart", snapshot=snapshot, now=NOW)[0]
        assert chosen == again  # sticky
        assert chosen.ref == str(campaign.id)
        seen.setdefault(chosen.variant, set()).add(chosen.text)
    assert seen == {"a": {"A"}, "b": {"B"}, "ctl": {""}}


def test_the_gap_message_names_the_product_that_closes_it(session: Session, site: Site) -> None:
    save_settings(session=session, site=site, data={"free_shipping_threshold": "50"})
    make_product(session, site, sku="tent", price="42.00")
    make_product(session, site, sku="buff", title="Buff", price="7.00")
    make_product(session, site, sku="socks", title="Trail socks", price="9.90")
    make_product(session, site, sku="hat", title="Sun hat", price="12.00", attributes={"terrain": "trail"})
    make_product(session, site, sku="tee", title="Tee", price="8.50", stock="0")
    make_campaign(session, site, conditions={"cart_value": {"max": 49.99}},
                  variants=[{"key": "a", "message": GAP_MESSAGE, "cta": {"kind": "products", "text": "Add"}}])
    (chosen,) = choose(session=session, site=site, placement="cart", snapshot=CART, now=NOW)
    assert chosen.text == "Only €8.00 to free shipping: add Trail socks"
    assert chosen.items[0]["sku"] == "socks" and chosen.items[0]["price"] == 9.9
    assert chosen.cta == {"kind": "products", "text": "Add", "url": "", "coupon": ""}
    trail = VisitorSnapshot(**{**CART.__dict__, "quiz": {"shoes": {"terrain": "trail"}}})
    (chosen,) = choose(session=session, site=site, placement="cart", snapshot=trail, now=NOW)
    assert chosen.text == "Only €8.00 to free shipping: add Sun hat"
    rich = VisitorSnapshot(**{**CART.__dict__, "cart_value_minor": 6000})
    assert choose(session=session, site=site, placement="cart", snapshot=rich, now=NOW) == []


def test_recommended_products_fill_the_items(session: Session, site: Site) -> None:
    mug = make_product(session, site, sku="mug", title="Mug", price="12.00")
    make_campaign(session, site, placement="exit_intent",
                  variants=[{"key": "a", "message": "Still thinking? {{ items[0].title }}"}])
    (chosen,) = choose(session=session, site=site, placement="exit_intent", snapshot=CART, now=NOW, recommended=[mug])
    assert chosen.text == "Still thinking? Mug" and chosen.to_json()["items"][0]["sku"] == "mug"
    viewed = VisitorSnapshot(anon_id="x", viewed_skus=("mug",))
    (chosen,) = choose(session=session, site=site, placement="exit_intent", snapshot=viewed, now=NOW)
    assert chosen.text == "Still thinking? Mug"


def test_json_shape_for_the_widget(session: Session, site: Site) -> None:
    campaign = make_campaign(session, site, variants=[{"key": "a", "message": "Hi {{ first_name }}",
                                                       "cta": {"kind": "coupon", "text": "Copy", "coupon": "TEN"}}])
    body = choose(session=session, site=site, placement="cart", snapshot=CART, now=NOW)[0].to_json()
    assert body == {"ref": str(campaign.id), "campaign": campaign.id, "variant": "a", "placement": "cart",
                    "control": False, "html": "Hi Ada", "text": "Hi Ada", "items": [],
                    "cta": {"kind": "coupon", "text": "Copy", "url": "", "coupon": "TEN"}}


def test_preview_for_a_sample_visitor(session: Session, site: Site) -> None:
    save_settings(session=session, site=site, data={"free_shipping_threshold": 50, "price_style": "suffix"})
    assert get_settings(session=session, site=site).price_style == "suffix"
    result = preview(session=session, site=site, snapshot=CART,
                     variant=VariantIn(key="a", message="{{ first_name }}: {{ price(free_shipping_gap) }}"))
    assert result == Rendered("Ada: 8,00\u00a0€", "Ada: 8,00\u00a0€")
    problem = preview(session=session, site=site, snapshot=CART, variant=VariantIn(key="a", message="{{ x }}"))
    assert isinstance(problem, TemplateProblem)
    problem = preview(session=session, site=site, snapshot=CART,
                      variant=VariantIn(key="a", message="{{ items[0].title }}"))
    assert isinstance(problem, TemplateProblem) and "cannot be rendered for this visitor" in problem.message


def test_bad_arguments(session: Session, site: Site) -> None:
    with pytest.raises(Invalid) as caught:
        choose(session=session, site=site, placement="sidebar", snapshot=CART, now=NOW)
    assert caught.value.field == "placement"
    with pytest.raises(ValueError, match="timezone-aware"):
        choose(session=session, site=site, placement="cart", snapshot=CART, now=NOW.replace(tzinfo=None))


def test_a_products_call_to_action_without_products_is_skipped(session: Session, site: Site) -> None:
    make_campaign(session, site, priority=9, variants=[{"key": "a", "message": "Picked for you",
                                                        "cta": {"kind": "products", "text": "See them"}}])
    make_campaign(session, site, priority=1, variants=[{"key": "a", "message": "fallback"}])
    assert names(session, site) == ["fallback"]
