"""The outbox: each basket message delivered once, by a claim with a lease, retried with backoff, dead after N tries.

A run claims one message at a time with one conditional UPDATE (a pending message that is due, or a
claimed one whose lease ran out), commits the claim, sends, then records the outcome only while the
claim is still its own (same status and attempt number). The database decides every race, so two runs
on two nodes, or two engines on one SQLite file, never send a message twice while its lease holds.

The limit: a run that dies after sending and before recording leaves the message claimed; when the
lease expires it is sent again with the same idempotency key. Exactly one *effective* delivery then
rests on the receiver dropping the second copy by that key (the webhook's Idempotency-Key header,
the e-mail's Message-ID). Every time is computed from the caller's `now` (tests move a clock).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import TYPE_CHECKING, Protocol

from sqlalchemy import ColumnElement, or_, select, update
from sqlmodel import Session, col

from assistant.baskets.models import Basket, BasketMessage, BasketSettingsRow
from assistant.baskets.settings import BasketSettings
from assistant.db import write_transaction
from assistant.errors import Conflict, NotFound
from assistant.sites.models import Site

if TYPE_CHECKING:
    from assistant.config import Settings

LEASE_SECONDS = 60
"""How long a claim holds; longer than any transport's timeout, so a live run keeps its claim."""
MAX_ERROR = 1000


