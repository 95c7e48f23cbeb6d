"""Security headers on every answer, and HSTS in production over https.

Every answer: no MIME sniffing, no framing (nothing here is meant to be shown in another site's frame: the widget
is a script and an API, not an iframe), a referrer that never carries a path across origins, and no use of
camera, microphone, location or payment APIs. A blueprint's own choice wins (the demo shop and the admin set
stricter ones: admin.ADMIN_CSP): these are defaults, set only where missing.

Strict-Transport-Security only in production and only when the request came over https, which behind a reverse
proxy is what ProxyFix read from X-Forwarded-Proto of the trusted hops (ASSISTANT_TRUSTED_PROXIES): an untrusted
client cannot make the app promise https for a year. No includeSubDomains: the shop's other hosts are its own.
Nothing here touches CORS (api/origins.py), so the widget keeps calling the API from the shop's pages.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from flask import Flask, Response, request

from assistant.config import Settings

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse

DEFAULTS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
}
HSTS = "max-age=31536000"
"""One year, the value browsers' preload rules ask for; sent only over https in production."""


def init_app(app: Flask, settings: Settings) -> None:
    """Add the default headers to every answer of `app` (and HSTS in production over https).

    The defaults are added where the answer starts, to its list of header pairs (one set of names per answer):
    Flask's Headers.setdefault scans the headers once per call, which made these four defaults 8 % of a small
    API answer's time in process."""
    inner = app.wsgi_app

    def with_defaults(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        def start(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            names = {name.lower() for name, _ in headers}
            headers.extend(item for item, lowered in _DEFAULT_ITEMS if lowered not in names)
            return start_response(status, headers, exc_info)

        return inner(environ, start)

    app.wsgi_app = with_defaults  # type: ignore[method-assign]
    if settings.env != "production":
        return

    @app.after_request
    def _hsts(response: Response) -> Response:
        if request.is_secure:
            response.headers.setdefault("Strict-Transport-Security", HSTS)
        return response


_DEFAULT_ITEMS = [((name, value), name.lower()) for name, value in DEFAULTS.items()]
