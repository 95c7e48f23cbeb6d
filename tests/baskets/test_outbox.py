"""The outbox on both databases: claim, send, record; backoff doubling, dead letters, retry_dead, cancellation."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session

from assistant.baskets.models import Basket, BasketMessage, BasketSettingsRow
from assistant.baskets.outbox import LEASE_SECONDS, DeliveryFailed, deliver_due, retry_dead, transport_for
from assistant.baskets.settings import BasketSettings
from assistant.config import Settings
from assistant.errors import Conflict
from assistant.sites.models import Site
from tests.baskets.outbox_helpers import T0, Recorder, message, queue


def _factory(engine: Engine):  # type: ignore[no-untyped-def]
    return lambda: Session(engine, expire_on_commit=False)


def test_a_due_message_is_sent_once_and_recorded(engine: Engine, session: Session, site: Site) -> None:
    [first] = queue(session, site)
    transport = Recorder()
    summary = deliver_due(session_factory=_factory(engine), now=T0, transport_for=transport.factory)
    again = deliver_due(session_factory=_factory(engine), now=T0 + timedelta(hours=1), transport_for=transport.factory)
    stored = message(session, first)
    assert (summary.sent, again.sent) == (1, 0)
    assert transport.sent == [stored.idempotency_key]
    assert (stored.status, stored.attempts, stored.leased_until, stored.last_error) == ("sent", 1, None, None)
    assert stored.sent_at is not None


def test_a_message_not_yet_due_waits(engine: Engine, session: Session, site: Site) -> None:
    queue(session, site)
    transport = Recorder()
    deliver_due(session_factory=_factory(engine), now=T0 - timedelta(seconds=1), transport_for=transport.factory)
    assert transport.sent == []


def test_a_shop_that_turns_reminders_off_holds_its_queued_messages(engine: Engine, session: Session,
                                                                   site: Site) -> None:
    [first] = queue(session, site)
    row = session.get_one(BasketSettingsRow, site.id)
    row.settings = {**row.settings, "enabled": False}
    session.add(row)
    session.commit()
    transport = Recorder()
    held = deliver_due(session_factory=_factory(engine), now=T0, transport_for=transport.factory)
    assert (held.sent, transport.sent, message(session, first).status) == (0, [], "pending")
    row.settings = {**row.settings, "enabled": True}
    session.add(row)
    session.commit()
    deliver_due(session_factory=_factory(engine), now=T0 + timedelta(hours=1), transport_for=transport.factory)
    assert transport.sent == [message(session, first).idempotency_key]


def test_backoff_doubles_then_the_message_is_dead_and_retry_dead_revives_it(
        engine: Engine, session: Session, site: Site) -> None:
    [first] = queue(session, site, max_attempts=4, retry_seconds=30)
    transport = Recorder(fail=4)
    now, waits = T0, []
    for _ in range(4):
        deliver_due(session_factory=_factory(engine), now=now, transport_for=transport.factory)
        stored = message(session, first)
        if stored.status == "pending":
            waits.append(round((stored.next_attempt_at.replace(tzinfo=now.tzinfo) - now).total_seconds()))
            # a moment before the wait is over nothing happens
            deliver_due(session_factory=_factory(engine), now=now + timedelta(seconds=waits[-1] - 1),
                        transport_for=transport.factory)
            now += timedelta(seconds=waits[-1])
    assert waits == [30, 60, 120]
    assert transport.calls == 4
    dead = message(session, first)
    assert (dead.status, dead.attempts, dead.last_error) == ("dead", 4, "down (4)")
    deliver_due(session_factory=_factory(engine), now=now + timedelta(days=1), transport_for=transport.factory)
    assert transport.calls == 4  # a dead message is left alone

    later = now + timedelta(days=2)
    retry_dead(session=session, message_id=first, now=later)
    session.commit()
    deliver_due(session_factory=_factory(engine), now=later, transport_for=transport.factory)
    revived = message(session, first)
    assert (revived.status, revived.attempts) == ("sent", 1)
    assert transport.sent == [revived.idempotency_key]
    with pytest.raises(Conflict):
        retry_dead(session=session, message_id=first, now=later)


def test_a_permanent_failure_is_dead_at_once(engine: Engine, session: Session, site: Site) -> None:
    [first] = queue(session, site)
    deliver_due(session_factory=_factory(engine), now=T0, transport_for=Recorder(fail=1, permanent=True).factory)
    assert (message(session, first).status, message(session, first).attempts) == ("dead", 1)


def test_a_basket_closed_meanwhile_cancels_its_message(engine: Engine, session: Session, site: Site) -> None:
    [first, second] = queue(session, site, messages=2)
    basket = session.get(Basket, message(session, first).basket_id)
    assert basket is not None
    basket.closed_at, basket.closed_reason = T0, "purchased"
    session.add(basket)
    session.commit()
    transport = Recorder()
    summary = deliver_due(session_factory=_factory(engine), now=T0, transport_for=transport.factory)
    assert (summary.sent, summary.cancelled) == (1, 1)
    assert message(session, first).status == "cancelled"
    assert transport.sent == [message(session, second).idempotency_key]


def test_a_transport_that_cannot_be_built_fails_the_message_with_its_reason(
        engine: Engine, session: Session, site: Site) -> None:
    [first] = queue(session, site, channel="smtp")

    def factory(site: Site, settings: BasketSettings, row: BasketSettingsRow) -> Recorder:
        return transport_for(site, settings, row, Settings())  # type: ignore[return-value]

    deliver_due(session_factory=_factory(engine), now=T0, transport_for=factory)
    stored = message(session, first)
    assert stored.status == "pending"
    assert stored.last_error == "no SMTP server is configured (ASSISTANT_SMTP_HOST)"


def test_an_unexpected_error_fails_one_message_not_the_run(engine: Engine, session: Session, site: Site) -> None:
    [first, second] = queue(session, site, messages=2)

    class Flaky(Recorder):
        def send(self, message):  # type: ignore[no-untyped-def]
            if message.id == first:
                raise ValueError("boom")
            super().send(message)

    summary = deliver_due(session_factory=_factory(engine), now=T0, transport_for=Flaky().factory)
    assert (summary.sent, summary.retried) == (1, 1)
    assert message(session, first).last_error == "ValueError: boom"
    assert message(session, second).status == "sent"


def test_now_must_be_aware(engine: Engine) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        deliver_due(session_factory=_factory(engine), now=T0.replace(tzinfo=None), transport_for=Recorder().factory)


def test_delivery_failed_keeps_its_reason() -> None:
    assert DeliveryFailed("x", permanent=True).permanent


def test_a_run_whose_lease_ran_out_does_not_overwrite_the_next_claim(
        engine: Engine, session: Session, site: Site) -> None:
    [first] = queue(session, site)
    other = Recorder()

    class Stalls:
        def send(self, message: BasketMessage) -> None:
            # while this run hangs, its lease runs out and a later run claims and delivers the message
            deliver_due(session_factory=_factory(engine), now=T0 + timedelta(seconds=LEASE_SECONDS + 30),
                        transport_for=other.factory)
            raise DeliveryFailed("timed out at last")

    deliver_due(session_factory=_factory(engine), now=T0, transport_for=lambda *_args: Stalls())
    stored = message(session, first)
    assert (stored.status, stored.attempts, stored.last_error) == ("sent", 2, None)
    deliver_due(session_factory=_factory(engine), now=T0 + timedelta(days=1), transport_for=other.factory)
    assert other.sent == [stored.idempotency_key]
