"""Rate limits on the events API, per site and per client address (Flask-Limiter)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import current_app, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

limiter = Limiter(key_func=get_remote_address)


def _settings() -> Any:
    return current_app.extensions["assistant"]["settings"]


def _site_key() -> str:
    return "site:" + request.args.get("site", "")


def limit_events(view: Callable[..., Any]) -> Callable[..., Any]:
    """Apply the per-site and per-client limits from the settings to `view`."""
    per_client = limiter.limit(lambda: _settings().event_limit_client)
    per_site = limiter.limit(lambda: _settings().event_limit_site, key_func=_site_key)
    return per_site(per_client(view))
