"""A visitor's promotion history: their impressions, clicks and dismissals, read once per request."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from assistant.promotions.events import CLICK, DISMISS, IMPRESSION, parse_ref
from assistant.promotions.reads import marks, stored_time
from assistant.rawsql import RawSQL
from assistant.sites.models import Site
from assistant.timeutil import as_utc


@dataclass(frozen=True)
class Shown:
    """One promotion (or other interruption) event of the visitor."""

    type: str
    campaign_id: int | None
    variant: str | None
    placement: str
    visit_id: int | None
    at: datetime
    control: bool = False


@dataclass(frozen=True)
class History:
    """The visitor's events, oldest first."""

    events: tuple[Shown, ...] = ()

    def of(self, campaign_id: int, kind: str = IMPRESSION) -> list[Shown]:
        """The events of one kind for one campaign."""
        return [e for e in self.events if e.campaign_id == campaign_id and e.type == kind]

    def in_visit(self, visit_id: int | None) -> list[Shown]:
        """The events of the current visit (none when a new visit is starting)."""
        return [] if visit_id is None else [e for e in self.events if e.visit_id == visit_id]


def load_history(*, session: Session, site: Site, visitor_ids: Iterable[int], controls: Mapping[int, str],
                 extra_types: Iterable[str] = ()) -> History:
    """Read the promotion events of the visitor's rows; `controls` maps campaign id -> its control key."""
    ids = list(visitor_ids)
    if not ids:
        return History()
    types = [IMPRESSION, CLICK, DISMISS, *extra_types]
    sql = RawSQL(session)  # every promotions request with a known visitor reads it: no ORM statement to build
    rows = sql.run(f"SELECT type, ref, data, session_id, occurred_at FROM event WHERE site_id = ? "  # noqa: S608
                   f"AND visitor_id IN ({marks(ids)}) AND type IN ({marks(types)}) ORDER BY occurred_at",
                   (site.pk, *ids, *types)).fetchall()
    events = []
    for kind, ref, stored, visit, at in rows:
        data = sql.json_value(stored)
        campaign, variant = parse_ref(ref, data)
        control = campaign is not None and variant is not None and controls.get(campaign) == variant
        events.append(Shown(kind, campaign, variant, str((data or {}).get("placement", "")), visit,
                            as_utc(stored_time(at)), control))
    return History(tuple(events))
