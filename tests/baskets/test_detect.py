"""Detection: idle carts of reachable customers become one basket each, which follows its cart until it closes."""

from __future__ import annotations

from typing import Any

import pytest
from sqlmodel import Session

from assistant.baskets.detect import detect, in_holdout, plausible_email, status_of
from assistant.baskets.models import Basket, BasketMessage, EmailOptOut
from assistant.baskets.settings import get_settings
from assistant.sites.models import Site
from assistant.tracking.models import Cart, Customer, Visitor
from tests.baskets.shoppers import T0, baskets, change_cart, enable, messages, minutes, shopper


def run(session: Session, site: Site, at: Any) -> Any:
    summary = detect(session=session, site=site, settings=get_settings(session=session, site=site), now=at)
    session.commit()
    return summary


def test_a_cart_becomes_a_basket_once_it_has_waited_idle_minutes(session: Session, site: Site) -> None:
    enable(session, site, idle_minutes=45)
    visitor = shopper(session, site)
    assert run(session, site, T0 + minutes(44)).opened == 0
    assert run(session, site, T0 + minutes(45)).opened == 1
    [basket] = baskets(session, site)
    assert (basket.visitor_id, basket.items, basket.value_minor, basket.step) == (visitor, shopper_items(), 5000, 0)
    assert basket.email.endswith("@example.com") and basket.closed_at is None
    assert _utc(basket.next_step_at) == T0 + minutes(60)  # the first step's delay after the cart's change


def shopper_items() -> list[dict[str, Any]]:
    return [{"sku": "sku-1", "quantity": 2, "price": 25.0}]


@pytest.mark.parametrize(("given", "opened"), [
    ({}, True),
    ({"consent": "yes"}, True), ({"consent": "TRUE"}, True), ({"consent": 1}, True), ({"consent": "true"}, True),
    ({"consent": False}, False), ({"consent": None}, False), ({"consent": "no"}, False), ({"consent": 0}, False),
    ({"email": None}, False), ({"email": "not an address"}, False), ({"email": "a@b"}, False), ({"email": 42}, False),
    ({"customer": None}, False),
    ({"items": []}, False),
])
def test_only_reachable_customers_with_items_get_a_basket(session: Session, site: Site, given: dict[str, Any],
                                                          opened: bool) -> None:
    enable(session, site)
    shopper(session, site, **given)
    assert run(session, site, T0 + minutes(90)).opened == int(opened)


def test_a_visitor_in_the_global_control_group_gets_no_basket(session: Session, site: Site) -> None:
    enable(session, site)
    held_out, reminded = shopper(session, site), shopper(session, site)
    visitor = session.get_one(Visitor, held_out)
    visitor.in_control = True
    session.add(visitor)
    session.commit()
    assert run(session, site, T0 + minutes(60)).opened == 1
    assert [b.visitor_id for b in baskets(session, site)] == [reminded]


def test_the_consent_trait_is_the_sites_setting(session: Session, site: Site) -> None:
    enable(session, site, consent_trait="accepts_marketing")
    shopper(session, site, consent=True)  # email_consent, not the trait the site asks for
    shopper(session, site, consent="yes", consent_trait="accepts_marketing")
    assert run(session, site, T0 + minutes(90)).opened == 1


def test_an_opted_out_customer_gets_no_basket_and_an_open_one_closes(session: Session, site: Site) -> None:
    enable(session, site)
    shopper(session, site, customer="gone")
    session.add(EmailOptOut(site_id=site.pk, customer_id="gone"))
    session.commit()
    stays = shopper(session, site, customer="stays")
    assert run(session, site, T0 + minutes(90)).opened == 1
    session.add(EmailOptOut(site_id=site.pk, customer_id="stays"))
    session.commit()
    assert run(session, site, T0 + minutes(91)).closed["unsubscribed"] == 1
    [basket] = baskets(session, site)
    assert (basket.visitor_id, basket.closed_reason, basket.next_step_at) == (stays, "unsubscribed", None)


def test_withdrawn_consent_closes_the_basket_and_cancels_its_pending_message(session: Session, site: Site) -> None:
    enable(session, site)
    shopper(session, site, customer="ada")
    run(session, site, T0 + minutes(90))
    [basket] = baskets(session, site)
    session.add(BasketMessage(site_id=site.pk, basket_id=basket.id, step=1, channel="smtp",
                              idempotency_key=f"basket-{basket.id}-step-1", to_address=basket.email,
                              subject="s", html="h", text_body="t"))
    person = session.get(Customer, (site.id, "ada"))
    assert person is not None
    person.traits = {**person.traits, "email_consent": False}
    session.add(person)
    session.commit()
    assert run(session, site, T0 + minutes(91)).closed["unsubscribed"] == 1
    assert [m.status for m in messages(session, site)] == ["cancelled"]


def test_one_basket_per_cart_updated_while_it_changes(session: Session, site: Site) -> None:
    enable(session, site)
    visitor = shopper(session, site)
    run(session, site, T0 + minutes(60))
    assert run(session, site, T0 + minutes(61)).opened == 0
    new_items = [{"sku": "sku-2", "quantity": 1, "price": 80.0}]
    change_cart(session, site, visitor, at=T0 + minutes(70), items=new_items)
    summary = run(session, site, T0 + minutes(75))
    assert (summary.opened, summary.updated) == (0, 1)
    [basket] = baskets(session, site)
    assert (basket.items, basket.value_minor) == (new_items, 8000)
    assert _utc(basket.cart_updated_at) == T0 + minutes(70)
    assert _utc(basket.next_step_at) == T0 + minutes(130)  # pushed: 60 minutes after the new change
    assert run(session, site, T0 + minutes(200)).updated == 0


