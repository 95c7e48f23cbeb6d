"""The admin pages (Jinja2), behind a login: dashboard, flows, and later campaigns."""

from __future__ import annotations

from flask import Blueprint, Response
from flask_wtf.csrf import CSRFProtect

bp = Blueprint("admin", __name__, url_prefix="/admin")
csrf = CSRFProtect()
"""CSRF tokens for the admin's forms, the only pages that act on a login cookie; checked here, not on every request."""
ADMIN_POLICY = {"default-src": "'self'", "script-src": "'self'", "style-src": "'self'", "img-src": "'self'",
                "object-src": "'none'", "base-uri": "'none'", "form-action": "'self'", "frame-ancestors": "'none'"}
"""The admin's policy: scripts, styles and images from this origin only (no inline script or style, no eval; chart
data rides in <script type="application/json">, which is data, not code), no plugins, no <base> to re-point
relative links, forms post only here, and no framing (clickjacking a logged-in marketer). A view that needs
more says so itself, through admin_csp() (catalog.CSP: the shop's image host; baskets.PREVIEW_CSP: an e-mail's
inline styles), and keeps the rest."""


def admin_csp(**overrides: str) -> str:
    """The admin's Content-Security-Policy with some directives changed (img_src="* data:" for img-src)."""
    policy = {**ADMIN_POLICY, **{name.replace("_", "-"): value for name, value in overrides.items()}}
    return "; ".join(f"{name} {value}" for name, value in policy.items())


ADMIN_CSP = admin_csp()


@bp.before_request
def _check_csrf() -> None:
    csrf.protect()  # GET and HEAD pass; a form post without a valid token is a 400


@bp.after_request
def _security_headers(response: Response) -> Response:
    response.headers.setdefault("Content-Security-Policy", ADMIN_CSP)
    response.headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
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
    flow_experiments,
    flows,
    site_settings,
    surveys,
)
