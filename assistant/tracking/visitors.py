"""Visitors and their visits: 30 minutes without an event starts a new visit."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import parse_qs, urlsplit

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from assistant.sites.models import Site
from assistant.timeutil import as_utc
from assistant.tracking.models import Visitor, VisitSession

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

    def utm(self) -> dict[str, str]:
        """utm_source, utm_medium and utm_campaign of the landing page."""
        query = parse_qs(urlsplit(self.page).query)
        return {k: query.get(k, [""])[0][:200] for k in ("utm_source", "utm_medium", "utm_campaign")}


def get_or_create_visitor(*, session: Session, site: Site, anon_id: str, now: datetime) -> Visitor:
    """The visitor `anon_id` of `site`, created on first sight (safe against a concurrent insert)."""
    query = select(Visitor).where(Visitor.site_id == site.id, Visitor.anon_id == anon_id)
    visitor = session.exec(query).first()
    if visitor is not None:
        return visitor
    try:
        with session.begin_nested():
            visitor = Visitor(site_id=site.id, anon_id=anon_id, first_seen=now, last_seen=now)
            session.add(visitor)
        return visitor
    except IntegrityError:
        return session.exec(query).one()


def assign_sessions(*, session: Session, visitor: Visitor, times: list[datetime], context: Context) -> list[int]:
    """The visit id of each time in `times` (ascending), opening visits where the gap is over 30 min."""
    ids: list[int] = []
    current = session.get(VisitSession, visitor.session_id) if visitor.session_id else None
    for when in times:
        if current is None or when - as_utc(current.last_seen) > SESSION_GAP or when < as_utc(current.started_at):
            current = _open(session, visitor, when, context)
        elif when > as_utc(current.last_seen):
            current.last_seen = when
        ids.append(current.id)  # type: ignore[arg-type]
    if current is not None:
        session.add(current)
        if visitor.session_id is None or current.id >= visitor.session_id:
            visitor.session_id = current.id
        visitor.last_seen = max(as_utc(visitor.last_seen), as_utc(current.last_seen))
        session.add(visitor)
    return ids


def _open(session: Session, visitor: Visitor, when: datetime, context: Context) -> VisitSession:
    visit = VisitSession(site_id=visitor.site_id, visitor_id=visitor.id, started_at=when, last_seen=when,
                         landing_page=context.page[:2000], referrer=context.referrer[:2000],
                         device=context.device(), **context.utm())
    session.add(visit)
    session.flush()
    visitor.sessions += 1
    return visit
