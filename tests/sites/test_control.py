"""The global control group: the share it holds, the group stored when tracking first sees a visitor, and the
person's group taken by each of their devices once identified (on SQLite and PostgreSQL, both ingest paths)."""

from __future__ import annotations

import math
from typing import Any

import pytest
from sqlmodel import Session, select

from assistant.errors import Invalid
from assistant.rawsql import RawSQL
from assistant.sites.control import in_control_bucket, set_control_share, visitor_in_control
from assistant.sites.models import Site
from assistant.timeutil import utcnow
from assistant.tracking.models import Customer, Event, Visitor
from assistant.tracking.service import record_events
from tests.factories import make_site
from tests.promotions.helpers import CHROME

IDS = [f"visitor-{n:06d}" for n in range(20_000)]


def pick(site: Site, *, control: bool, prefix: str = "visitor") -> str:
    """A visitor id the hash puts in (or out of) the site's control group."""
    return next(v for v in (f"{prefix}-{n:04d}" for n in range(10_000))
                if in_control_bucket(site_key=site.key, key=v, share=site.control_share) == control)


def record(session: Session, site: Site, visitor: str, *events: dict[str, Any]) -> None:
    stamp = utcnow().timestamp() * 1000
    batch = {"visitor": visitor, "events": [{"ts": stamp, **e} for e in events]}
    result = record_events(session=session, site=site, batch=batch, user_agent=CHROME, now=utcnow())
    assert not result.rejected and result.accepted == len(events)
    session.commit()


def page(number: int, minutes_ago: float = 0) -> dict[str, Any]:
    return {"id": f"page-{number:04d}", "type": "page_view", "page": "/",
            "ts": (utcnow().timestamp() - 60 * minutes_ago) * 1000}


def identify(number: int, customer: str) -> dict[str, Any]:
    return {"id": f"who-{number:04d}", "type": "identify", "customer_id": customer}


def stored_group(session: Session, site: Site, anon_id: str) -> bool:
    session.expire_all()
    return session.exec(select(Visitor).where(Visitor.site_id == site.pk, Visitor.anon_id == anon_id)).one().in_control


@pytest.mark.parametrize("share", [0.05, 0.2, 0.5])
def test_the_group_holds_its_share_of_20000_visitors(share: float) -> None:
    held = sum(in_control_bucket(site_key="pk_shop", key=v, share=share) for v in IDS) / len(IDS)
    assert abs(held - share) < 4 * math.sqrt(share * (1 - share) / len(IDS))  # 4 standard errors: 0.6 points at 5 %


def test_each_site_draws_its_own_group() -> None:
    one = {v for v in IDS if in_control_bucket(site_key="pk_one", key=v, share=0.2)}
    two = {v for v in IDS if in_control_bucket(site_key="pk_two", key=v, share=0.2)}
    assert abs(len(one & two) / len(IDS) - 0.04) < 0.006  # independent draws: 20 % of 20 %


def test_a_larger_share_keeps_everyone_the_smaller_one_held_out() -> None:
    small = {v for v in IDS if in_control_bucket(site_key="pk_shop", key=v, share=0.05)}
    large = {v for v in IDS if in_control_bucket(site_key="pk_shop", key=v, share=0.1)}
    assert small < large


@pytest.mark.parametrize("share", [0.0, -0.5])
def test_a_share_of_zero_holds_out_nobody(share: float) -> None:
    assert not any(in_control_bucket(site_key="pk_shop", key=v, share=share) for v in IDS)


@pytest.mark.parametrize("share", [-0.01, 0.51, 5.0, math.nan, math.inf])
def test_a_share_out_of_range_is_refused(share: float) -> None:
    with pytest.raises(Invalid) as raised:
        set_control_share(site=Site(key="pk_x", name="x"), share=share)
    assert raised.value.field == "control_share" and "from 0 to 0.5" in raised.value.message


def test_the_factory_and_the_product_defaults(session: Session) -> None:
    """Test sites hold out nobody unless asked (random test visitors would otherwise see nothing); shops 5 %."""
    assert make_site(session).control_share == 0
    assert Site(key="pk_new", name="New").control_share == 0.05


