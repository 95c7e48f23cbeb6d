"""Which site the admin is looking at: ?site=KEY, remembered in the session, among the sites the account is given."""

from __future__ import annotations

from flask import abort, g, request, session

from assistant.admin import bp
from assistant.db import get_session
from assistant.sites.models import Site
from assistant.users.service import sites_of


def admin_site() -> Site | None:
    """The chosen site (default: the account's first one), or None when the account has no site."""
    return g.get("admin_site")


@bp.before_request
def _choose_site() -> None:
    """Choose among the account's sites; a site it is not given is a 404, whether or not the site exists.

    Runs after auth's _load_user (registered first). Without a login there is no site: the view sends the
    visitor to the login page, and the ?site= in its `next` is checked once logged in.
    """
    user = g.get("user")
    sites = sites_of(session=get_session(), user=user) if user is not None else []
    g.admin_sites, g.admin_site = sites, None
    if user is None:
        return
    by_key = {s.key: s for s in sites}
    wanted = request.args.get("site")
    if wanted is not None and wanted not in by_key:
        abort(404)
    remembered = session.get("site_key")
    if wanted is None and remembered is not None and remembered not in by_key:
        session.pop("site_key")  # taken away since: show the account's own sites from now on
        if request.method not in ("GET", "HEAD"):
            abort(404)  # a form made for that site must not act on another one
    chosen = by_key.get(wanted or remembered or "", sites[0] if sites else None)
    if chosen is not None:
        session["site_key"] = chosen.key
    g.admin_site = chosen
