"""Rate limits per site, per client address and on the admin login, counted with the `limits` library.

Flask-Limiter (the same author's Flask layer over `limits`) cost a quarter of a millisecond per
event batch, more than validating it; the events API is the hottest endpoint, so it calls the
library directly: one fixed-window hit per key, limits parsed once.

With several nodes the counters live in Redis (ASSISTANT_REDIS_URL), so a client's limit is one limit
whichever node it reaches. When Redis does not answer (0.2 s at most), the limiter fails open to
counters in this process, logs it, and leaves Redis alone for RETRY_SECONDS: a limit is there to stop
floods, and during an outage each process still stops them at its own count, while refusing every
event batch (or answering 500) would turn a cache's outage into lost shopper data.
"""

from __future__ import annotations

import functools
import math
import time
from collections.abc import Callable
from typing import Any

from flask import current_app, request
from limits import RateLimitItem, parse
from limits.errors import StorageError
from limits.storage import MemoryStorage, storage_from_string
from limits.strategies import FixedWindowRateLimiter
from werkzeug.exceptions import TooManyRequests

from assistant.shared_state import SOCKET_TIMEOUT, degraded

RETRY_SECONDS = 5.0
"""After a Redis error, counters stay in the process this long before Redis is asked again."""


class RateLimiter:
    """Counters for one app, in memory (per process) or shared through the storage URI (redis://...)."""

    def __init__(self, storage_uri: str = "memory://", *, enabled: bool = True) -> None:
        self.enabled = enabled
        self._storage = _storage(storage_uri)
        self._windows = FixedWindowRateLimiter(self._storage)
        self._local = self._windows if isinstance(self._storage, MemoryStorage) \
            else FixedWindowRateLimiter(MemoryStorage())
        self._shared_after = 0.0

    def hit(self, limit: str, *key: str) -> None:
        """Count one request for `key`; TooManyRequests with Retry-After once `limit` ("300/minute") is spent."""
        if not self.enabled:
            return
        item = _parsed(limit)
        try:
            windows = self._windows if time.monotonic() >= self._shared_after else self._local
            allowed = windows.hit(item, *key)
        except StorageError as exc:
            degraded("rate limits counted", exc.storage_error)
            self._shared_after = time.monotonic() + RETRY_SECONDS
            windows = self._local
            allowed = windows.hit(item, *key)
        if not allowed:
            reset = windows.get_window_stats(item, *key).reset_time
            raise TooManyRequests(f"more than {limit} requests; try again later",
                                  retry_after=max(1, math.ceil(reset - time.time())))

    def reset(self) -> None:
        """Forget every counter."""
        self._storage.reset()
        if self._local is not self._windows:
            self._local.storage.reset()


def _storage(uri: str) -> Any:
    """The counters' storage; Redis with short timeouts, its errors wrapped as StorageError."""
    if not uri.startswith(("redis://", "rediss://", "unix://", "redis+unix://")):
        return storage_from_string(uri)
    uri = "redis+" + uri if uri.startswith("unix://") else uri  # ASSISTANT_REDIS_URL's socket form, as limits names it
    return storage_from_string(uri, wrap_exceptions=True, socket_timeout=SOCKET_TIMEOUT,
                               socket_connect_timeout=SOCKET_TIMEOUT)


@functools.lru_cache(maxsize=64)
def _parsed(limit: str) -> RateLimitItem:
    return parse(limit)


def rate_limiter() -> RateLimiter:
    """The current app's limiter."""
    return current_app.extensions["assistant"]["limiter"]


def limit_events(view: Callable[..., Any]) -> Callable[..., Any]:
    """Apply the per-client, then the per-site limit from the settings to `view`."""

    @functools.wraps(view)
    def limited(*args: Any, **kwargs: Any) -> Any:
        settings = current_app.extensions["assistant"]["settings"]
        limiter = rate_limiter()
        limiter.hit(settings.event_limit_client, "events-client", request.remote_addr or "")
        limiter.hit(settings.event_limit_site, "events-site", request.args.get("site", ""))
        return view(*args, **kwargs)

    return limited
