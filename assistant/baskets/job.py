"""The abandoned-basket job: detection, recovery and the next steps for every site with reminders on, then delivery.

Run by the deployment's scheduler (`assistant baskets run` from cron or a systemd timer, on every node):
the first node to take the "baskets" lease runs, any other started meanwhile skips at once and says who
holds it. The lease is renewed before each site, and released at the end, so the next run need not wait for
it to expire; a node that dies holds it at most LEASE_SECONDS. Even without the lease nothing is sent twice
(sequence and outbox decide every race in the database): the lease keeps the work from being done twice.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session, select

from assistant import leases
from assistant.baskets.detect import DetectSummary, detect
from assistant.baskets.recovery import mark_recoveries
from assistant.baskets.sequence import advance
from assistant.baskets.settings import get_settings
from assistant.db import write_transaction
from assistant.errors import NotFound
from assistant.sites.models import Site

LEASE = "baskets"
LEASE_SECONDS = 300


@dataclass
class SiteRun:
    """What the job did for one site."""

    site_key: str
    enabled: bool
    detected: DetectSummary = field(default_factory=DetectSummary)
    recovered: int = 0
    queued: int = 0

    def line(self) -> str:
        """The site's run as one line."""
        if not self.enabled:
            return f"{self.site_key}: reminders are off"
        return (f"{self.site_key}: {self.detected.line()}; {self.recovered} recovered; "
                f"{self.queued} reminders queued")


@dataclass
class RunSummary:
    """What one run did: per site, the delivery (when asked for), or why it skipped."""

    sites: list[SiteRun] = field(default_factory=list)
    delivery: Any = None
    skipped: str | None = None

    def lines(self) -> list[str]:
        """One line per site, then the delivery; or the reason for skipping."""
        if self.skipped:
            return [f"skipped: {self.skipped}"]
        found = [site.line() for site in self.sites] or ["no site has reminders on"]
        if self.delivery is not None:
            found.append(f"delivery: {_fields(self.delivery)}")
        return found


def run(*, session_factory: Callable[[], Session], now: datetime, base_url: str, secret_key: str, deliver: bool,
        sites: Sequence[str] | None = None, holder: str | None = None) -> RunSummary:
    """Run the job once for `sites` (keys; default every site with reminders on), unless another node holds it."""
    holder = holder or f"{leases.holder_name()}:{uuid.uuid4().hex[:6]}"
    with session_factory() as session:
        if not leases.acquire(session=session, name=LEASE, holder=holder, now=now, seconds=LEASE_SECONDS):
            return RunSummary(skipped=f"held by {_holder(session)}")
        try:
            summary = RunSummary()
            started = time.monotonic()
            for site in _sites(session, sites):  # renewed as of the real time the run has taken so far
                leases.acquire(session=session, name=LEASE, holder=holder, seconds=LEASE_SECONDS,
                               now=now + timedelta(seconds=time.monotonic() - started))
                summary.sites.append(_run_site(session, site, now, base_url, secret_key))
            if deliver:
                from assistant.baskets import outbox  # delivery's transports load only when asked for

                summary.delivery = outbox.deliver_due(session_factory=session_factory, now=now)
            return summary
        finally:
            session.rollback()
            leases.release(session=session, name=LEASE, holder=holder)


def _run_site(session: Session, site: Site, now: datetime, base_url: str, secret_key: str) -> SiteRun:
    settings = get_settings(session=session, site=site)
    if not settings.enabled:
        return SiteRun(site.key, enabled=False)
    result = SiteRun(site.key, enabled=True)
    with write_transaction(session):
        result.detected = detect(session=session, site=site, settings=settings, now=now)
    with write_transaction(session):
        result.recovered = mark_recoveries(session=session, site=site, settings=settings, now=now)
    result.queued = advance(session=session, site=site, settings=settings, now=now, base_url=base_url,
                            secret_key=secret_key)
    session.commit()
    return result


def _sites(session: Session, keys: Sequence[str] | None) -> list[Site]:
    """The sites asked for, in the order given (NotFound for an unknown key), or every site."""
    every = list(session.exec(select(Site).order_by(Site.key)))  # type: ignore[arg-type]
    if keys is None:
        return every
    known = {site.key: site for site in every}
    missing = [key for key in keys if key not in known]
    if missing:
        raise NotFound(f"no site with the key '{missing[0]}'", field="site")
    return [known[key] for key in dict.fromkeys(keys)]


def _holder(session: Session) -> str:
    row = session.get(leases.JobLease, LEASE)
    return row.holder if row else "another run"


def _fields(summary: Any) -> str:
    values = getattr(summary, "__dict__", {})
    return ", ".join(f"{value} {name}" for name, value in values.items()) or str(summary)
