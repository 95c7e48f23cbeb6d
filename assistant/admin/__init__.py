"""The admin pages (Jinja2), behind a login: dashboard, flows, and later campaigns."""

from __future__ import annotations

from flask import Blueprint, Response

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.after_request
def _security_headers(response: Response) -> Response:
    response.headers.setdefault("Content-Security-Policy", "default-src 'self'; frame-ancestors 'none'")
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("Cache-Control", "no-store")
    return response


from assistant.admin import (  # noqa: E402,F401  (views register on bp)
    auth,
    campaign_edit,
    campaign_results,
    campaign_settings,
    campaigns,
    dashboard,
    flows,
)
