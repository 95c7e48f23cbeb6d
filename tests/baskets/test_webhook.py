"""The webhook against a real HTTP receiver on loopback: signatures, answers, and exactly-once in the face of
a receiver that is down and of a job killed between sending and recording."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from datetime import timedelta
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session

from assistant.baskets.models import BasketMessage
from assistant.baskets.outbox import LEASE_SECONDS, DeliveryFailed, DeliverySummary, deliver_due, transport_for
from assistant.baskets.webhook import WebhookTransport, sign, verify_signature
from assistant.config import Settings
from assistant.db import make_engine
from assistant.sites.models import Site
from tests.baskets.outbox_helpers import T0, message, queue
from tests.baskets.receivers import Receiver, free_port, serve_webhook

SECRET = "whsec-test"
ROOT = Path(__file__).resolve().parents[2]
WEBHOOKS = partial(transport_for, app_settings=Settings())


def _sessions(engine: Engine):  # type: ignore[no-untyped-def]
    return lambda: Session(engine, expire_on_commit=False)


def test_a_signature_verifies_only_for_its_body_secret_and_time() -> None:
    body = b'{"type":"basket.reminder"}'
    header = sign(secret=SECRET, body=body, timestamp=int(T0.timestamp()))
    assert verify_signature(secret=SECRET, header=header, body=body, now=T0)
    assert verify_signature(secret=SECRET, header=header, body=body, now=T0 + timedelta(seconds=300))
    assert not verify_signature(secret=SECRET, header=header, body=body, now=T0 + timedelta(seconds=301))
    assert not verify_signature(secret=SECRET, header=header, body=body + b" ", now=T0)
    assert not verify_signature(secret="other", header=header, body=body, now=T0)
    for broken in ("", "t=,v1=", "v1=abc", f"t={int(T0.timestamp())}", "t=x,v1=00", "garbage"):
        assert not verify_signature(secret=SECRET, header=broken, body=body, now=T0)


def test_the_receiver_gets_the_payload_signed_with_its_idempotency_key(
        engine: Engine, session: Session, site: Site) -> None:
    receiver = Receiver(secret=SECRET)
    with serve_webhook(receiver) as url:
        [first] = queue(session, site, webhook_url=url)
        summary = deliver_due(session_factory=_sessions(engine), now=T0, transport_for=WEBHOOKS)
    key = message(session, first).idempotency_key
    assert summary.sent == 1
    assert receiver.bad_signatures == 0
    assert receiver.stored == {key: message(session, first).payload}


def test_a_wrong_secret_is_refused_by_the_receiver_and_retried(engine: Engine, session: Session, site: Site) -> None:
    receiver = Receiver(secret="the receiver's own")
    with serve_webhook(receiver) as url:
        [first] = queue(session, site, webhook_url=url)
        deliver_due(session_factory=_sessions(engine), now=T0, transport_for=WEBHOOKS)
    assert receiver.bad_signatures == 1
    assert (message(session, first).status, message(session, first).last_error) == (
        "pending", "webhook answered 401 Unauthorized")


def test_410_gone_is_dead_at_once(engine: Engine, session: Session, site: Site) -> None:
    receiver = Receiver(secret=SECRET, answer=410)
    with serve_webhook(receiver) as url:
        [first] = queue(session, site, webhook_url=url)
        deliver_due(session_factory=_sessions(engine), now=T0, transport_for=WEBHOOKS)
    assert (message(session, first).status, message(session, first).attempts) == ("dead", 1)


@pytest.mark.parametrize("answer", [302, 400, 500])
def test_other_answers_are_failures_to_retry(engine: Engine, session: Session, site: Site, answer: int) -> None:
    receiver = Receiver(secret=SECRET, answer=answer)
    with serve_webhook(receiver) as url:
        [first] = queue(session, site, webhook_url=url)
        deliver_due(session_factory=_sessions(engine), now=T0, transport_for=WEBHOOKS)
    stored = message(session, first)
    assert (stored.status, stored.last_error is not None and f"answered {answer}" in stored.last_error) == (
        "pending", True)


def test_a_slow_receiver_times_out() -> None:
    receiver = Receiver(secret=SECRET, delay=1.0)
    with serve_webhook(receiver) as url:
        transport = WebhookTransport(url=url, secret=SECRET, timeout=0.2, private_addresses=True)
        with pytest.raises(DeliveryFailed, match="timed out"):
            transport.send(_message())


def test_no_webhook_url_is_a_failure_with_its_reason(engine: Engine, session: Session, site: Site) -> None:
    [first] = queue(session, site)
    deliver_due(session_factory=_sessions(engine), now=T0, transport_for=WEBHOOKS)
    assert "webhook URL or secret is not set" in (message(session, first).last_error or "")


@pytest.mark.parametrize("down", ["503", "refused"])
def test_a_receiver_down_for_the_first_three_tries_gets_each_message_exactly_once(
        engine: Engine, session: Session, site: Site, down: str) -> None:
    port = free_port()
    ids = queue(session, site, messages=5, webhook_url=f"http://127.0.0.1:{port}/hooks/baskets", retry_seconds=60)
    keys = {message(session, i).idempotency_key for i in ids}
    receiver = Receiver(secret=SECRET, answer=503)
    now, waits = T0, []
    for tries in range(1, 4):
        if down == "503":
            with serve_webhook(receiver, port):
                summary = deliver_due(session_factory=_sessions(engine), now=now, transport_for=WEBHOOKS)
        else:
            summary = deliver_due(session_factory=_sessions(engine), now=now, transport_for=WEBHOOKS)
        assert (summary.sent, summary.retried) == (0, 5)
        rows = [message(session, i) for i in ids]
        assert {(row.status, row.attempts) for row in rows} == {("pending", tries)}
        due = rows[0].next_attempt_at.replace(tzinfo=now.tzinfo)
        waits.append((due - now).total_seconds())
        now = due
    assert waits == [60, 120, 240]

    receiver.answer = 200
    with serve_webhook(receiver, port):
        deliver_due(session_factory=_sessions(engine), now=now, transport_for=WEBHOOKS)
        for later in (1, 60, 24 * 60):
            deliver_due(session_factory=_sessions(engine), now=now + timedelta(minutes=later), transport_for=WEBHOOKS)
    assert receiver.accepted == dict.fromkeys(keys, 1)
    assert set(receiver.stored) == keys
    assert receiver.hits == dict.fromkeys(keys, 4 if down == "503" else 1)
    assert {(message(session, i).status, message(session, i).attempts) for i in ids} == {("sent", 4)}


KILLED_AFTER_SEND = """
import os, sys
from datetime import datetime
from sqlmodel import Session
from assistant.baskets.outbox import deliver_due, transport_for
from assistant.config import Settings
from assistant.db import make_engine

