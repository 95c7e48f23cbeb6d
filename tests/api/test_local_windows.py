"""The per-process rate-limit counters: fixed windows like the library's, no thread, bounded by sweeps."""

from __future__ import annotations

import threading
import time

import pytest
from limits import parse

from assistant.api import limits
from assistant.api.limits import LocalWindows, RateLimiter


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    fake = Clock()
    monkeypatch.setattr(limits.time, "time", fake)
    return fake


def test_a_window_allows_its_amount_then_refuses_until_it_ends(clock: Clock) -> None:
    windows, item = LocalWindows(), parse("3/minute")
    assert [windows.hit(item, "events-client", "a") for _ in range(4)] == [True, True, True, False]
    assert windows.hit(item, "events-client", "b")  # another key has its own count
    stats = windows.get_window_stats(item, "events-client", "a")
    assert stats.reset_time == clock.now + 60 and stats.remaining == 0
    clock.now += 59.9
    assert not windows.hit(item, "events-client", "a")
    clock.now += 0.2  # the window opened at the first hit has ended
    assert windows.hit(item, "events-client", "a")
    assert windows.get_window_stats(item, "events-client", "a").remaining == 2


def test_expired_keys_are_swept_once_the_table_is_full(clock: Clock) -> None:
    windows, item = LocalWindows(sweep_at=100), parse("5/second")
    for n in range(100):
        windows.hit(item, "events-client", str(n))
    clock.now += 2
    for n in range(100, 150):
        windows.hit(item, "events-client", str(n))
    assert len(windows._windows) == 50  # the first hundred were dropped by one sweep


def test_no_thread_is_started(monkeypatch: pytest.MonkeyPatch) -> None:
    started: list[threading.Thread] = []
    start = threading.Thread.start
    monkeypatch.setattr(threading.Thread, "start", lambda thread: (started.append(thread), start(thread))[1])
    limiter = RateLimiter("memory://")
    for n in range(50):
        limiter.hit("1000/minute", "events-client", str(n))
        time.sleep(0.001)
    assert started == []


def test_concurrent_hits_are_all_counted() -> None:
    windows, item = LocalWindows(), parse("100000/hour")

    def hammer() -> None:
        for _ in range(2_000):
            windows.hit(item, "events-site", "pk")

    threads = [threading.Thread(target=hammer) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert windows.get_window_stats(item, "events-site", "pk").remaining == 100_000 - 8_000