def test_a_purchase_closes_the_basket(session: Session, site: Site) -> None:
    enable(session, site)
    visitor = shopper(session, site)
    run(session, site, T0 + minutes(60))
    change_cart(session, site, visitor, at=T0 + minutes(80), items=[], purchased=True)
    summary = run(session, site, T0 + minutes(85))
    assert summary.closed["purchased"] == 1 and summary.closed["emptied"] == 0
    [basket] = baskets(session, site)
    assert (basket.closed_reason, basket.next_step_at) == ("purchased", None)
    assert run(session, site, T0 + minutes(300)).opened == 0  # the bought cart is empty


def test_an_emptied_cart_closes_the_basket_and_a_refilled_one_opens_a_new_one(session: Session, site: Site) -> None:
    enable(session, site)
    visitor = shopper(session, site)
    run(session, site, T0 + minutes(60))
    change_cart(session, site, visitor, at=T0 + minutes(80), items=[])
    assert run(session, site, T0 + minutes(85)).closed["emptied"] == 1
    change_cart(session, site, visitor, at=T0 + minutes(100), items=[{"sku": "x", "quantity": 1, "price": 5.0}])
    assert run(session, site, T0 + minutes(130)).opened == 0  # not idle yet
    assert run(session, site, T0 + minutes(160)).opened == 1
    assert [b.closed_reason for b in baskets(session, site)] == ["emptied", None]


def test_a_closed_basket_is_not_reopened_for_the_same_cart(session: Session, site: Site) -> None:
    enable(session, site)
    shopper(session, site)
    run(session, site, T0 + minutes(60))
    [basket] = baskets(session, site)
    basket.step, basket.next_step_at = 2, None  # every step done, nothing pending
    session.add(basket)
    session.commit()
    assert run(session, site, T0 + minutes(2000)).closed["finished"] == 1
    assert run(session, site, T0 + minutes(2001)).opened == 0


def test_carts_older_than_the_whole_sequence_are_left_alone(session: Session, site: Site) -> None:
    enable(session, site, steps=[{"after_minutes": 60}, {"after_minutes": 180}])
    shopper(session, site)
    assert run(session, site, T0 + minutes(181)).opened == 0
    assert run(session, site, T0 + minutes(179)).opened == 1


def test_other_sites_carts_are_not_this_sites_baskets(session: Session, site: Site) -> None:
    from tests.factories import make_site

    other = make_site(session, key="pk_other", name="Other")
    enable(session, site)
    enable(session, other)
    shopper(session, other)
    assert run(session, site, T0 + minutes(90)).opened == 0
    assert run(session, other, T0 + minutes(90)).opened == 1


def test_the_holdout_share_is_stable_and_near_the_setting(session: Session, site: Site) -> None:
    enable(session, site, holdout_share=0.2)
    _many_shoppers(session, site, 1500)
    summary = run(session, site, T0 + minutes(90))
    assert summary.opened == 1500
    share = summary.holdout / summary.opened
    assert 0.16 < share < 0.24, share  # four binomial sds at 1,500 baskets (0.010 each)
    assert sum(b.holdout for b in baskets(session, site)) == summary.holdout
    for basket in baskets(session, site)[:50]:
        assert in_holdout(site_key=site.key, visitor_id=basket.visitor_id, opened_at=T0 + minutes(90),
                          share=0.2) == basket.holdout


def test_holdout_draws_are_spread_evenly() -> None:
    draws = [in_holdout(site_key="pk", visitor_id=v, opened_at=T0, share=0.1) for v in range(20_000)]
    assert 0.09 < sum(draws) / len(draws) < 0.11
    assert not any(in_holdout(site_key="pk", visitor_id=v, opened_at=T0, share=0.0) for v in range(1000))


@pytest.mark.parametrize(("text", "ok"), [("ada@example.com", True), ("a.b+c@mail.example.co.uk", True),
                                          ("ada@example", False), ("ada example.com", False), ("@example.com", False),
                                          ("ada@@example.com", False), ("ada@exa mple.com", False), (None, False)])
def test_plausible_email(text: Any, ok: bool) -> None:
    assert plausible_email(text) is ok


def test_status_of() -> None:
    basket = Basket(site_id=1, visitor_id=1, customer_id="c", email="c@example.com")
    assert status_of(basket, False) == "waiting"
    basket.step = 1
    assert status_of(basket, False) == "sent" and status_of(basket, True) == "failed"
    basket.clicked_at = T0
    assert status_of(basket, False) == "clicked"
    basket.recovered_at = T0
    assert status_of(basket, True) == "recovered"
    assert status_of(Basket(site_id=1, visitor_id=1, customer_id="c", email="e", holdout=True, step=1), False) \
        == "holdout"
    closed = Basket(site_id=1, visitor_id=1, customer_id="c", email="e", closed_at=T0, closed_reason="emptied")
    assert status_of(closed, False) == "closed"
    closed.closed_reason = "unsubscribed"
    assert status_of(closed, False) == "unsubscribed"


def _many_shoppers(session: Session, site: Site, n: int) -> None:
    visitors = [Visitor(site_id=site.pk, anon_id=f"many-{i}", customer_id=f"many-{i}") for i in range(n)]
    session.add_all(visitors)
    session.flush()
    session.add_all([Customer(site_id=site.pk, customer_id=f"many-{i}",
                              traits={"email": f"many{i}@example.com", "email_consent": True}) for i in range(n)])
    session.add_all([Cart(site_id=site.pk, visitor_id=v.id, items=shopper_items(), value_minor=5000, updated_at=T0)
                     for v in visitors])
    session.commit()


def _utc(value: Any) -> Any:
    from assistant.timeutil import as_utc

    return as_utc(value) if value is not None else None

