"""The admin pages (Jinja2), behind a login: dashboard, flows, and later campaigns."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin")

from assistant.admin import auth, dashboard, flows  # noqa: E402,F401  (views register on bp)
