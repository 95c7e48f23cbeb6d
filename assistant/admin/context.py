"""Which site the admin is looking at: ?site=KEY, remembered in the session."""

from __future__ import annotations

from flask import g, request, session
from sqlmodel import col, select

from assistant.admin import bp
from assistant.db import get_session
from assistant.sites.models import Site


def admin_site() -> Site | None:
    """The chosen site (default: the first one), or None when there is no site yet."""
    return g.get("admin_site")


@bp.before_request
def _choose_site() -> None:
    sites = list(get_session().exec(select(Site).order_by(col(Site.id))))
    wanted = request.args.get("site") or session.get("site_key")
    chosen = next((s for s in sites if s.key == wanted), sites[0] if sites else None)
    if chosen is not None:
        session["site_key"] = chosen.key
    g.admin_sites = sites
    g.admin_site = chosen
