"""Recovery: the customer's first counted purchase within recovery_days of the first reminder, holdout baskets too."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlmodel import Session

from assistant.baskets.detect import detect
from assistant.baskets.models import Basket, BasketMessage
from assistant.baskets.recovery import mark_recoveries, recovered_after_click
from assistant.baskets.settings import get_settings
from assistant.sites.models import Site
from assistant.timeutil import as_utc
from assistant.tracking.models import ShopOrder, Visitor
from tests.baskets.shoppers import T0, baskets, enable, messages, minutes, purchase, shopper

REMINDED = T0 + minutes(60)


def reminded(session: Session, site: Site, *, holdout: bool = False, customer: str = "ada",
             clicked: datetime | None = None) -> tuple[int, Basket]:
    """A shopper whose basket got (or, in the holdout, would have got) its first reminder at REMINDED."""
    visitor = shopper(session, site, customer=customer)
    detect(session=session, site=site, settings=get_settings(session=session, site=site), now=REMINDED)
    session.commit()
    basket = baskets(session, site)[-1]
    basket.step, basket.first_reminder_at, basket.holdout, basket.clicked_at = 1, REMINDED, holdout, clicked
    basket.next_step_at = T0 + minutes(24 * 60)
    session.add(basket)
    session.add(BasketMessage(site_id=site.pk, basket_id=basket.id, step=2, channel="smtp",
                              idempotency_key=f"basket-{basket.id}-step-2", to_address=basket.email,
                              subject="s", html="h", text_body="t"))
    session.commit()
    return visitor, basket


def recover(session: Session, site: Site, at: datetime) -> int:
    found = mark_recoveries(session=session, site=site, settings=get_settings(session=session, site=site), now=at)
    session.commit()
    return found


@pytest.mark.parametrize("holdout", [False, True])
def test_a_purchase_within_seven_days_recovers_the_basket(session: Session, site: Site, holdout: bool) -> None:
    enable(session, site)
    visitor, _ = reminded(session, site, holdout=holdout)
    order = purchase(session, site, visitor, at=REMINDED + timedelta(days=2), value_minor=7350)
    assert recover(session, site, REMINDED + timedelta(days=3)) == 1
    [basket] = baskets(session, site)
    assert (basket.recovered_order_id, basket.recovered_value_minor) == (order, 7350)
    assert as_utc(basket.recovered_at) == REMINDED + timedelta(days=2)
    assert (basket.closed_reason, basket.next_step_at, basket.holdout) == ("purchased", None, holdout)
    assert [m.status for m in messages(session, site)] == ["cancelled"]  # the second step never goes
    assert recover(session, site, REMINDED + timedelta(days=4)) == 0  # counted once


def test_a_purchase_after_seven_days_closes_but_does_not_recover(session: Session, site: Site) -> None:
    enable(session, site)
    visitor, _ = reminded(session, site)
    purchase(session, site, visitor, at=REMINDED + timedelta(days=7, minutes=1))
    assert recover(session, site, REMINDED + timedelta(days=8)) == 0
    [basket] = baskets(session, site)
    assert basket.recovered_at is None and basket.closed_reason == "purchased"


def test_the_window_is_the_sites_setting(session: Session, site: Site) -> None:
    enable(session, site, recovery_days=2)
    visitor, _ = reminded(session, site)
    purchase(session, site, visitor, at=REMINDED + timedelta(days=2, minutes=1))
    assert recover(session, site, REMINDED + timedelta(days=4)) == 0


def test_the_seventh_day_still_counts(session: Session, site: Site) -> None:
    enable(session, site)
    visitor, _ = reminded(session, site)
    purchase(session, site, visitor, at=REMINDED + timedelta(days=7))
    assert recover(session, site, REMINDED + timedelta(days=8)) == 1


def test_a_purchase_before_the_first_reminder_closes_without_recovery(session: Session, site: Site) -> None:
    enable(session, site)
    visitor = shopper(session, site, customer="ada")
    detect(session=session, site=site, settings=get_settings(session=session, site=site), now=T0 + minutes(60))
    session.commit()
    purchase(session, site, visitor, at=T0 + minutes(50) + minutes(15))  # bought after the basket, before a reminder
    assert recover(session, site, T0 + minutes(70)) == 0
    [basket] = baskets(session, site)
    assert basket.closed_reason == "purchased" and basket.recovered_at is None


def test_a_purchase_older_than_the_cart_closes_nothing(session: Session, site: Site) -> None:
    enable(session, site)
    visitor, _ = reminded(session, site)
    purchase(session, site, visitor, at=T0 - timedelta(days=3))
    assert recover(session, site, REMINDED + timedelta(days=1)) == 0
    assert baskets(session, site)[0].closed_at is None


def test_another_device_of_the_customer_counts(session: Session, site: Site) -> None:
    enable(session, site)
    reminded(session, site)
    phone = Visitor(site_id=site.pk, anon_id="phone", customer_id="ada")
    session.add(phone)
    session.commit()
    assert phone.id is not None
    purchase(session, site, phone.id, at=REMINDED + timedelta(hours=5))
    assert recover(session, site, REMINDED + timedelta(days=1)) == 1


def test_a_verified_order_naming_the_customer_counts_and_claims_then_do_not(session: Session, site: Site) -> None:
    enable(session, site)
    visitor, _ = reminded(session, site)
    purchase(session, site, visitor, at=REMINDED + timedelta(hours=1), order="claimed-only")
    session.add(ShopOrder(site_id=site.pk, order_id="server-1", customer_id="ada", value_minor=12345,
                          currency=site.currency, source="api", ordered_at=REMINDED + timedelta(hours=3)))
    session.commit()
    assert recover(session, site, REMINDED + timedelta(days=1)) == 1
    [basket] = baskets(session, site)
    # the shop sends its orders, so the browser's claim alone does not count (tracking.purchases)
    assert (basket.recovered_order_id, basket.recovered_value_minor) == ("server-1", 12345)


def test_a_conflicted_claim_counts_for_nobody(session: Session, site: Site) -> None:
    enable(session, site)
    visitor, _ = reminded(session, site)
    stranger = shopper(session, site, customer=None)
    purchase(session, site, visitor, at=REMINDED + timedelta(hours=1), order="same-id")
    purchase(session, site, stranger, at=REMINDED + timedelta(hours=1), order="same-id")
    assert recover(session, site, REMINDED + timedelta(days=1)) == 0


@pytest.mark.parametrize(("clicked", "after"), [(None, False), (REMINDED + timedelta(hours=1), True),
                                                 (REMINDED + timedelta(days=2), False)])
def test_recovered_after_a_click_only_when_the_click_came_first(session: Session, site: Site,
                                                                 clicked: datetime | None, after: bool) -> None:
    enable(session, site)
    visitor, _ = reminded(session, site, clicked=clicked)
    purchase(session, site, visitor, at=REMINDED + timedelta(days=1))
    assert recover(session, site, REMINDED + timedelta(days=3)) == 1
    assert recovered_after_click(baskets(session, site)[0]) is after


def test_other_customers_purchases_do_not_count(session: Session, site: Site) -> None:
    enable(session, site)
    reminded(session, site, customer="ada")
    bob = shopper(session, site, customer="bob")
    purchase(session, site, bob, at=REMINDED + timedelta(hours=2))
    assert recover(session, site, REMINDED + timedelta(days=1)) == 0
