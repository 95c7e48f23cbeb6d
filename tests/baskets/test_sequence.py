"""The reminder sequence: each step at its time by a moving clock, queued once however many runs race for it."""

from __future__ import annotations

import threading
from datetime import datetime
from typing import Any

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session

from assistant.baskets import compose
from assistant.baskets.detect import detect
from assistant.baskets.sequence import advance
from assistant.baskets.settings import get_settings
from assistant.sites.models import Site
from tests.baskets.shoppers import (
    T0,
    FakeComposer,
    baskets,
    change_cart,
    enable,
    fake_composer,
    messages,
    minutes,
    shopper,
)

BASE = "https://assistant.example"


@pytest.fixture
def composer(monkeypatch: pytest.MonkeyPatch) -> FakeComposer:
    return fake_composer(monkeypatch)


def tick(session: Session, site: Site, at: datetime) -> int:
    """One job round for the site at `at`: detection, then the sequence; messages queued."""
    settings = get_settings(session=session, site=site)
    detect(session=session, site=site, settings=settings, now=at)
    session.commit()
    return advance(session=session, site=site, settings=settings, now=at, base_url=BASE, secret_key="s3cret")


def test_each_step_goes_at_its_time(session: Session, site: Site, composer: FakeComposer) -> None:
    enable(session, site)
    shopper(session, site)
    assert tick(session, site, T0 + minutes(59)) == 0
    assert tick(session, site, T0 + minutes(61)) == 1
    [basket] = baskets(session, site)
    assert (basket.step, _utc(basket.first_reminder_at), _utc(basket.next_step_at)) == \
        (1, T0 + minutes(61), T0 + minutes(24 * 60))
    for later in (62, 600, 24 * 60 - 1):
        assert tick(session, site, T0 + minutes(later)) == 0
    assert tick(session, site, T0 + minutes(24 * 60)) == 1
    [basket] = baskets(session, site)
    assert (basket.step, basket.next_step_at, basket.closed_at) == (2, None, None)
    assert _utc(basket.first_reminder_at) == T0 + minutes(61)  # the first reminder's time stays
    sent = messages(session, site)
    assert [(m.step, m.idempotency_key, m.status, m.to_address) for m in sent] == [
        (1, f"basket-{basket.id}-step-1", "pending", basket.email),
        (2, f"basket-{basket.id}-step-2", "pending", basket.email)]
    assert (sent[0].subject, sent[0].text_body, sent[0].channel) == ("Step 1", "step 1", "smtp")
    assert composer.calls == [(basket.id, 1), (basket.id, 2)]


def test_the_basket_finishes_once_its_last_message_is_out(session: Session, site: Site,
                                                          composer: FakeComposer) -> None:
    enable(session, site, steps=[{"after_minutes": 60}])
    shopper(session, site)
    assert tick(session, site, T0 + minutes(60)) == 1
    assert tick(session, site, T0 + minutes(61)) == 0
    assert baskets(session, site)[0].closed_at is None  # its message is still pending
    [message] = messages(session, site)
    message.status = "sent"
    session.add(message)
    session.commit()
    tick(session, site, T0 + minutes(62))
    assert baskets(session, site)[0].closed_reason == "finished"
    assert messages(session, site)[0].status == "sent"


def test_a_cart_change_pushes_the_next_step(session: Session, site: Site, composer: FakeComposer) -> None:
    enable(session, site)
    visitor = shopper(session, site)
    tick(session, site, T0 + minutes(60))
    change_cart(session, site, visitor, at=T0 + minutes(180), items=[{"sku": "b", "quantity": 1, "price": 9.0}])
    assert tick(session, site, T0 + minutes(24 * 60)) == 0  # 24 hours after the first change, not the last
    assert _utc(baskets(session, site)[0].next_step_at) == T0 + minutes(180 + 24 * 60)
    assert tick(session, site, T0 + minutes(180 + 24 * 60)) == 1


