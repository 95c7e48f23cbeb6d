"""Basket reminder settings: on or off, when a cart counts as left, the steps and their e-mail texts, the holdout,
delivery (SMTP or a signed webhook) and retries. Saved only when every field is valid; each problem is shown
beside its field, and the texts of each step are checked as templates (compose.check_templates) first."""

from __future__ import annotations

import re
import secrets
import urllib.parse
from typing import Any

from flask import current_app, flash, redirect, render_template, request, url_for
from pydantic import ValidationError
from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Response as BaseResponse

from assistant.admin import bp
from assistant.admin.auth import login_required
from assistant.admin.context import admin_site
from assistant.baskets.compose import check_templates, shipped_template
from assistant.baskets.models import BasketSettingsRow
from assistant.baskets.public_address import literal_problem
from assistant.baskets.settings import BasketSettings, Step, get_settings, save_settings
from assistant.db import get_session
from assistant.promotions.problems import FieldProblem, InvalidFields

MAX_STEPS = 5
TEXTS = ("idle_minutes", "holdout_share", "recovery_days", "channel", "from_address", "webhook_url", "cart_url",
         "consent_trait", "max_attempts", "retry_seconds")
STEP_FIELDS = ("after_minutes", "subject", "html", "text", "coupon", "recommendations")


@bp.route("/baskets/settings", methods=["GET", "POST"])
@login_required("marketer")
def basket_settings() -> str | BaseResponse | tuple[str, int]:
    """Show the site's reminder settings; save them on POST when every field and template is valid."""
    site = admin_site()
    if site is None:
        return redirect(url_for("admin.baskets"))
    session = get_session()
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        values = posted_values(request.form)
        data = settings_data(values)
        problems = [*template_problems(data), *webhook_problems(data)]
        try:
            save_settings(session=session, site=site, data=data)
        except InvalidFields as exc:
            problems = [*exc.problems, *problems]
        if problems:
            session.rollback()
            for problem in problems:
                errors.setdefault(field_of(problem.field), []).append(problem.message)
        else:
            _webhook_secret(session, site.pk, data)
            session.commit()
            flash("Basket settings saved.", "ok")
            return redirect(url_for("admin.basket_settings"))
    else:
        values = values_of(get_settings(session=session, site=site))
    row = session.get(BasketSettingsRow, site.id)
    page = render_template("admin/baskets_settings.html", site=site, values=values, errors=errors,
                           max_steps=MAX_STEPS, webhook_secret=row.webhook_secret if row else None,
                           open_steps={int(k.split("-")[1]) for k in errors if k.startswith("steps-")},
                           shipped={kind: shipped_template(kind) for kind in ("subject", "html", "text")})
    return (page, 422) if errors else page


def values_of(settings: BasketSettings) -> dict[str, Any]:
    """The form's values for stored settings (and empty rows for steps not used yet)."""
    values: dict[str, Any] = {name: str(getattr(settings, name)) for name in TEXTS}
    values["enabled"] = settings.enabled
    values["steps"] = [{name: str(getattr(step, name)) for name in STEP_FIELDS} for step in settings.steps]
    values["steps"] += [dict.fromkeys(STEP_FIELDS, "") for _ in range(MAX_STEPS - len(settings.steps))]
    return values


def posted_values(form: MultiDict[str, str]) -> dict[str, Any]:
    """The form's values as typed (texts of a step kept whole, other fields trimmed)."""
    values: dict[str, Any] = {name: form.get(name, "").strip() for name in TEXTS}
    values["enabled"] = form.get("enabled") == "on"
    values["steps"] = [{name: form.get(f"steps-{i}-{name}", "") if name in ("html", "text")
                        else form.get(f"steps-{i}-{name}", "").strip() for name in STEP_FIELDS}
                       for i in range(MAX_STEPS)]
    return values


def settings_data(values: dict[str, Any]) -> dict[str, Any]:
    """The settings data of the form: a step row counts when its minutes are filled in; empty texts are left out
    (the settings' defaults apply)."""
    data: dict[str, Any] = {name: values[name] for name in TEXTS if values[name] != ""}
    data["enabled"] = values["enabled"]
    data["steps"] = [{name: step[name] for name in STEP_FIELDS if step[name] != ""}
                     for step in values["steps"] if step["after_minutes"] != ""]
    return data


def field_of(path: str) -> str:
    """The form field of a problem: settings.steps[1].subject -> steps-1-subject; the whole list -> steps."""
    name = path.removeprefix("settings.")
    found = re.fullmatch(r"steps\[(\d+)\]\.(\w+)", name)
    if found and found.group(2) in STEP_FIELDS:
        return f"steps-{found.group(1)}-{found.group(2)}"
    name = re.sub(r"\[\d+\].*$", "", name)
    return name if name in TEXTS or name in ("enabled", "steps") else "form"


def template_problems(data: dict[str, Any]) -> list[FieldProblem]:
    """Every step's subject, HTML and text compiled and tried on sample carts as the reminder's sandboxed templates
    (compose.check_templates): what is wrong, by field. A step whose other fields are invalid is checked too."""
    problems: list[FieldProblem] = []
    for number, step in enumerate(data.get("steps", [])):
        texts = {name: step.get(name, "") for name in ("subject", "html", "text")}
        try:
            shape = Step(after_minutes=1, **texts)
        except ValidationError:
            continue  # too long: save_settings names the field
        for problem in check_templates(shape):
            where = f"line {problem.line}: " if problem.line else ""
            problems.append(FieldProblem(f"settings.steps[{number}].{problem.field}", where + problem.message))
    return problems


def webhook_problems(data: dict[str, Any]) -> list[FieldProblem]:
    """A webhook URL naming loopback or a private address, where the deployment refuses those (production): said
    when saved; a name is resolved and checked again at every send (baskets/public_address)."""
    if current_app.extensions["assistant"]["settings"].webhook_private_addresses:
        return []
    try:
        host = urllib.parse.urlsplit(str(data.get("webhook_url") or "")).hostname or ""
    except ValueError:
        return []  # save_settings names a malformed URL
    problem = literal_problem(host) if host else None
    return [FieldProblem("settings.webhook_url", problem + ": the webhook must be a public address")] if problem else []


def _webhook_secret(session: Any, site_id: int, data: dict[str, Any]) -> None:
    """The webhook's signing key, made when a webhook URL is first set (shown on this page)."""
    row = session.get(BasketSettingsRow, site_id)
    if row is not None and data.get("webhook_url") and not row.webhook_secret:
        row.webhook_secret = secrets.token_urlsafe(32)
        session.add(row)
