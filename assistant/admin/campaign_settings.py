"""Promotion settings: free-shipping threshold, price style, slots per placement and the attention budget."""

from __future__ import annotations

import re
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Response as BaseResponse

from assistant.admin import bp
from assistant.admin.auth import login_required
from assistant.admin.campaigns import PLACEMENT_NAMES, site_or_404
from assistant.db import get_session
from assistant.promotions.models import PLACEMENTS
from assistant.promotions.problems import InvalidFields
from assistant.promotions.settings import PromoSettings, get_settings, save_settings

LISTS = ("attention.popup_placements", "attention.quiet_after_dismiss")
TEXTS = ("free_shipping_threshold", "price_style", "max_items", "attention.max_popups_per_session",
         "attention.hide_dismissed_hours", "attention.interruption_events", *(f"slots.{p}" for p in PLACEMENTS))


@bp.route("/settings/promotions", methods=["GET", "POST"])
@login_required("marketer")
def campaign_settings() -> str | BaseResponse:
    """Show the site's promotion settings; save them on POST when every field is valid."""
    site = site_or_404()
    session = get_session()
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        values = posted_values(request.form)
        kept = {"surveys": get_settings(session=session, site=site).surveys.model_dump(mode="json")}  # not on this form
        try:
            save_settings(session=session, site=site, data={**settings_data(values), **kept})
        except InvalidFields as exc:
            session.rollback()
            for problem in exc.problems:
                errors.setdefault(_field(problem.field), []).append(problem.message)
        else:
            session.commit()
            flash("Promotion settings saved.", "ok")
            return redirect(url_for("admin.campaign_settings"))
    else:
        values = values_of(get_settings(session=session, site=site))
    return render_template("admin/campaign_settings.html", site=site, values=values, errors=errors,
                           placements=[(p, PLACEMENT_NAMES.get(p, p)) for p in PLACEMENTS])


def values_of(settings: PromoSettings) -> dict[str, Any]:
    """The form's values for stored settings."""
    threshold = settings.free_shipping_threshold
    attention = settings.attention
    return {"free_shipping_threshold": "" if threshold is None else str(threshold),
            "price_style": settings.price_style, "max_items": str(settings.max_items),
            **{f"slots.{p}": str(settings.slots_for(p)) for p in PLACEMENTS},
            "attention.max_popups_per_session": str(attention.max_popups_per_session),
            "attention.hide_dismissed_hours": f"{attention.hide_dismissed_hours:g}",
            "attention.interruption_events": ", ".join(attention.interruption_events),
            "attention.popup_placements": list(attention.popup_placements),
            "attention.quiet_after_dismiss": list(attention.quiet_after_dismiss)}


def posted_values(form: MultiDict[str, str]) -> dict[str, Any]:
    """The form's values as typed."""
    return {**{name: form.get(name, "").strip() for name in TEXTS}, **{name: form.getlist(name) for name in LISTS}}


def settings_data(values: dict[str, Any]) -> dict[str, Any]:
    """The settings data of the form (texts are left for the settings shape to read and check)."""
    attention: dict[str, Any] = {name.partition(".")[2]: values[name] for name in LISTS}
    for name in ("max_popups_per_session", "hide_dismissed_hours"):
        if values[f"attention.{name}"]:
            attention[name] = values[f"attention.{name}"]
    attention["interruption_events"] = [e for e in re.split(r"[\s,]+", values["attention.interruption_events"]) if e]
    data: dict[str, Any] = {"free_shipping_threshold": values["free_shipping_threshold"] or None,
                            "price_style": values["price_style"] or "prefix", "attention": attention,
                            "slots": {p: values[f"slots.{p}"] for p in PLACEMENTS if values[f"slots.{p}"]}}
    if values["max_items"]:
        data["max_items"] = values["max_items"]
    return data


def _field(path: str) -> str:
    """The form field of a settings problem: settings.slots.cart -> slots.cart (lists: the whole list)."""
    name = path.removeprefix("settings.")
    name = re.sub(r"\[\d+\]$", "", name)
    return name if name in TEXTS or name in LISTS else "form"
