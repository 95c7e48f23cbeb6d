"""Visitors and their visits: 30 minutes without an event starts a new visit.

This runs on every event batch that PostgreSQL's one-statement path (pg_batch.py) does not take.
A batch that continues the visitor's current visit is one UPDATE ... RETURNING; a new visitor or
a new visit takes a few statements more (see store.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import pairwise
from urllib.parse import parse_qs, urlsplit

from assistant.sites.control import in_control_bucket
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


def one_visit(times: list[datetime]) -> bool:
    """Whether ascending `times` have no 30-minute gap between them."""
    return all(later - earlier <= SESSION_GAP for earlier, later in pairwise(times))


def control_of(site: Site, anon_id: str) -> bool:
    """The control group a new visitor of `site` is stored in (sites/control.py: a hash, no query)."""
    return in_control_bucket(site_key=site.key, key=anon_id, share=site.control_share)


def touch_visitor(*, store: Store, site: Site, anon_id: str, times: list[datetime], context: Context) -> Touched:
    """Find or create the visitor, assign each time (ascending) to a visit, record the latest activity."""
    if one_visit(times):
        known = store.continue_visit(site.pk, anon_id, times[0] - SESSION_GAP, times[-1])
        if known is not None:
            return Touched(known[0], [known[1]] * len(times))
    visitor_id = store.create_visitor(site.pk, anon_id, times[0], in_control=control_of(site, anon_id))
    found = None if visitor_id is not None else store.find_visitor(site.pk, anon_id)
    visit: int | None = None
    last: datetime | None = None
    if found is not None:
        visitor_id, visit, last = found
    assert visitor_id is not None  # created, or found: the insert only yields to an existing row
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
