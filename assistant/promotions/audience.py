"""Who would see a campaign now: its conditions tested against the visitors of the last days."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session, col, select

from assistant.promotions.problems import InvalidFields
from assistant.promotions.rules import compile_conditions, validate_conditions
from assistant.promotions.snapshot import snapshot_for
from assistant.sites.models import Site
from assistant.tracking.models import Visitor


@dataclass(frozen=True)
class Audience:
    """How many of the visitors checked match; `complete` is False when only the most recent were checked."""

    matched: int
    checked: int
    complete: bool


def audience_count(*, session: Session, site: Site, conditions: Any, now: datetime, days: int = 7,
                   limit: int = 2000) -> Audience:
    """Count the visitors seen in the last `days` (at most `limit`, most recent first) who match `conditions`."""
    problems = validate_conditions(conditions)
    if problems:
        raise InvalidFields(problems)
    matches = compile_conditions(conditions)
    query = (select(Visitor.anon_id).where(Visitor.site_id == site.id, Visitor.last_seen >= now - timedelta(days=days))
             .order_by(col(Visitor.last_seen).desc()).limit(limit + 1))
    anon_ids = list(session.exec(query))
    checked = anon_ids[:limit]
    matched = sum(matches(snapshot_for(session=session, site=site, anon_id=a, now=now)) for a in checked)
    return Audience(matched, len(checked), len(anon_ids) <= limit)