class DeliveryFailed(Exception):
    """A transport could not deliver; `permanent` failures (410 Gone, a refused address) are dead at once."""

    def __init__(self, reason: str, *, permanent: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.permanent = permanent


class Transport(Protocol):
    """Delivers one message or raises DeliveryFailed."""

    def send(self, message: BasketMessage) -> None:
        """Hand the message over (SMTP server, webhook receiver)."""


TransportFor = Callable[[Site, BasketSettings, BasketSettingsRow], Transport]


@dataclass
class DeliverySummary:
    """What one run did: messages sent, retried later, dead, cancelled, and claims lost to another run."""

    sent: int = 0
    retried: int = 0
    dead: int = 0
    cancelled: int = 0
    skipped: int = 0


@dataclass
class _Site:
    site: Site
    settings: BasketSettings
    transport: Transport | DeliveryFailed


def deliver_due(*, session_factory: Callable[[], Session], now: datetime,
                transport_for: TransportFor | None = None, limit: int = 500) -> DeliverySummary:
    """Deliver up to `limit` messages due at `now` (leases also count the real time the run has taken)."""
    factory = transport_for or _configured_transports()
    clock = _Clock(now)
    summary = DeliverySummary()
    sites: dict[int, _Site] = {}
    try:
        with session_factory() as session:
            for message_id in _due_ids(session, clock.start, limit):
                message = _claim(session, message_id, clock.start, until=clock() + timedelta(seconds=LEASE_SECONDS))
                if message is None:
                    summary.skipped += 1
                    continue
                target = sites.get(message.site_id) or sites.setdefault(message.site_id,
                                                                        _site(session, message.site_id, factory))
                _deliver(session, message, target, clock, summary)
    finally:
        for target in sites.values():  # a transport that keeps a connection for the run (SMTP) ends it
            close = getattr(target.transport, "close", None)
            if callable(close):
                close()
    return summary


def retry_dead(*, session: Session, message_id: int, now: datetime) -> None:
    """Give a dead message a fresh set of tries from `now` (the admin's "try again"); the caller commits."""
    message = session.get(BasketMessage, message_id)
    if message is None:
        raise NotFound(f"no basket message {message_id}", field="message_id")
    if message.status != "dead":
        raise Conflict(f"message {message_id} is {message.status}, not dead", field="message_id")
    message.status, message.attempts, message.leased_until = "pending", 0, None
    message.next_attempt_at = _utc(now)
    session.add(message)
    session.flush()


def transport_for(site: Site, settings: BasketSettings, row: BasketSettingsRow, app_settings: Settings) -> Transport:
    """The site's transport: its webhook, or the deployment's SMTP server; DeliveryFailed when not set up."""
    from assistant.baskets.smtp import SmtpTransport
    from assistant.baskets.webhook import WebhookTransport

    if settings.channel == "webhook":
        if not settings.webhook_url or not row.webhook_secret:
            raise DeliveryFailed("the site's webhook URL or secret is not set (admin: abandoned baskets)")
        return WebhookTransport(url=settings.webhook_url, secret=row.webhook_secret,
                                private_addresses=app_settings.webhook_private_addresses)
    if not app_settings.smtp_host:
        raise DeliveryFailed("no SMTP server is configured (ASSISTANT_SMTP_HOST)")
    sender = settings.from_address or app_settings.smtp_from
    if not sender:
        raise DeliveryFailed("no sender address: set the site's from address or ASSISTANT_SMTP_FROM")
    return SmtpTransport(host=app_settings.smtp_host, port=app_settings.smtp_port,
                         security=app_settings.smtp_security, username=app_settings.smtp_username,
                         password=app_settings.smtp_password, from_address=sender, site_key=site.key,
                         ca_file=app_settings.smtp_ca_file or None)


def _configured_transports() -> TransportFor:
    from assistant.config import Settings

    return partial(transport_for, app_settings=Settings.from_env())


class _Clock:
    """The caller's `now` (due times, backoff) moved on by the real time the run has taken (lease ends, sent_at).

    A long run claims its last message minutes after `now`; its lease must still last LEASE_SECONDS.
    """

    def __init__(self, now: datetime) -> None:
        self.start, self.began = _utc(now), time.monotonic()

    def __call__(self) -> datetime:
        return self.start + timedelta(seconds=time.monotonic() - self.began)


def _utc(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValueError("now must be timezone-aware (UTC)")
    return value.astimezone(UTC)


def _due_ids(session: Session, now: datetime, limit: int) -> list[int]:
    """Due messages of the sites with reminders on: a shop that turns them off holds its queued messages (sent if
    it turns them on again, cancelled when their baskets close)."""
    on = [row.site_id for row in session.execute(select(BasketSettingsRow)).scalars()
          if BasketSettings.model_validate(row.settings).enabled]
    rows = session.execute(select(col(BasketMessage.id)).where(_claimable(now), col(BasketMessage.site_id).in_(on))
                           .order_by(col(BasketMessage.next_attempt_at), col(BasketMessage.id)).limit(limit))
    ids = [int(message_id) for message_id in rows.scalars()]
    session.rollback()
    return ids


def _claimable(now: datetime) -> ColumnElement[bool]:
    status, leased = col(BasketMessage.status), col(BasketMessage.leased_until)
    return or_((status == "pending") & (col(BasketMessage.next_attempt_at) <= now),
               (status == "sending") & (leased < now))


def _claim(session: Session, message_id: int, now: datetime, *, until: datetime) -> BasketMessage | None:
    """Claim the message if it is still due (one statement: the database picks one claimant); committed."""
    with write_transaction(session):
        claimed = session.execute(
            update(BasketMessage).where(col(BasketMessage.id) == message_id, _claimable(now))
            .values(status="sending", leased_until=until, attempts=col(BasketMessage.attempts) + 1)
            .execution_options(synchronize_session=False))
    if not claimed.rowcount:  # type: ignore[attr-defined]
        return None
    return session.get(BasketMessage, message_id, populate_existing=True)


def _site(session: Session, site_id: int, factory: TransportFor) -> _Site:
    site = session.get(Site, site_id)
    assert site is not None  # a message's site is a foreign key
    row = session.get(BasketSettingsRow, site_id) or BasketSettingsRow(site_id=site_id)
    settings = BasketSettings.model_validate(row.settings)
    try:
        transport: Transport | DeliveryFailed = factory(site, settings, row)
    except DeliveryFailed as exc:
        transport = exc
    return _Site(site, settings, transport)


def _deliver(session: Session, message: BasketMessage, target: _Site, clock: _Clock,
             summary: DeliverySummary) -> None:
    basket = session.get(Basket, message.basket_id)
    if basket is None or basket.closed_at is not None:
        _record(session, message, status="cancelled", now=clock(), error=None)
        summary.cancelled += 1
        return
    if message.attempts > target.settings.max_attempts:
        _fail(session, message, target.settings, clock.start, summary,
              DeliveryFailed("the delivery job stopped during the last attempt; try again to resend", permanent=True))
        return
    try:
        if isinstance(target.transport, DeliveryFailed):
            raise target.transport
        target.transport.send(message)
    except DeliveryFailed as exc:
        _fail(session, message, target.settings, clock.start, summary, exc)
    except Exception as exc:  # noqa: BLE001  (a transport's fault fails this message, not the whole run)
        _fail(session, message, target.settings, clock.start, summary, DeliveryFailed(f"{type(exc).__name__}: {exc}"))
    else:
        _record(session, message, status="sent", now=clock(), error=None, sent=True)
        summary.sent += 1


def _fail(session: Session, message: BasketMessage, settings: BasketSettings, now: datetime,
          summary: DeliverySummary, exc: DeliveryFailed) -> None:
    """Retry after retry_seconds * 2**(attempts-1), or dead when permanent or out of attempts."""
    if exc.permanent or message.attempts >= settings.max_attempts:
        _record(session, message, status="dead", now=now, error=exc.reason)
        summary.dead += 1
        return
    wait = timedelta(seconds=settings.retry_seconds * 2 ** (message.attempts - 1))
    _record(session, message, status="pending", now=now, error=exc.reason, next_attempt_at=now + wait)
    summary.retried += 1


def _record(session: Session, message: BasketMessage, *, status: str, now: datetime, error: str | None,
            sent: bool = False, next_attempt_at: datetime | None = None) -> None:
    """Write the outcome only while the claim is still ours (a run whose lease ran out changes nothing)."""
    values: dict[str, object] = {"status": status, "leased_until": None,
                                 "last_error": error[:MAX_ERROR] if error else None}
    if sent:
        values["sent_at"] = now
    if next_attempt_at is not None:
        values["next_attempt_at"] = next_attempt_at
    with write_transaction(session):
        session.execute(
            update(BasketMessage).where(col(BasketMessage.id) == message.id, col(BasketMessage.status) == "sending",
                                        col(BasketMessage.attempts) == message.attempts)
            .values(**values).execution_options(synchronize_session=False))
