"""LiveCampaign: a live campaign compiled for serving, and CampaignCache, which keeps them per site.

The cache reloads a site's campaigns and settings only when they changed: each call runs one small
aggregate query (campaign count, latest update, latest bandit shares, highest id, settings update
time) and compares it with what was loaded, so an edit in the admin (or new bandit shares) shows on
the next request on every app node, and unchanged campaigns are never re-read or recompiled.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from assistant.promotions.bandit import Arm, serving_shares
from assistant.promotions.campaigns import variants_of
from assistant.promotions.caps import Caps
from assistant.promotions.models import Campaign, Variant
from assistant.promotions.render import compile_message, uses_items
from assistant.promotions.rules import Predicate, compile_conditions, validate_conditions
from assistant.promotions.settings import PromoSettings, get_settings
from assistant.rawsql import RawSQL
from assistant.sites.models import Site
from assistant.timeutil import as_utc

log = logging.getLogger(__name__)
INLINE_ANY = frozenset({"cart", "checkout", "product", "quiz_results", "any"})
"""Placements where a campaign placed on `any` page competes too (not pop-ups such as exit_intent)."""


@dataclass(frozen=True)
class LiveVariant:
    """A variant as served."""

    key: str
    weight: int
    control: bool
    message: str
    cta_kind: str
    cta_text: str
    cta_url: str
    coupon: str
    needs_items: bool
    """The message or the call to action shows products."""


@dataclass(frozen=True)
class LiveCampaign:
    """A live campaign with its conditions compiled and its schedule in UTC."""

    id: int
    name: str
    placement: str
    priority: int
    starts_at: datetime | None
    ends_at: datetime | None
    tz: ZoneInfo
    caps: Caps
    matches: Predicate
    variants: tuple[LiveVariant, ...]
    allocation: str = "fixed"
    shares: tuple[float, ...] = ()
    """Each variant's share of new visitors (by weight, or the bandit's latest shares)."""

    def shows_on(self, placement: str) -> bool:
        """Whether the campaign competes for `placement`."""
        return self.placement == placement or (self.placement == "any" and placement in INLINE_ANY)

    def runs_at(self, now: datetime) -> bool:
        """Whether the schedule covers `now` (start inclusive, end exclusive)."""
        return (self.starts_at is None or self.starts_at <= now) and (self.ends_at is None or now < self.ends_at)

    @property
    def control_key(self) -> str | None:
        """The key of the control variant, if the campaign has one."""
        return next((v.key for v in self.variants if v.control), None)


def compile_campaign(campaign: Campaign, variants: list[Variant]) -> LiveCampaign | None:
    """The campaign ready to serve, or None (logged) if it no longer validates."""
    if validate_conditions(campaign.conditions):
        log.warning("campaign %s skipped: its conditions do not validate", campaign.id)
        return None
    for variant in variants:
        if variant.message:
            compile_message(variant.message)  # warm the template cache
    return LiveCampaign(
        id=campaign.pk, name=campaign.name, placement=campaign.placement, priority=campaign.priority,
        starts_at=as_utc(campaign.starts_at) if campaign.starts_at else None,
        ends_at=as_utc(campaign.ends_at) if campaign.ends_at else None, tz=ZoneInfo(campaign.timezone),
        caps=Caps(campaign.cap_per_session, campaign.cap_per_day, campaign.cap_total),
        matches=compile_conditions(campaign.conditions),
        variants=tuple(LiveVariant(v.key, v.weight, v.is_control, v.message, v.cta_kind, v.cta_text, v.cta_url,
                                   v.coupon_code, v.cta_kind == "products" or uses_items(v.message))
                       for v in variants),
        allocation=campaign.allocation,
        shares=serving_shares([Arm(v.key, v.weight, v.is_control) for v in variants],
                              bandit=campaign.allocation == "bandit", stored=campaign.serving_weights))


@dataclass(frozen=True)
class LiveSite:
    """What serving needs of a site: its promotion settings and live campaigns, highest priority first."""

    settings: PromoSettings
    campaigns: list[LiveCampaign]

    @cached_property
    def controls(self) -> dict[int, str]:
        """Campaign id -> the key of its control variant, for the campaigns that have one (worked out once)."""
        return {c.id: k for c in self.campaigns if (k := c.control_key)}


class CampaignCache:
    """Settings and compiled live campaigns per (database, site), reloaded when either changes."""

    def __init__(self) -> None:
        self._entries: dict[tuple[str, int], tuple[tuple[object, ...], LiveSite]] = {}
        self._lock = threading.Lock()

    def live(self, *, session: Session, site: Site) -> LiveSite:
        """The site's settings and live campaigns (one aggregate query when nothing changed)."""
        key = (str(session.get_bind().engine.url), site.pk)
        stamp = _fingerprint(session, site)
        entry = self._entries.get(key)
        if entry is not None and entry[0] == stamp:
            return entry[1]
        loaded = LiveSite(get_settings(session=session, site=site), load_live(session=session, site=site))
        with self._lock:
            self._entries[key] = (stamp, loaded)
        return loaded

    def clear(self) -> None:
        """Forget every site's campaigns."""
        with self._lock:
            self._entries.clear()


def load_live(*, session: Session, site: Site) -> list[LiveCampaign]:
    """Read and compile the site's live campaigns (two queries)."""
    query = (select(Campaign).where(Campaign.site_id == site.id, Campaign.status == "live")
             .order_by(col(Campaign.priority).desc(), col(Campaign.id)))
    campaigns = list(session.exec(query))
    variants = variants_of(session=session, campaign_ids=[c.pk for c in campaigns])
    compiled = (compile_campaign(c, variants[c.pk]) for c in campaigns)
    return [c for c in compiled if c is not None]


_FINGERPRINT = ("SELECT count(id), max(updated_at), max(weights_updated_at), max(id), "
                "(SELECT updated_at FROM promotion_settings WHERE site_id = ?) FROM campaign WHERE site_id = ?")


def _fingerprint(session: Session, site: Site) -> tuple[object, ...]:
    """What changes when a campaign or the settings change: one aggregate on the session's DBAPI connection
    (every promotions request asks it; only compared with itself, so values stay as the driver gives them)."""
    return tuple(RawSQL(session).run(_FINGERPRINT, (site.pk, site.pk)).fetchone())