engine = make_engine(sys.argv[1])

class DiesAfterSending:
    def __init__(self, real):
        self.real = real
    def send(self, message):
        self.real.send(message)
        os._exit(9)  # the process is gone before the outbox records the delivery

deliver_due(session_factory=lambda: Session(engine), now=datetime.fromisoformat(sys.argv[2]),
            transport_for=lambda site, settings, row: DiesAfterSending(transport_for(site, settings, row, Settings())))
"""


def test_a_job_killed_between_sending_and_recording_delivers_once_effectively(
        database_url: str, engine: Engine, session: Session, site: Site) -> None:
    receiver = Receiver(secret=SECRET)
    with serve_webhook(receiver) as url:
        ids = queue(session, site, messages=2, webhook_url=url)
        first, second = (message(session, i).idempotency_key for i in ids)
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        job = subprocess.run([sys.executable, "-c", KILLED_AFTER_SEND, database_url, T0.isoformat()],
                             cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
        assert job.returncode == 9, job.stderr
        assert receiver.hits == {first: 1}
        assert (message(session, ids[0]).status, message(session, ids[1]).status) == ("sending", "pending")

        while_leased = deliver_due(session_factory=_sessions(engine), now=T0 + timedelta(seconds=30),
                                   transport_for=WEBHOOKS)
        assert (while_leased.sent, receiver.hits[first]) == (1, 1)  # only the second message; the first is leased
        # the lease ends LEASE_SECONDS after the claim (plus the moments the killed run took to get there)
        deliver_due(session_factory=_sessions(engine), now=T0 + timedelta(seconds=LEASE_SECONDS + 30),
                    transport_for=WEBHOOKS)
        deliver_due(session_factory=_sessions(engine), now=T0 + timedelta(hours=1), transport_for=WEBHOOKS)

    assert receiver.hits == {first: 2, second: 1}  # the killed job's message went out again, with the same key
    assert receiver.accepted == {first: 2, second: 1}
    assert list(receiver.stored) == [first, second]  # and the receiver kept one copy of it
    assert (message(session, ids[0]).status, message(session, ids[0]).attempts) == ("sent", 2)


def test_two_runs_at_once_never_send_one_message_twice(database_url: str, session: Session, site: Site) -> None:
    receiver = Receiver(secret=SECRET, delay=0.002)
    engines = [make_engine(database_url), make_engine(database_url)]
    summaries: list[DeliverySummary] = []
    start, both_hold_a_claim = threading.Barrier(2), threading.Barrier(2, timeout=30)

    class MeetsTheOtherRun:
        """Each run's first send waits until the other run holds a claim too: the runs overlap, whatever the load."""

        def __init__(self, real: Any) -> None:
            self.real, self.first = real, True

        def send(self, message: BasketMessage) -> None:
            if self.first:
                self.first = False
                both_hold_a_claim.wait()
            self.real.send(message)

    def run(engine: Engine) -> None:
        start.wait()
        summaries.append(deliver_due(session_factory=_sessions(engine), now=T0,
                                     transport_for=lambda *args: MeetsTheOtherRun(WEBHOOKS(*args))))

    try:
        with serve_webhook(receiver) as url:
            ids = queue(session, site, messages=60, webhook_url=url)
            runs = [threading.Thread(target=run, args=(engine,)) for engine in engines]
            for thread in runs:
                thread.start()
            for thread in runs:
                thread.join(timeout=120)
    finally:
        for engine in engines:
            engine.dispose()
    assert len(summaries) == 2
    assert sum(s.sent for s in summaries) == 60
    assert all(s.sent > 0 for s in summaries), summaries  # both runs competed for the same messages
    assert len(receiver.hits) == 60 and set(receiver.hits.values()) == {1}
    assert {message(session, i).status for i in ids} == {"sent"}


