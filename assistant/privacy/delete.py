"""An erasure request: every row held about one person removed, in one transaction, table by table.

Each kind of data goes with one DELETE over the person's visitor ids (no row is loaded), so a customer
with 100,000 events costs one indexed statement, not 100,000 ORM deletes. What stays is listed in
`assistant.privacy.tables` (aggregates that are not personal data).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from sqlalchemy import delete, func, select
from sqlmodel import Session

from assistant.db import write_transaction
from assistant.privacy.subjects import Subject, resolve_subject
from assistant.privacy.tables import parts_of
from assistant.sites.models import Site

audit = logging.getLogger("assistant.audit")
"""Who deleted whose data and when: one WARNING line per deletion (the level gunicorn logs by default)."""


@dataclass
class DeletionReport:
    """Rows removed per kind of data (events, visits, ..., figures), for the person asked about."""

    subject: Subject
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        """Rows removed in all."""
        return sum(self.counts.values())


def held_counts(*, session: Session, site: Site, customer_id: str) -> DeletionReport:
    """What `delete_customer` would remove now (rows per kind of data), for a confirmation step; deletes nothing."""
    subject = resolve_subject(session=session, site=site, subject_id=customer_id)
    report = DeletionReport(subject)
    for part in parts_of(site.pk, subject):
        if part.kept:
            continue
        report.counts[part.name] = int(session.execute(select(func.count()).select_from(part.table)
                                                       .where(part.where)).scalar_one())
    return report


def delete_customer(*, session: Session, site: Site, customer_id: str, by: str = "cli") -> DeletionReport:
    """Remove everything held about `customer_id` (a customer id, `v:<visitor id>` or an anon id) and commit.

    All or nothing: the person is resolved and every table cleared inside one write transaction, so a visitor
    merged into the customer meanwhile is deleted too, and a failure leaves every row in place.
    """
    with write_transaction(session):
        subject = resolve_subject(session=session, site=site, subject_id=customer_id)
        report = DeletionReport(subject)
        for part in (part for part in parts_of(site.pk, subject) if not part.kept):
            result = session.execute(delete(part.table).where(part.where))
            report.counts[part.name] = report.counts.get(part.name, 0) + int(result.rowcount or 0)  # type: ignore[attr-defined]
    audit.warning("privacy: %s deleted the data of %r on site %s: %s", by, subject.describe(), site.key,
                  ", ".join(f"{name} {n}" for name, n in report.counts.items()))
    return report
