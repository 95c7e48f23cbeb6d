"""Rate limits per site, per client address and on the admin login, counted with the `limits` library.

Flask-Limiter (the same author's Flask layer over `limits`) cost a quarter of a millisecond per
event batch, more than validating it; the events API is the hottest endpoint, so it calls the
library directly: one fixed-window hit per key, limits parsed once.

With several nodes the counters live in Redis (ASSISTANT_REDIS_URL), so a client's limit is one limit
whichever node it reaches. When Redis does not answer (0.2 s at most), the limiter fails open to
counters in this process, logs it, and leaves Redis alone for RETRY_SECONDS: a limit is there to stop
floods, and during an outage each process still stops them at its own count, while refusing every
event batch (or answering 500) would turn a cache's outage into lost shopper data.

In one process the counters are `LocalWindows`, not the library's MemoryStorage: that one starts a timer
thread to expire keys at most every 10 ms, which under ingest load meant a new thread every few batches
(a quarter of a batch's wall time in a profile).
"""

from __future__ import annotations

import functools
import math
import threading
import time
from collections.abc import Callable
from typing import Any

from flask import current_app, request
from limits import RateLimitItem, parse
from limits.errors import StorageError
from limits.storage import storage_from_string
from limits.strategies import FixedWindowRateLimiter
from limits.util import WindowStats
from werkzeug.exceptions import TooManyRequests

from assistant.shared_state import SOCKET_TIMEOUT, degraded

RETRY_SECONDS = 5.0
"""After a Redis error, counters stay in the process this long before Redis is asked again."""


class RateLimiter:
    """Counters for one app, in memory (per process) or shared through the storage URI (redis://...)."""

    def __init__(self, storage_uri: str = "memory://", *, enabled: bool = True) -> None:
        self.enabled = enabled
        self._local = LocalWindows()
        self._windows: FixedWindowRateLimiter | LocalWindows = self._local if storage_uri.startswith("memory://") \
            else FixedWindowRateLimiter(_storage(storage_uri))
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
        self._local.reset()
        if isinstance(self._windows, FixedWindowRateLimiter):
            self._windows.storage.reset()


class LocalWindows:
    """Fixed windows counted in this process, as the library's fixed-window strategy counts them (a window opens
    at a key's first hit and lasts the limit's period), without a thread: expired keys are dropped on the way,
    by a sweep once the table has grown past `sweep_at` keys (so one key per client address stays bounded)."""

    def __init__(self, sweep_at: int = 10_000) -> None:
        self._windows: dict[str, tuple[float, int]] = {}  # key -> (window's end, hits)
        self._lock = threading.Lock()
        self._sweep_at = sweep_at

    def hit(self, item: RateLimitItem, *identifiers: str) -> bool:
        """Count one hit; False when the window's limit was already spent (that hit is not counted)."""
        key = item.key_for(*identifiers)
        now = time.time()
        with self._lock:
            end, hits = self._windows.get(key, (0.0, 0))
            if end <= now:
                if len(self._windows) >= self._sweep_at:
                    self._sweep(now)
                end, hits = now + item.get_expiry(), 0
            if hits >= item.amount:
                return False
            self._windows[key] = (end, hits + 1)
            return True

    def get_window_stats(self, item: RateLimitItem, *identifiers: str) -> WindowStats:
        """When the key's window ends (epoch seconds) and how many hits it has left."""
        end, hits = self._windows.get(item.key_for(*identifiers), (0.0, 0))
        if end <= time.time():
            return WindowStats(time.time(), item.amount)
        return WindowStats(end, max(0, item.amount - hits))

    def reset(self) -> None:
        """Forget every counter."""
        with self._lock:
            self._windows.clear()

    def _sweep(self, now: float) -> None:
        self._windows = {key: window for key, window in self._windows.items() if window[0] > now}


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
