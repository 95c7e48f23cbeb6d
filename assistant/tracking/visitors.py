"""Visitors and their visits: 30 minutes without an event starts a new visit.

This runs on every event batch: one SELECT of the visitor, an INSERT only for a new visitor or
visit, one UPDATE (see store.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import parse_qs, urlsplit

from assistant.sites.models import Site
from assistant.tracking.store import Store

SESSION_GAP = timedelta(minutes=30)


@dataclass(frozen=True)
class Context:
    """Where a visit came from, read off its first page and the request."""

    page: str = ""
    referrer: str = ""
    user_agent: str = ""

    def device(self) -> str:
        """desktop, tablet or mobile, from the user agent."""
        agent = self.user_agent
        if "iPad" in agent or "Tablet" in agent:
            return "tablet"
        return "mobile" if "Mobi" in agent or "Android" in agent else "desktop"

    def visit_attributes(self) -> dict[str, str]:
        """Landing page, referrer, UTM parameters and device of a visit that starts here."""
        query = parse_qs(urlsplit(self.page).query)
        utm = {k: query.get(k, [""])[0][:200] for k in ("utm_source", "utm_medium", "utm_campaign")}
        return {"landing_page": self.page[:2000], "referrer": self.referrer[:2000], "device": self.device(), **utm}


@dataclass(frozen=True)
class Touched:
    """The visitor a batch belongs to and the visit of each of its events."""

    visitor_id: int
    visits: list[int]


def touch_visitor(*, store: Store, site: Site, anon_id: str, times: list[datetime], context: Context) -> Touched:
    """Find or create the visitor, assign each time (ascending) to a visit, record the latest activity."""
    found = store.find_visitor(site.pk, anon_id)
    visit: int | None = None
    last: datetime | None = None
    if found is None:
        visitor_id = store.create_visitor(site.pk, anon_id, times[0])
    else:
        visitor_id, visit, last = found
    visits: list[int] = []
    opened = 0
    for when in times:
        if visit is None or last is None or when - last > SESSION_GAP:
            visit = store.open_visit(site.pk, visitor_id, when, context.visit_attributes())
            opened += 1
        last = when if last is None else max(last, when)
        visits.append(visit)
    assert visit is not None and last is not None  # times is never empty
    store.update_visitor(visitor_id, last, visit, opened)
    return Touched(visitor_id, visits)
