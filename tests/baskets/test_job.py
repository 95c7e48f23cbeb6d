"""The job: one node at a time by the lease, every site with reminders on, delivery when asked; and its command."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy.engine import Engine
from sqlmodel import Session

from assistant import leases
from assistant.baskets import job, outbox
from assistant.cli import main
from assistant.sites.models import Site
from tests.baskets.shoppers import T0, FakeComposer, baskets, enable, fake_composer, messages, minutes, shopper
from tests.factories import make_site


@pytest.fixture
def composer(monkeypatch: pytest.MonkeyPatch) -> FakeComposer:
    return fake_composer(monkeypatch)


@pytest.fixture
def sessions(engine: Engine) -> Callable[[], Session]:
    return lambda: Session(engine, expire_on_commit=False)


def run(sessions: Callable[[], Session], at: datetime, **kwargs: Any) -> job.RunSummary:
    return job.run(session_factory=sessions, now=at, base_url="https://a.example", secret_key="k",
                   **{"deliver": False, **kwargs})


def test_a_run_detects_and_queues_for_every_site_with_reminders_on(
        session: Session, site: Site, sessions: Callable[[], Session], composer: FakeComposer) -> None:
    enable(session, site)
    off = make_site(session, key="pk_off", name="Off")
    shopper(session, site)
    shopper(session, off)
    summary = run(sessions, T0 + minutes(60))
    assert summary.lines() == ["pk_off: reminders are off",
                               "pk_test: 1 opened (0 holdout), 0 updated, closed: none; 0 recovered; "
                               "1 reminders queued"]
    assert len(messages(session, site)) == 1 and not baskets(session, off)
    assert session.get(leases.JobLease, job.LEASE) is None  # released at the end


def test_a_second_runner_skips_while_the_lease_is_held(
        session: Session, site: Site, sessions: Callable[[], Session], composer: FakeComposer) -> None:
    enable(session, site)
    shopper(session, site)
    assert leases.acquire(session=session, name=job.LEASE, holder="node-a:1", now=T0 + minutes(59), seconds=300)
    summary = run(sessions, T0 + minutes(60))
    assert summary.skipped == "held by node-a:1" and summary.lines() == ["skipped: held by node-a:1"]
    assert not baskets(session, site)
    assert session.get(leases.JobLease, job.LEASE) is not None  # the holder's lease is left alone
    later = run(sessions, T0 + minutes(59) + timedelta(seconds=301))  # the holder died: its lease expired
    assert later.skipped is None and len(baskets(session, site)) == 1


def test_delivery_runs_only_when_asked(session: Session, site: Site, sessions: Callable[[], Session],
                                       composer: FakeComposer, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[datetime] = []

    def deliver_due(*, session_factory: Callable[[], Session], now: datetime, **_: Any) -> outbox.DeliverySummary:
        calls.append(now)
        return outbox.DeliverySummary(sent=1)

    monkeypatch.setattr(outbox, "deliver_due", deliver_due)
    enable(session, site)
    assert run(sessions, T0).delivery is None and calls == []
    summary = run(sessions, T0 + minutes(1), deliver=True)
    assert calls == [T0 + minutes(1)]
    assert summary.lines()[-1] == "delivery: 1 sent, 0 retried, 0 dead, 0 cancelled, 0 skipped"


def test_an_unknown_site_key_is_not_found(session: Session, site: Site, sessions: Callable[[], Session]) -> None:
    from assistant.errors import NotFound

    with pytest.raises(NotFound, match="pk_nope"):
        run(sessions, T0, sites=["pk_nope"])
    assert session.get(leases.JobLease, job.LEASE) is None


def test_the_command_runs_the_job_as_of_now(session: Session, site: Site, database_url: str,
                                            composer: FakeComposer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", database_url)
    enable(session, site)
    shopper(session, site)
    result = CliRunner().invoke(main, ["baskets", "run", "--site", "pk_test", "--now", "2026-12-01T12:30:00Z",
                                       "--no-deliver"])
    assert result.exit_code == 0, result.output
    assert result.output == "pk_test: 0 opened (0 holdout), 0 updated, closed: none; 0 recovered; " \
                            "0 reminders queued\n"
    result = CliRunner().invoke(main, ["baskets", "run", "--now", "2026-12-01T13:00:00+00:00", "--no-deliver"])
    assert result.exit_code == 0, result.output
    assert "pk_test: 1 opened (0 holdout)" in result.output and "1 reminders queued" in result.output


def test_the_command_refuses_a_bad_time(database_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", database_url)
    result = CliRunner().invoke(main, ["baskets", "run", "--now", "yesterday"])
    assert result.exit_code == 2
    assert "'yesterday' is not an ISO 8601 time" in result.output


def test_two_nodes_at_once_one_runs_and_the_other_skips(
        session: Session, site: Site, engine: Engine, composer: FakeComposer, monkeypatch: pytest.MonkeyPatch) -> None:
    import threading

    from assistant.db import make_engine

    enable(session, site)
    shopper(session, site)
    inside, release = threading.Event(), threading.Event()
    real = job.advance

    def held_advance(**kwargs: Any) -> Any:  # between transactions: SQLite's write lock is free meanwhile
        inside.set()
        assert release.wait(20)
        return real(**kwargs)

    monkeypatch.setattr(job, "advance", held_advance)
    results: dict[str, job.RunSummary] = {}

    def node(name: str) -> None:
        own = make_engine(engine.url.render_as_string(hide_password=False))
        try:
            results[name] = job.run(session_factory=lambda: Session(own, expire_on_commit=False),
                                    now=T0 + minutes(60), base_url="https://a.example", secret_key="k",
                                    deliver=False, holder=f"{name}:1")
        finally:
            own.dispose()

    first = threading.Thread(target=node, args=("node-a",))
    first.start()
    assert inside.wait(20)
    node("node-b")  # node-a is inside its run, holding the lease
    release.set()
    first.join(30)
    assert results["node-b"].skipped == "held by node-a:1"
    assert results["node-a"].skipped is None and results["node-a"].sites[0].queued == 1
    assert len(messages(session, site)) == 1
