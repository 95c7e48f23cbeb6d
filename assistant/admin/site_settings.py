"""Site settings: the share of visitors held out in the global control group (docs/control-group.md)."""

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


@bp.route("/settings/site", methods=["GET", "POST"])
@login_required("admin")
def site_settings() -> str | BaseResponse:
    """Show the site's control share as a percentage; save it on POST when it is one from 0 to 50."""
    site = site_or_404()
    error = None
    if request.method == "POST":
        typed = request.form.get("control_percent", "").strip()
        try:
            set_control_share(site=site, share=percent(typed) / 100)
        except Invalid as exc:
            error = exc.message
        else:
            session = get_session()
            session.add(site)
            session.commit()
            flash(f"Control group saved: {typed} % of new visitors see nothing of the assistant.", "ok")
            return redirect(url_for("admin.site_settings"))
    else:
        typed = f"{site.control_share * 100:g}"
    return render_template("admin/site_settings.html", site=site, typed=typed, error=error,
                           max_percent=f"{MAX_SHARE * 100:g}")


def percent(typed: str) -> float:
    """A typed percentage (5, 2.5, 0) from 0 to the largest share, or Invalid saying which numbers it takes."""
    try:
        return float(decimal_number(typed, high=Decimal(f"{MAX_SHARE * 100:g}")))
    except NotANumber as exc:
        raise Invalid(f"The percentage {exc}.", field="control_share") from None
