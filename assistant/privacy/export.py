"""An access request: everything the assistant holds about one person, as JSON.

`export_json` streams it (events are read 1,000 rows at a time, so a long history never sits in memory
at once); `export_customer` returns the same content as one dict, for callers that want it whole.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlmodel import Session

from assistant.privacy.subjects import Subject, resolve_subject
from assistant.privacy.tables import Part, parts_of
from assistant.sites.models import Site
from assistant.timeutil import utcnow

audit = logging.getLogger("assistant.audit")
ORDER = ("customer", "visitors", "visits", "events", "carts", "orders", "quiz_sessions", "survey_responses")
"""The sections of an export, in reading order; per-customer tables (figures) follow them."""
BATCH = 1000

NOTE = ("Everything the assistant holds about this person on this site. Not included, because they are not "
        "personal data: product popularity counts and trained recommendation models (which hold no visitor or "
        "customer ids).")


def export_customer(*, session: Session, site: Site, customer_id: str, by: str = "cli") -> dict[str, Any]:
    """The data held about `customer_id` (a customer id, `v:<visitor id>` or an anon id) as one JSON-ready dict."""
    subject = _resolved(session, site, customer_id, by)
    return {**_header(site, subject), **{part.name: list(_rows(session, part)) for part in _sections(site, subject)}}


def export_json(*, session: Session, site: Site, customer_id: str, by: str = "cli") -> Iterator[str]:
    """The same export as JSON text in pieces; resolves (and may raise NotFound) before the first piece."""
    return _pieces(session, site, _resolved(session, site, customer_id, by))


def _resolved(session: Session, site: Site, customer_id: str, by: str) -> Subject:
    subject = resolve_subject(session=session, site=site, subject_id=customer_id)
    audit.warning("privacy: %s exported the data of %r on site %s", by, subject.describe(), site.key)
    return subject


def _pieces(session: Session, site: Site, subject: Subject) -> Iterator[str]:
    yield json.dumps(_header(site, subject), ensure_ascii=False)[:-1]
    for part in _sections(site, subject):
        yield f', "{part.name}": ['
        for number, row in enumerate(_rows(session, part)):
            yield ("," if number else "") + "\n  " + json.dumps(row, ensure_ascii=False)
        yield "]"
    yield "}\n"


def _header(site: Site, subject: Subject) -> dict[str, Any]:
    return {"site": site.key, "subject": subject.describe(), "exported_at": utcnow().isoformat(), "note": NOTE}


def _sections(site: Site, subject: Subject) -> list[Part]:
    parts = parts_of(site.pk, subject)
    return sorted(parts, key=lambda p: ORDER.index(p.name) if p.name in ORDER else len(ORDER))


def _rows(session: Session, part: Part) -> Iterator[dict[str, Any]]:
    query = select(part.table).where(part.where).order_by(*part.table.primary_key.columns)
    for row in session.execute(query.execution_options(yield_per=BATCH)):
        yield {name: _plain(value) for name, value in row._mapping.items()}


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, (datetime, date)) else value