def test_a_late_run_sends_only_the_latest_step_due(session: Session, site: Site, composer: FakeComposer) -> None:
    enable(session, site, steps=[{"after_minutes": 60}, {"after_minutes": 120}, {"after_minutes": 24 * 60}])
    shopper(session, site)
    detect(session=session, site=site, settings=get_settings(session=session, site=site), now=T0 + minutes(60))
    session.commit()
    assert tick(session, site, T0 + minutes(150)) == 1
    [message] = messages(session, site)
    assert message.step == 2 and baskets(session, site)[0].step == 2


def test_a_second_run_inserts_nothing(session: Session, site: Site, composer: FakeComposer) -> None:
    enable(session, site)
    for _ in range(3):
        shopper(session, site)
    assert tick(session, site, T0 + minutes(60)) == 3
    assert tick(session, site, T0 + minutes(60)) == 0
    assert len(messages(session, site)) == 3


def test_holdout_baskets_move_on_without_a_message(session: Session, site: Site, composer: FakeComposer) -> None:
    enable(session, site, holdout_share=0.5)
    for _ in range(40):
        shopper(session, site)
    queued = tick(session, site, T0 + minutes(60))
    held = [b for b in baskets(session, site) if b.holdout]
    assert 0 < len(held) < 40 and queued == 40 - len(held)
    assert all(b.step == 1 and _utc(b.first_reminder_at) == T0 + minutes(60) for b in held)
    assert {m.basket_id for m in messages(session, site)}.isdisjoint({b.id for b in held})
    assert not {basket_id for basket_id, _ in composer.calls} & {b.id for b in held}


def test_a_closed_basket_is_not_advanced(session: Session, site: Site, composer: FakeComposer) -> None:
    enable(session, site)
    visitor = shopper(session, site)
    tick(session, site, T0 + minutes(60))
    change_cart(session, site, visitor, at=T0 + minutes(70), items=[], purchased=True)
    assert tick(session, site, T0 + minutes(24 * 60)) == 0
    assert [m.step for m in messages(session, site)] == [1]


def test_a_render_failure_leaves_the_basket_due(session: Session, site: Site,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(**_: Any) -> compose.Composed:
        raise RuntimeError("template exploded")

    monkeypatch.setattr(compose, "compose_step", broken)
    enable(session, site)
    shopper(session, site)
    assert tick(session, site, T0 + minutes(60)) == 0
    [basket] = baskets(session, site)
    assert basket.step == 0 and basket.first_reminder_at is None and not messages(session, site)


def test_two_runs_at_once_queue_each_step_once(session: Session, site: Site, engine: Engine,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    enable(session, site)
    for _ in range(5):
        shopper(session, site)
    detect(session=session, site=site, settings=get_settings(session=session, site=site), now=T0 + minutes(60))
    session.commit()
    barrier = threading.Barrier(2, timeout=20)
    rendered: list[int] = []

    def slow(*, basket: Any, step: int, **_: Any) -> compose.Composed:
        rendered.append(basket.id)
        if len(rendered) <= 2:  # both runs have read the first basket before either claims it
            barrier.wait()
        return compose.Composed(subject="s", html="h", text="t", payload={})

    monkeypatch.setattr(compose, "compose_step", slow)
    counts: list[int] = []
    errors: list[BaseException] = []

    def runner() -> None:
        from assistant.db import make_engine

        own = make_engine(engine.url.render_as_string(hide_password=False))
        try:
            with Session(own, expire_on_commit=False) as mine:
                counts.append(advance(session=mine, site=site, settings=get_settings(session=mine, site=site),
                                      now=T0 + minutes(60), base_url=BASE, secret_key="k"))
        except BaseException as exc:  # noqa: BLE001 (reported below)
            errors.append(exc)
        finally:
            own.dispose()

    threads = [threading.Thread(target=runner) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors, errors
    assert sum(counts) == 5
    sent = messages(session, site)
    assert len(sent) == 5 and len({m.idempotency_key for m in sent}) == 5
    assert all(b.step == 1 for b in baskets(session, site))


def _utc(value: Any) -> Any:
    from assistant.timeutil import as_utc

    return as_utc(value) if value is not None else None
