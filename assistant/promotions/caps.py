"""Frequency caps per visitor: impressions per visit, per day (in the campaign's time zone) and in total.

Counted from `promo_impression` events, control exposures included: both arms of an experiment are
then exposed on the same schedule.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from assistant.promotions.events import DISMISS
from assistant.promotions.history import History


@dataclass(frozen=True)
class Caps:
    """A campaign's caps; None means unlimited."""

    per_session: int | None = None
    per_day: int | None = None
    total: int | None = None


def day_start(now: datetime, tz: ZoneInfo) -> datetime:
    """Midnight of `now`'s day in `tz` (an aware time)."""
    local = now.astimezone(tz)
    return datetime(local.year, local.month, local.day, tzinfo=tz)


def capped(caps: Caps, *, campaign_id: int, history: History, visit_id: int | None, now: datetime,
           tz: ZoneInfo) -> bool:
    """Whether the visitor has reached one of the campaign's caps."""
    shown = history.of(campaign_id)
    if caps.total is not None and len(shown) >= caps.total:
        return True
    if caps.per_session is not None and visit_id is not None:
        if sum(e.visit_id == visit_id for e in shown) >= caps.per_session:
            return True
    if caps.per_day is not None:
        since = day_start(now, tz)
        return sum(e.at >= since for e in shown) >= caps.per_day
    return False


def dismissed(*, campaign_id: int, history: History, now: datetime, hours: float) -> bool:
    """Whether the visitor dismissed the campaign within the last `hours`."""
    since = now - timedelta(hours=hours)
    return any(e.at >= since for e in history.of(campaign_id, DISMISS))
