"""Who would see this now: a count over recent visitors, and a hand-described sample visitor."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import Session

from assistant.promotions.audience import Audience, audience_count
from assistant.promotions.problems import InvalidFields
from assistant.promotions.snapshot import sample_snapshot
from assistant.sites.models import Site
from tests.promotions.helpers import track

T0 = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)


def test_counts_recent_matching_visitors(session: Session, site: Site) -> None:
    for i, value in enumerate([10.0, 45.0, 48.0, 80.0]):
        track(session, site, f"visitor-aud-{i}", T0, {"type": "cart", "items": [{"sku": "x", "price": value}]})
    track(session, site, "visitor-aud-old", T0 - timedelta(days=30), {"type": "cart", "items": [{"sku": "x",
                                                                                                  "price": 45.0}]})
    gap = {"cart_value": {"min": 40, "max": 49.99}}
    now = T0 + timedelta(hours=1)
    assert audience_count(session=session, site=site, conditions=gap, now=now) == Audience(2, 4, True)
    assert audience_count(session=session, site=site, conditions={}, now=now, days=60) == Audience(5, 5, True)
    assert audience_count(session=session, site=site, conditions={}, now=now, limit=3) == Audience(3, 3, False)
    with pytest.raises(InvalidFields):
        audience_count(session=session, site=site, conditions={"cart_value": "cheap"}, now=now)


def test_a_sample_visitor() -> None:
    snapshot = sample_snapshot(cart_value="42.50", device="mobile", first_name="Ada")
    assert (snapshot.cart_value_minor, snapshot.device, snapshot.first_name) == (4250, "mobile", "Ada")
