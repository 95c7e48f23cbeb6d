"""Site settings: the share of visitors held out in the global control group (docs/control-group.md) and the
language shown to a page whose own language has no catalogue (docs/i18n.md)."""

from __future__ import annotations

from decimal import Decimal

from flask import flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response as BaseResponse

from assistant.admin import bp
from assistant.admin.auth import login_required
from assistant.admin.campaigns import site_or_404
from assistant.db import get_session
from assistant.errors import Invalid
from assistant.numbers import NotANumber, decimal_number
from assistant.sites.control import MAX_SHARE, set_control_share
from assistant.sites.locale import set_default_locale
from assistant.sites.models import Site


@bp.route("/settings/site", methods=["GET", "POST"])
@login_required("admin")
def site_settings() -> str | BaseResponse:
    """Show the site's control share as a percentage and its default locale; save both on POST when both are valid
    (a share from 0 to 50, a locale CLDR knows or none)."""
    site = site_or_404()
    errors: dict[str, str] = {}
    if request.method == "POST":
        typed = {name: request.form.get(name, "").strip() for name in ("control_percent", "default_locale")}
        errors = _saved(site, typed)
        if not errors:
            flash(f"Control group saved: {typed['control_percent']} % of new visitors see nothing of the assistant. "
                  f"Default language: {site.default_locale or 'English'}.", "ok")
            return redirect(url_for("admin.site_settings"))
    else:
        typed = {"control_percent": f"{site.control_share * 100:g}", "default_locale": site.default_locale or ""}
    return render_template("admin/site_settings.html", site=site, typed=typed, errors=errors,
                           max_percent=f"{MAX_SHARE * 100:g}")


def _saved(site: Site, typed: dict[str, str]) -> dict[str, str]:
    """Check every field and store the site when all pass; the message per field that did not."""
    errors: dict[str, str] = {}
    try:
        set_control_share(site=site, share=percent(typed["control_percent"]) / 100)
    except Invalid as exc:
        errors["control_percent"] = exc.message
    try:
        set_default_locale(site=site, tag=typed["default_locale"])
    except Invalid as exc:
        errors["default_locale"] = f"The language {exc.message}."
    session = get_session()
    if errors:
        session.rollback()  # neither field is kept half-saved
        return errors
    session.add(site)
    session.commit()
    return errors


def percent(typed: str) -> float:
    """A typed percentage (5, 2.5, 0) from 0 to the largest share, or Invalid saying which numbers it takes."""
    try:
        return float(decimal_number(typed, high=Decimal(f"{MAX_SHARE * 100:g}")))
    except NotANumber as exc:
        raise Invalid(f"The percentage {exc}.", field="control_share") from None