def _message() -> BasketMessage:
    return BasketMessage(site_id=1, basket_id=1, step=1, channel="webhook", idempotency_key="basket-1-step-1",
                         to_address="a@example.com", subject="s", html="<p>h</p>", text_body="t", payload={"a": 1})


def test_the_documented_receiver_check_accepts_what_the_sender_signs() -> None:
    text = (ROOT / "docs" / "baskets.md").read_text(encoding="utf-8")
    [example] = [block for block in text.split("```python\n")[1:] if "def verify_signature(" in block]
    scope: dict[str, Any] = {}
    exec(example.split("```", 1)[0], scope)  # noqa: S102 (the docs' own example)
    body = b'{"type":"basket.reminder","idempotency_key":"basket-1-step-1"}'
    header = sign(secret=SECRET, body=body, timestamp=int(time.time()))
    assert scope["verify_signature"](SECRET, header, body)
    assert not scope["verify_signature"]("other", header, body)
    assert not scope["verify_signature"](SECRET, header, body + b" ")
    assert not scope["verify_signature"](SECRET, sign(secret=SECRET, body=body, timestamp=int(time.time()) - 301), body)


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://127.0.0.1/x", "data:,x", "127.0.0.1:8000/hook"])
def test_only_http_urls_are_posted_to(url: str) -> None:
    with pytest.raises(DeliveryFailed, match="must be http:// or https://") as failed:
        WebhookTransport(url=url, secret=SECRET).send(_message())
    assert failed.value.permanent
