"""Rate limits through Redis: two limiters (two nodes' apps) share one count; Redis down fails open, per process."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlmodel import Session
from werkzeug.exceptions import TooManyRequests

from assistant import shared_state
from assistant.api.limits import RateLimiter
from assistant.app import create_app
from assistant.config import Settings
from assistant.shared_state import make_client
from assistant.sites.models import Site
from tests.ops.redis_server import free_port, redis_url
from tests.tracking.test_events_api import event, send, stored


@pytest.fixture
def shared_redis(tmp_path: Path) -> Iterator[str]:
    """A Redis URL of a real server."""
    with redis_url(tmp_path / "redis") as url:
        yield url


def test_two_limiters_on_one_redis_count_together(shared_redis: str) -> None:
    node_a, node_b = RateLimiter(shared_redis), RateLimiter(shared_redis)
    node_a.hit("3/minute", "events-client", "203.0.113.9")
    node_b.hit("3/minute", "events-client", "203.0.113.9")
    node_a.hit("3/minute", "events-client", "203.0.113.9")
    with pytest.raises(TooManyRequests) as refused:
        node_b.hit("3/minute", "events-client", "203.0.113.9")  # node B alone has seen one: the count is shared
    assert refused.value.retry_after is not None
    node_b.hit("3/minute", "events-client", "198.51.100.7")  # another client has its own count


def test_redis_down_fails_open_to_counts_per_process(caplog: pytest.LogCaptureFixture) -> None:
    shared_state._last_warning.clear()
    limiter = RateLimiter(f"redis://127.0.0.1:{free_port()}/0")  # nobody listens there
    started = time.monotonic()
    with caplog.at_level(logging.WARNING, logger="assistant.shared_state"):
        limiter.hit("2/minute", "events-site", "pk_a")
        limiter.hit("2/minute", "events-site", "pk_a")
        with pytest.raises(TooManyRequests):
            limiter.hit("2/minute", "events-site", "pk_a")  # still limited, by this process's own count
    assert time.monotonic() - started < 1.0
    warnings = [r.getMessage() for r in caplog.records]
    assert len(warnings) == 1 and "redis unavailable, rate limits counted per process" in warnings[0], warnings


def test_redis_client_is_none_without_a_url_and_short_with_one(shared_redis: str) -> None:
    assert make_client("") is None
    client = make_client(shared_redis)
    assert client is not None and client.ping()
    kwargs = client.connection_pool.connection_kwargs
    assert kwargs["socket_timeout"] <= 0.25 and kwargs["socket_connect_timeout"] <= 0.25
    assert Settings.from_env({"ASSISTANT_REDIS_URL": shared_redis}).rate_limit_storage == shared_redis


def test_events_are_stored_while_redis_is_down(database_url: str, flows_dir: Path, site: Site, session: Session,
                                               caplog: pytest.LogCaptureFixture) -> None:
    shared_state._last_warning.clear()
    nobody = f"redis://127.0.0.1:{free_port()}/0"
    app = create_app(Settings(database_url=database_url, flows_dir=flows_dir, testing=True, flows_catalog_check=False,
                              redis_url=nobody, rate_limit_storage=nobody, event_limit_client="2/minute"))
    client = app.test_client()
    try:
        with caplog.at_level(logging.WARNING, logger="assistant.shared_state"):
            answers = [send(client, {"visitor": "visitor-redis-down", "events": [event(n)]}).status_code
                       for n in range(3)]
        assert answers == [200, 200, 429]  # stored, then limited by this process's own count: never a 500
        assert [e.client_id for e in stored(session)] == ["evt-00000", "evt-00001"]
        assert any("redis unavailable" in r.getMessage() for r in caplog.records)
    finally:
        app.extensions["assistant"]["engine"].dispose()
