"""Privacy requests in the admin, for admins only: export one person's data, or delete it after a confirmation.

The page is /admin/privacy. It was /admin/customers/privacy, which hid a customer whose id is "privacy" behind
it; the customer page sends old links (`?customer=...`) here (admin.customers.customer), and the old form
actions answer 308 so a page still open in a browser posts to the new ones.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from flask import Response, flash, g, redirect, render_template, request, url_for
from sqlmodel import Session
from werkzeug.wrappers import Response as BaseResponse

from assistant.admin import bp
from assistant.admin.auth import login_required
from assistant.admin.campaigns import site_or_404
from assistant.db import get_session
from assistant.errors import AssistantError, NotFound
from assistant.privacy.delete import delete_customer, held_counts
from assistant.privacy.export import export_json
from assistant.storable import text_problem

Page = tuple[str, int]


@bp.get("/privacy")
@login_required("admin")
def customer_privacy() -> Page:
    """The form: a customer id (or v:<visitor id>, or the widget's anonymous id), then Export or Delete.

    `?customer=<key>` (the link on a customer's page) fills the id in.
    """
    return _page(customer=request.args.get("customer", "").strip())


@bp.post("/customers/privacy/export")
@login_required("admin")
def customer_privacy_export_moved() -> BaseResponse:
    """The old form action: 308 keeps the method and the form, so the post lands on the new page."""
    return redirect(url_for("admin.customer_privacy_export"), code=308)


@bp.post("/customers/privacy/delete")
@login_required("admin")
def customer_privacy_delete_moved() -> BaseResponse:
    """The old form action: 308 keeps the method and the form, so the post lands on the new page."""
    return redirect(url_for("admin.customer_privacy_delete"), code=308)


@bp.post("/privacy/export")
@login_required("admin")
def customer_privacy_export() -> Response | Page:
    """Download everything held about the person as JSON (streamed: a long history is not held in memory)."""
    site, customer, session = site_or_404(), request.form.get("customer", ""), get_session()
    try:
        pieces = export_json(session=session, site=site, customer_id=customer, by=_who())
    except AssistantError as exc:
        return _page(customer=customer, error=exc)
    name = re.sub(r"[^A-Za-z0-9_.-]+", "_", customer.strip())[:64].strip("._") or "customer"
    return Response(_closing(pieces, session), mimetype="application/json",
                    headers={"Content-Disposition": f'attachment; filename="{site.key}-{name}.json"'})


@bp.post("/privacy/delete")
@login_required("admin")
def customer_privacy_delete() -> BaseResponse | Page:
    """First post: show what would be deleted and ask; the confirmed post deletes it all in one transaction."""
    site, customer, session = site_or_404(), request.form.get("customer", ""), get_session()
    try:
        if request.form.get("confirm") != "yes":
            return _page(customer=customer, held=held_counts(session=session, site=site, customer_id=customer))
        report = delete_customer(session=session, site=site, customer_id=customer, by=_who())
    except AssistantError as exc:
        session.rollback()
        return _page(customer=customer, error=exc)
    counts = ", ".join(f"{n} {name.replace('_', ' ')}" for name, n in report.counts.items() if n)
    flash(f"Deleted the data of “{customer.strip()}”: {counts}.", "ok")
    return redirect(url_for("admin.customer_privacy"))


def _closing(pieces: Iterator[str], session: Session) -> Iterator[str]:
    """The pieces, then the session closed: they are read after the request's own teardown has closed it once."""
    try:
        yield from pieces
    finally:
        session.close()


def _page(*, customer: str, error: AssistantError | None = None, held: object = None) -> Page:
    shown = customer[:200] if text_problem(customer) is None else ""  # a lone surrogate could not even be sent back
    html = render_template("admin/customer_privacy.html", site=site_or_404(), customer=shown, held=held,
                           error=None if error is None else _sentence(error))
    return html, error.status if error is not None else 200


def _sentence(error: AssistantError) -> str:
    text = error.message if isinstance(error, NotFound) or error.field != "customer" else f"the id {error.message}"
    return f"{text[:1].upper()}{text[1:]}."


def _who() -> str:
    return f"admin {g.user.email} (user {g.user.id})"
