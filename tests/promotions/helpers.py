"""Test data for promotions: campaign input, stored campaigns, tracked events, snapshots."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlmodel import Session

from assistant.promotions.campaigns import create_campaign
from assistant.promotions.models import Campaign
from assistant.sites.models import Site
from assistant.tracking.service import record_events

CHROME = ("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 "
          "Safari/537.36")
GAP_MESSAGE = "Only {{ price(free_shipping_gap) }} to free shipping: add {{ items[0].title }}"


def campaign_data(**overrides: Any) -> dict[str, Any]:
    """A valid live cart campaign with one variant, as a marketer's form would send it."""
    data: dict[str, Any] = {"name": f"Campaign {uuid.uuid4().hex[:6]}", "placement": "cart", "status": "live",
                            "variants": [{"key": "a", "message": "Hello {{ first_name }}"}]}
    data.update(overrides)
    return data


def make_campaign(session: Session, site: Site, **overrides: Any) -> Campaign:
    """A committed campaign (live on the cart unless overridden)."""
    campaign = create_campaign(session=session, site=site, data=campaign_data(**overrides))
    session.commit()
    return campaign


def track(session: Session, site: Site, visitor: str, at: datetime, *events: dict[str, Any],
          agent: str = CHROME) -> None:
    """Record `events` of `visitor` as sent at `at` through the real ingest path, and commit."""
    stamp = at.timestamp() * 1000
    batch = {"visitor": visitor, "events": [{"id": uuid.uuid4().hex, "ts": stamp, **e} for e in events]}
    result = record_events(session=session, site=site, batch=batch, user_agent=agent, now=at)
    assert not result.rejected, result.rejected
    session.commit()


def shown(campaign: Campaign | int, variant: str = "a", kind: str = "promo_impression",
          placement: str = "cart") -> dict[str, Any]:
    """A promotion event as the widget sends it."""
    campaign_id = campaign if isinstance(campaign, int) else campaign.pk
    return {"type": kind, "ref": str(campaign_id), "variant": variant, "placement": placement}
