"""The admin pages (Jinja2), behind a login: dashboard, flows, and later campaigns."""

from __future__ import annotations

from flask import Blueprint, Response
from flask_wtf.csrf import CSRFProtect

bp = Blueprint("admin", __name__, url_prefix="/admin")
csrf = CSRFProtect()
"""CSRF tokens for the admin's forms, the only pages that act on a login cookie; checked here, not on every request."""


@bp.before_request
def _check_csrf() -> None:
    csrf.protect()  # GET and HEAD pass; a form post without a valid token is a 400


@bp.after_request
def _security_headers(response: Response) -> Response:
    response.headers.setdefault("Content-Security-Policy", "default-src 'self'; frame-ancestors 'none'")
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("Cache-Control", "no-store")
    return response


from assistant.admin import (  # noqa: E402,F401  (views register on bp)
    auth,
    basket_settings,
    baskets,
    campaign_edit,
    campaign_results,
    campaign_settings,
    campaigns,
    catalog,
    customer_privacy,
    customers,
    dashboard,
    earnings,
    flow_drafts,
    flows,
    site_settings,
    surveys,
)
