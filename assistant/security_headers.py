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

from flask import Flask, Response, request

from assistant.config import Settings

DEFAULTS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
}
HSTS = "max-age=31536000"
"""One year, the value browsers' preload rules ask for; sent only over https in production."""


def init_app(app: Flask, settings: Settings) -> None:
    """Add the default headers to every answer of `app` (and HSTS in production over https)."""
    production = settings.env == "production"

    @app.after_request
    def _headers(response: Response) -> Response:
        for name, value in DEFAULTS.items():
            response.headers.setdefault(name, value)
        if production and request.is_secure:
            response.headers.setdefault("Strict-Transport-Security", HSTS)
        return response
