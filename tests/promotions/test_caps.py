"""Frequency caps per visit, per day in the campaign's time zone, and in total."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import Session

from assistant.promotions.caps import Caps, capped, day_start
from assistant.promotions.history import History, Shown
from assistant.promotions.service import choose
from assistant.promotions.snapshot import snapshot_for
from assistant.sites.models import Site
from tests.promotions.helpers import make_campaign, shown, track

T0 = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)


def impressions(*times: datetime, visit: int = 1) -> History:
    return History(tuple(Shown("promo_impression", 1, "a", "cart", visit, t) for t in times))


def test_day_start_is_local_midnight() -> None:
    assert day_start(datetime(2026, 6, 1, 11, 30, tzinfo=UTC), ZoneInfo("Pacific/Auckland")) == \
        datetime(2026, 5, 31, 12, 0, tzinfo=UTC)
    berlin = ZoneInfo("Europe/Berlin")  # 2026-03-29 has 23 hours there
    assert day_start(datetime(2026, 3, 29, 21, 59, tzinfo=UTC), berlin) == datetime(2026, 3, 28, 23, 0, tzinfo=UTC)
    assert day_start(datetime(2026, 3, 29, 22, 0, tzinfo=UTC), berlin) == datetime(2026, 3, 29, 22, 0, tzinfo=UTC)
    new_york = ZoneInfo("America/New_York")  # 2026-11-01 has 25 hours there
    assert day_start(datetime(2026, 11, 2, 4, 59, tzinfo=UTC), new_york) == datetime(2026, 11, 1, 4, 0, tzinfo=UTC)
    assert day_start(datetime(2026, 11, 2, 5, 0, tzinfo=UTC), new_york) == datetime(2026, 11, 2, 5, 0, tzinfo=UTC)


@pytest.mark.parametrize(("zone", "now", "expected"), [
    ("Pacific/Auckland", datetime(2026, 6, 1, 11, 50, tzinfo=UTC), True),   # 23:50 the same NZ day
    ("Pacific/Auckland", datetime(2026, 6, 1, 12, 5, tzinfo=UTC), False),   # 00:05 the next NZ day
    ("UTC", datetime(2026, 6, 1, 12, 5, tzinfo=UTC), True),
    ("America/Los_Angeles", datetime(2026, 6, 1, 12, 5, tzinfo=UTC), False),  # 11:30Z was 04:30 the day before
    ("Europe/Berlin", datetime(2026, 6, 1, 21, 59, tzinfo=UTC), True),
    ("Europe/Berlin", datetime(2026, 6, 1, 22, 0, tzinfo=UTC), False),
])
def test_per_day_caps_count_days_in_the_campaign_zone(zone: str, now: datetime, expected: bool) -> None:
    if zone == "America/Los_Angeles":
        history = impressions(datetime(2026, 6, 1, 6, 30, tzinfo=UTC))  # 23:30 on May 31 in Los Angeles
    else:
        history = impressions(datetime(2026, 6, 1, 11, 30, tzinfo=UTC))
    assert capped(Caps(per_day=1), campaign_id=1, history=history, visit_id=9, now=now, tz=ZoneInfo(zone)) is expected


def test_per_day_cap_across_a_dst_change() -> None:
    berlin = ZoneInfo("Europe/Berlin")
    history = impressions(datetime(2026, 3, 28, 23, 30, tzinfo=UTC))  # 00:30 on March 29, CET
    assert capped(Caps(per_day=1), campaign_id=1, history=history, visit_id=None,
                  now=datetime(2026, 3, 29, 21, 59, tzinfo=UTC), tz=berlin)  # 23:59 CEST, same day
    assert not capped(Caps(per_day=1), campaign_id=1, history=history, visit_id=None,
                      now=datetime(2026, 3, 29, 22, 0, tzinfo=UTC), tz=berlin)


def test_per_session_and_total_caps() -> None:
    history = impressions(T0, T0, visit=4)
    utc = ZoneInfo("UTC")
    assert capped(Caps(per_session=2), campaign_id=1, history=history, visit_id=4, now=T0, tz=utc)
    assert not capped(Caps(per_session=2), campaign_id=1, history=history, visit_id=5, now=T0, tz=utc)
    assert not capped(Caps(per_session=2), campaign_id=1, history=history, visit_id=None, now=T0, tz=utc)
    assert capped(Caps(total=2), campaign_id=1, history=history, visit_id=None, now=T0 + timedelta(days=90), tz=utc)
    assert not capped(Caps(total=2), campaign_id=2, history=history, visit_id=4, now=T0, tz=utc)
    assert not capped(Caps(), campaign_id=1, history=history, visit_id=4, now=T0, tz=utc)


def test_caps_through_choose_and_tracked_impressions(session: Session, site: Site) -> None:
    campaign = make_campaign(session, site, caps={"per_session": 1, "per_day": 2, "total": 3})

    def visit(at: datetime) -> bool:
        track(session, site, "visitor-caps1", at, {"type": "page_view", "page": "https://shop.example/cart"})
        snapshot = snapshot_for(session=session, site=site, anon_id="visitor-caps1", now=at)
        chosen = choose(session=session, site=site, placement="cart", snapshot=snapshot, now=at)
        if chosen:
            track(session, site, "visitor-caps1", at, shown(campaign))
        return bool(chosen)

    assert visit(T0)
    assert not visit(T0 + timedelta(minutes=5))  # one per visit
    assert visit(T0 + timedelta(hours=2))  # a new visit
    assert not visit(T0 + timedelta(hours=5))  # two per day
    assert visit(T0 + timedelta(days=1))  # a new day
    assert not visit(T0 + timedelta(days=2))  # three in total
    assert not visit(T0 + timedelta(days=30))


def test_control_exposures_count_toward_caps(session: Session, site: Site) -> None:
    campaign = make_campaign(session, site, caps={"per_session": 1},
                             variants=[{"key": "a", "weight": 0, "message": "Hi"},
                                       {"key": "control", "weight": 1, "control": True}])
    track(session, site, "visitor-caps2", T0, {"type": "page_view"})
    snapshot = snapshot_for(session=session, site=site, anon_id="visitor-caps2", now=T0)
    chosen = choose(session=session, site=site, placement="cart", snapshot=snapshot, now=T0)
    assert [(c.control, c.variant, c.html) for c in chosen] == [(True, "control", "")]
    track(session, site, "visitor-caps2", T0, shown(campaign, "control"))
    assert choose(session=session, site=site, placement="cart", snapshot=snapshot, now=T0) == []