def test_tracking_stores_the_group_when_it_first_sees_a_visitor(session: Session) -> None:
    site = make_site(session, control_share=0.05)
    held, shown = pick(site, control=True), pick(site, control=False)
    record(session, site, held, page(1))  # on PostgreSQL: the one-statement path (pg_batch)
    record(session, site, shown, page(2))
    record(session, site, "other-" + held, identify(3, "c-1"))  # the general path (store.py): a side effect
    assert stored_group(session, site, held) is True
    assert stored_group(session, site, shown) is False
    assert stored_group(session, site, "other-" + held) is in_control_bucket(site_key=site.key,
                                                                              key="other-" + held, share=0.05)
    counts = {v.anon_id: len(session.exec(select(Event).where(Event.visitor_id == v.id)).all())
              for v in session.exec(select(Visitor))}
    assert counts[held] == counts[shown] == 1  # held out of what shows, never out of the record


def test_the_group_sticks_when_the_share_changes(session: Session) -> None:
    site = make_site(session, control_share=0.05)
    held = pick(site, control=True)
    record(session, site, held, page(1, minutes_ago=120))
    set_control_share(site=site, share=0.0001)  # the hash would now leave it out
    session.add(site)
    session.commit()
    record(session, site, held, page(2, minutes_ago=110))  # a later batch, same visit
    record(session, site, held, page(3))  # a later visit
    assert session.exec(select(Visitor).where(Visitor.anon_id == held)).one().sessions == 2
    assert stored_group(session, site, held) is True
    assert visitor_in_control(session=session, site=site, anon_id=held) is True
    assert visitor_in_control(session=RawSQL(session), site=site, anon_id=held) is True
    unseen = next(v for v in IDS if in_control_bucket(site_key=site.key, key=v, share=0.05))
    assert visitor_in_control(session=session, site=site, anon_id=unseen) is False  # not stored: today's share


def test_no_id_and_a_share_of_zero_hold_out_nobody(session: Session) -> None:
    site = make_site(session, control_share=0.05)
    held = pick(site, control=True)
    record(session, site, held, page(1))
    assert visitor_in_control(session=session, site=site, anon_id=None) is False
    site.control_share = 0.0  # switched off: the stored flag stays (for the days it was on), nobody is held out
    assert visitor_in_control(session=session, site=site, anon_id=held) is False
    assert stored_group(session, site, held) is True


@pytest.mark.parametrize("first_held", [True, False])
def test_a_person_has_one_group_on_every_device(session: Session, first_held: bool) -> None:
    """The first identified visitor gives the person their group; a second device takes it, whatever its hash."""
    site = make_site(session, control_share=0.05)
    first = pick(site, control=first_held, prefix="laptop")
    second = pick(site, control=not first_held, prefix="phone")
    record(session, site, first, page(1), identify(1, "c-42"))
    session.expire_all()
    assert session.get(Customer, (site.pk, "c-42")).in_control is first_held  # type: ignore[union-attr]
    record(session, site, second, page(2))
    assert stored_group(session, site, second) is not first_held  # anonymous: its own hash
    record(session, site, second, identify(2, "c-42"))
    assert stored_group(session, site, second) is first_held
    assert visitor_in_control(session=session, site=site, anon_id=second) is first_held
    record(session, site, second, identify(3, "c-42"))  # identified again: no change
    assert stored_group(session, site, first) is stored_group(session, site, second) is first_held


def test_a_customer_known_before_the_control_group_takes_its_next_visitors_group(session: Session) -> None:
    site = make_site(session, control_share=0.05)
    session.add(Customer(site_id=site.pk, customer_id="c-old", traits={}))  # imported history: no group yet
    session.commit()
    held = pick(site, control=True)
    record(session, site, held, identify(1, "c-old"))
    session.expire_all()
    assert session.get(Customer, (site.pk, "c-old")).in_control is True  # type: ignore[union-attr]
