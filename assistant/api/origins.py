"""Which site a request is for, whether its Origin may call us, and CORS headers (flask-cors)."""

from __future__ import annotations

import functools
from typing import Any

from flask import Response, current_app, g, request
from flask_cors.core import ACL_REQUEST_HEADER_PRIVATE_NETWORK, get_cors_headers, get_cors_options, set_cors_headers
from werkzeug.datastructures import Headers

from assistant.api import bp
from assistant.db import get_session
from assistant.errors import Forbidden, Invalid
from assistant.sites.cache import SiteCache
from assistant.sites.models import Site
from assistant.sites.service import origin_allowed


def current_site() -> Site:
    """The site named by the `site` query parameter; its Origin check already passed."""
    site = g.get("site")
    if site is None:
        raise Invalid("is required: the site's public key, as ?site=KEY", field="site")
    return site


@bp.before_request
def _resolve_site() -> None:
    req = request._get_current_object()  # type: ignore[attr-defined]  # one context lookup, not one per attribute
    key = req.args.get("site")
    if not key:
        return
    if len(key) > 64:
        raise Invalid("is too long to be a site key", field="site")
    sites = _sites()
    site = sites.cached(key) or sites.get(session=get_session(), key=key)  # a request session only when needed
    origin = req.environ.get("HTTP_ORIGIN")
    if origin and not origin_allowed(site, origin) and req.method != "OPTIONS":
        raise Forbidden(f"origin {origin} is not allowed for this site", field="origin")
    g.site = site


def _sites() -> SiteCache:
    return current_app.extensions["assistant"].setdefault("sites", SiteCache())


@bp.after_request
def _cors(response: Response) -> Response:
    _vary_on_origin(response)
    site = g.get("site")
    if site is None or not site.allowed_origins:
        return response
    origins = tuple(site.allowed_origins)
    req = request._get_current_object()  # type: ignore[attr-defined]
    if req.method == "OPTIONS":  # a preflight: its answer depends on the headers it asks for
        return set_cors_headers(response, _cors_options(origins))
    headers = req.headers
    for name, value in _cors_headers(origins, headers.get("Origin"), headers.get(ACL_REQUEST_HEADER_PRIVATE_NETWORK)):
        response.headers.add(name, value)
    return response


@functools.lru_cache(maxsize=1024)
def _cors_headers(origins: tuple[str, ...], origin: str | None,
                  private_network: str | None) -> tuple[tuple[str, str], ...]:
    """The CORS headers flask-cors gives a request other than a preflight: they depend only on the site's origins
    and these two request headers, so they are worked out once per combination (0.01-0.02 ms an answer)."""
    asked = Headers([(name, value) for name, value in (("Origin", origin),
                                                         (ACL_REQUEST_HEADER_PRIVATE_NETWORK, private_network))
                     if value is not None])
    return tuple((name, str(value)) for name, value in get_cors_headers(_cors_options(origins), asked, "GET").items())


@functools.lru_cache(maxsize=1024)
def _cors_options(origins: tuple[str, ...]) -> Any:  # flask-cors names its type privately
    """flask-cors's options for a site's origins, worked out once per list (they cost an answer 0.01 ms each time)."""
    return get_cors_options(None, {"origins": list(origins), "always_send": False,
                                   "max_age": 600, "methods": ["GET", "POST", "OPTIONS"],
                                   "allow_headers": ["Content-Type"],
                                   # the widget backs off by Retry-After; X-Request-Id ties its call to the logs
                                   "expose_headers": ["Retry-After", "X-Request-Id"]})


def _vary_on_origin(response: Response) -> None:
    """Add Origin to Vary: the answer depends on it (a 403 or CORS headers).

    Written on the header list itself: `response.vary` parses it into a set and back, and a header
    lookup that misses raises and catches a KeyError, on every answer.
    """
    vary = response.headers.getlist("Vary")
    if not vary:
        response.headers.add("Vary", "Origin")
    elif "origin" not in (part.strip().lower() for value in vary for part in value.split(",")):
        response.headers["Vary"] = ", ".join([*vary, "Origin"])
