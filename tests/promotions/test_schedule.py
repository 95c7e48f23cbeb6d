"""Schedules: entered in the campaign's time zone, compared in UTC, right across DST changes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import Session

from assistant.promotions.service import choose
from assistant.promotions.snapshot import VisitorSnapshot
from assistant.sites.models import Site
from tests.promotions.helpers import make_campaign

SECOND = timedelta(seconds=1)


def running(session: Session, site: Site, now: datetime) -> bool:
    return bool(choose(session=session, site=site, placement="cart", snapshot=VisitorSnapshot(anon_id="anon-sched"),
                       now=now))


@pytest.mark.parametrize(("schedule", "boundary"), [
    # the first minute after Berlin's clocks jump from 02:00 to 03:00 CEST
    ({"start": "2026-03-29T03:00", "timezone": "Europe/Berlin"}, datetime(2026, 3, 29, 1, 0, tzinfo=UTC)),
    # 01:30 happens twice in New York on 2026-11-01: the first (EDT) is meant
    ({"start": "2026-11-01T01:30", "timezone": "America/New_York"}, datetime(2026, 11, 1, 5, 30, tzinfo=UTC)),
    # Sydney's clocks go back on 2026-04-05 at 03:00 AEDT
    ({"start": "2026-04-05T02:30", "timezone": "Australia/Sydney"}, datetime(2026, 4, 4, 15, 30, tzinfo=UTC)),
    # Tokyo has no DST: New Year there is 15:00 UTC the day before
    ({"start": "2026-01-01T00:00", "timezone": "Asia/Tokyo"}, datetime(2025, 12, 31, 15, 0, tzinfo=UTC)),
    # India is UTC+05:30
    ({"start": "2026-10-20T09:00", "timezone": "Asia/Kolkata"}, datetime(2026, 10, 20, 3, 30, tzinfo=UTC)),
    # an explicit offset wins over the zone
    ({"start": "2026-06-01T12:00:00-07:00", "timezone": "Europe/London"}, datetime(2026, 6, 1, 19, 0, tzinfo=UTC)),
])
def test_start_is_inclusive_at_the_right_instant(session: Session, site: Site, schedule: dict[str, str],
                                                 boundary: datetime) -> None:
    make_campaign(session, site, schedule=schedule)
    assert not running(session, site, boundary - SECOND)
    assert running(session, site, boundary)


@pytest.mark.parametrize(("schedule", "boundary"), [
    ({"end": "2026-10-25T02:30", "timezone": "Europe/Berlin"}, datetime(2026, 10, 25, 0, 30, tzinfo=UTC)),
    ({"end": "2026-03-08T03:00", "timezone": "America/Chicago"}, datetime(2026, 3, 8, 8, 0, tzinfo=UTC)),
])
def test_end_is_exclusive(session: Session, site: Site, schedule: dict[str, str], boundary: datetime) -> None:
    make_campaign(session, site, schedule=schedule)
    assert running(session, site, boundary - SECOND)
    assert not running(session, site, boundary)


def test_the_same_wall_clock_start_in_two_zones(session: Session, site: Site) -> None:
    make_campaign(session, site, name="Berlin", schedule={"start": "2026-12-24T18:00", "timezone": "Europe/Berlin"})
    make_campaign(session, site, name="LA", schedule={"start": "2026-12-24T18:00", "timezone": "America/Los_Angeles"})
    at = datetime(2026, 12, 24, 20, 0, tzinfo=UTC)  # 21:00 in Berlin, 12:00 in Los Angeles
    chosen = choose(session=session, site=site, placement="cart", snapshot=VisitorSnapshot(anon_id="a"), now=at,
                    slots=2)
    assert len(chosen) == 1
    later = datetime(2026, 12, 25, 2, 0, tzinfo=UTC)
    assert len(choose(session=session, site=site, placement="cart", snapshot=VisitorSnapshot(anon_id="a"), now=later,
                      slots=2)) == 2
