"""The Redis server several nodes share (ASSISTANT_REDIS_URL): one client per app, short timeouts.

Redis only ever holds what a node can do without: rate-limit counters and caches. So every user of
the client treats a Redis error as "not shared right now": it logs one line and carries on with
the per-process behaviour, and a request never waits longer than the socket timeouts below for it.
"""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import redis
    from flask import Flask

log = logging.getLogger(__name__)
SOCKET_TIMEOUT = 0.2
"""Seconds to connect to Redis or wait for an answer: above a LAN round trip, far below a request's budget."""
QUIET_SECONDS = 30.0
"""A Redis outage is logged once per this many seconds per process, not once per request."""
_last_warning: dict[str, float] = {}


def make_client(url: str) -> redis.Redis | None:
    """A client for `url` with short timeouts (None for an empty url); it connects on first use."""
    if not url:
        return None
    import redis  # only a deployment with a Redis URL needs the client

    return redis.Redis.from_url(url, socket_timeout=SOCKET_TIMEOUT, socket_connect_timeout=SOCKET_TIMEOUT,
                                retry_on_timeout=False, health_check_interval=30)


def redis_client(app: Flask) -> redis.Redis | None:
    """The app's Redis client (None when ASSISTANT_REDIS_URL is empty: everything stays per process)."""
    state = app.extensions.setdefault("assistant", {})
    if "redis" not in state:
        state["redis"] = make_client(state["settings"].redis_url if "settings" in state else "")
    client: redis.Redis | None = state["redis"]
    return client


def degraded(what: str, exc: BaseException, *, now: float | None = None) -> None:
    """Log that `what` fell back to this process alone because Redis failed (at most every QUIET_SECONDS)."""
    now = time.monotonic() if now is None else now
    if now - _last_warning.get(what, -QUIET_SECONDS) >= QUIET_SECONDS:
        _last_warning[what] = now
        log.warning("redis unavailable, %s per process meanwhile: %s: %s", what, type(exc).__name__, exc)


def redis_errors() -> tuple[type[BaseException], ...]:
    """The exceptions that mean "Redis is not answering" (connection, timeout, a server error)."""
    import redis

    return (redis.RedisError, OSError)


def info(client: Any) -> str:
    """Where `client` points, without its password (for log lines)."""
    kwargs = client.connection_pool.connection_kwargs
    return f"{kwargs.get('host', kwargs.get('path', '?'))}:{kwargs.get('port', '')}/{kwargs.get('db', 0)}"
