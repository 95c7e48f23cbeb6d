"""Rate limits per site, per client address and on the admin login, counted with the `limits` library.

Flask-Limiter (the same author's Flask layer over `limits`) cost a quarter of a millisecond per
event batch, more than validating it; the events API is the hottest endpoint, so it calls the
library directly: one fixed-window hit per key, limits parsed once.
"""

from __future__ import annotations

import functools
import math
import time
from collections.abc import Callable
from typing import Any

from flask import current_app, request
from limits import RateLimitItem, parse
from limits.storage import storage_from_string
from limits.strategies import FixedWindowRateLimiter
from werkzeug.exceptions import TooManyRequests


class RateLimiter:
    """Counters for one app, in memory (per process) or shared through the storage URI (redis://...)."""

    def __init__(self, storage_uri: str = "memory://", *, enabled: bool = True) -> None:
        self.enabled = enabled
        self._storage = storage_from_string(storage_uri)
        self._windows = FixedWindowRateLimiter(self._storage)

    def hit(self, limit: str, *key: str) -> None:
        """Count one request for `key`; TooManyRequests with Retry-After once `limit` ("300/minute") is spent."""
        if not self.enabled:
            return
        item = _parsed(limit)
        if not self._windows.hit(item, *key):
            reset = self._windows.get_window_stats(item, *key).reset_time
            raise TooManyRequests(f"more than {limit} requests; try again later",
                                  retry_after=max(1, math.ceil(reset - time.time())))

    def reset(self) -> None:
        """Forget every counter."""
        self._storage.reset()


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
