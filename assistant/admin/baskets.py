"""Abandoned baskets: counts by status, recovery with reminders against the holdout, revenue by week, the baskets
page by page, one basket with its messages and a preview of any step's e-mail, and the dead letters to try again.

Marketers and admins see them. The figures are baskets.report's GROUP BYs over the chosen date range; every table
has a CSV twin (`?format=csv&table=NAME`). E-mail addresses are shown only to the roles of ASSISTANT_SHOW_EMAILS_TO.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from flask import Response, abort, current_app, flash, redirect, render_template, request, url_for
from sqlmodel import Session, col, select
from werkzeug.wrappers import Response as BaseResponse

from assistant.admin import admin_csp, bp, dates
from assistant.admin.auth import login_required
from assistant.admin.context import admin_site
from assistant.admin.csv_export import csv_response
from assistant.admin.customers import shows_emails
from assistant.baskets import report
from assistant.baskets.compose import Composed, compose_step
from assistant.baskets.models import Basket, BasketMessage
from assistant.baskets.outbox import retry_dead
from assistant.baskets.settings import BasketSettings, get_settings
from assistant.catalog.models import Product
from assistant.catalog.money import exponent, format_price, to_minor
from assistant.db import get_session
from assistant.numbers import MAX_COUNT, whole_or_none
from assistant.sites.models import Site
from assistant.timeutil import utcnow

DEFAULT_DAYS = 90
PAGE_SIZE = 25
PREVIEW_CSP = admin_csp(img_src="* data:", style_src="'self' 'unsafe-inline'", frame_src="'self'")
"""The basket page's policy: the preview's e-mail (a sandboxed srcdoc frame, which inherits the page's policy) loads
the shop's product images and keeps its inline styles, as a mail client shows it; scripts stay 'self' only."""
PREVIEW_KEY_SUFFIX = ":admin-preview"
"""A preview's links are signed with a key no real link uses: clicking one in the admin never counts as the
shopper's click, restores nothing and unsubscribes nobody."""
TABLES: dict[str, tuple[str, ...]] = {
    "status": ("status", "baskets"),
    "recovery": ("group", "baskets", "recovered", "rate", "rate_low", "rate_high", "recovered_after_click",
                 "revenue_minor"),
    "weeks": ("week", "reminded", "holdout", "reminded_revenue_minor", "holdout_revenue_minor"),
    "baskets": report.EXPORT_COLUMNS,
}


@bp.get("/baskets")
@login_required("marketer")
def baskets() -> str | BaseResponse:
    """The chosen site's baskets in a date range: counts, recovery and lift, revenue by week, the list."""
    site = admin_site()
    window, chosen = _window()
    if site is None:
        return render_template("admin/baskets.html", site=None, chosen=chosen)
    session = get_session()
    status = _status()
    if request.args.get("format") == "csv":
        return _csv(session, site, window, chosen, status)
    counts = report.status_counts(session=session, site_id=site.pk, window=window)
    recovery = report.recovery(session=session, site_id=site.pk, window=window)
    weeks = report.revenue_by_week(session=session, site_id=site.pk, window=window)
    page = report.basket_page(session=session, site_id=site.pk, window=window, status=status, number=_page(),
                              size=PAGE_SIZE)
    return render_template("admin/baskets.html", site=site, chosen=chosen, counts=counts, recovery=recovery,
                           weeks=weeks, page=page, status=status, statuses=report.STATUSES,
                           settings=get_settings(session=session, site=site), money=money_of(site),
                           dead=report.dead_letters(session=session, site_id=site.pk),
                           dead_total=report.dead_count(session=session, site_id=site.pk),
                           emails=shows_emails(), chart=_chart(site, weeks))


@bp.get("/baskets/<int:basket_id>")
@login_required("marketer")
def basket(basket_id: int) -> BaseResponse:
    """One basket: its items, its messages and the e-mail of any step, as the shopper would get it."""
    site, session = _site_or_404(), get_session()
    found = session.get(Basket, basket_id)
    if found is None or found.site_id != site.id:
        abort(404)
    settings = get_settings(session=session, site=site)
    steps = len(settings.steps)
    step = _step(steps, default=min(found.step + 1, steps))
    preview, problem = _preview(session, site, found, step, settings)
    page = render_template("admin/basket.html", site=site, basket=found, items=_items(session, site, found),
                           messages=report.messages_of(session=session, basket_id=int(found.id or 0)), steps=steps,
                           step=step, preview=preview, problem=problem, money=money_of(site),
                           emails=shows_emails(), status=_status_of(session, found))
    response = Response(page)
    response.headers["Content-Security-Policy"] = PREVIEW_CSP
    return response


@bp.post("/baskets/messages/<int:message_id>/retry")
@login_required("marketer")
def basket_retry(message_id: int) -> BaseResponse:
    """Try a dead message again (the outbox delivers it on the job's next run)."""
    site, session = _site_or_404(), get_session()
    message = session.get(BasketMessage, message_id)
    if message is None or message.site_id != site.id:
        abort(404)
    if message.status != "dead":
        flash(f"Message {message_id} is {message.status}, not dead: nothing to try again.", "warn")
    else:
        retry_dead(session=session, message_id=message_id, now=utcnow())
        session.commit()
        flash(f"Message {message_id} goes out again on the job's next run.", "ok")
    target = request.form.get("back", "")
    return redirect(target if target.startswith("/admin/baskets") else url_for("admin.baskets"), code=303)


def _preview(session: Session, site: Site, basket: Basket, step: int, settings: BasketSettings
             ) -> tuple[Composed | None, str | None]:
    """The step's e-mail rendered by compose (links signed with the preview key), or why it cannot be."""
    app = current_app.extensions["assistant"]
    config = app["settings"]
    try:
        return compose_step(session=session, site=site, basket=basket, step=step, settings=settings,
                            base_url=config.public_url, secret_key=config.secret_key + PREVIEW_KEY_SUFFIX,
                            now=utcnow(), models=app["models"]), None
    except Exception as exc:  # noqa: BLE001  (a broken template is shown as its message, never a 500)
        session.rollback()
        return None, str(exc) or type(exc).__name__


def _items(session: Session, site: Site, basket: Basket) -> list[dict[str, Any]]:
    """The basket's lines with their product's title (when the catalog still has it)."""
    skus = [str(i.get("sku")) for i in basket.items if isinstance(i, dict)]
    products = {p.sku: p for p in session.exec(select(Product).where(Product.site_id == site.id,
                                                                      col(Product.sku).in_(skus)))}
    lines = []
    for item in basket.items:
        if not isinstance(item, dict):
            continue
        product = products.get(str(item.get("sku")))
        price = item.get("price")
        each = to_minor(price, basket.currency) if isinstance(price, int | float) else None
        quantity = int(item.get("quantity") or 0)
        lines.append({"sku": item.get("sku"), "title": product.title if product else None, "quantity": quantity,
                      "price_minor": each, "total_minor": None if each is None else each * quantity})
    return lines


def _status_of(session: Session, basket: Basket) -> str:
    """The basket's status, by the same SQL CASE as the list."""
    return report.status_of_basket(session=session, basket=basket)


def money_of(site: Site) -> Any:
    """Formats minor units in the site's currency (None: a dash)."""
    def money(minor: int | None, currency: str | None = None) -> str:
        return "–" if minor is None else format_price(int(minor), currency or site.currency)
    return money


def _chart(site: Site, weeks: list[dict[str, Any]]) -> dict[str, Any]:
    """Chart.js input of the revenue by week: major units, reminded and holdout."""
    def major(rows: list[dict[str, Any]], name: str) -> list[float]:
        return [round(r[name] / 10 ** exponent(site.currency), 2) for r in rows]
    return {"labels": [w["week"] for w in weeks], "currency": site.currency,
            "series": [{"label": "Reminded", "values": major(weeks, "reminded_revenue_minor")},
                       {"label": "Holdout (no reminder)", "values": major(weeks, "holdout_revenue_minor")}]}


def _csv(session: Session, site: Site, window: report.Window, chosen: dict[str, str], status: str | None
         ) -> BaseResponse:
    name = request.args.get("table", "")
    if name not in TABLES:
        abort(404)
    filename = f"{site.key}-baskets-{name}-{chosen['from'] or 'start'}-{chosen['to'] or 'now'}.csv"
    if name == "baskets":
        rows = report.export_rows(session=session, site_id=site.pk, window=window, status=status)
        return csv_response(filename, TABLES[name], _closing(rows, session))
    return csv_response(filename, TABLES[name], _table(session, site, window, name))


def _table(session: Session, site: Site, window: report.Window, name: str) -> list[dict[str, Any]]:
    if name == "status":
        counts = report.status_counts(session=session, site_id=site.pk, window=window)
        return [{"status": s, "baskets": n} for s, n in counts.items()]
    if name == "weeks":
        return report.revenue_by_week(session=session, site_id=site.pk, window=window)
    found = report.recovery(session=session, site_id=site.pk, window=window)
    return [{"group": g.name, "baskets": g.baskets, "recovered": g.recovered.count, "rate": g.recovered.value,
             "rate_low": g.recovered.low, "rate_high": g.recovered.high, "recovered_after_click": g.after_click.count,
             "revenue_minor": g.revenue_minor} for g in (found.reminded, found.holdout)]


def _closing(rows: Iterator[dict[str, Any]], session: Session) -> Iterator[dict[str, Any]]:
    """`rows`, then the session closed (the download is read after the request's teardown, as customers' CSVs)."""
    try:
        yield from rows
    finally:
        session.close()


def _site_or_404() -> Site:
    site = admin_site()
    if site is None:
        abort(404)
    return site


def _window() -> tuple[report.Window, dict[str, str]]:
    """The date range of ?from=YYYY-MM-DD&to=YYYY-MM-DD (both days included; empty: open); default the last 90 days."""
    start, end, chosen = dates.utc_range(DEFAULT_DAYS)
    return report.Window(start, end), chosen


def _status() -> str | None:
    wanted = request.args.get("status", "").strip()
    if wanted and wanted not in report.STATUSES:
        abort(400, f"status must be one of: {', '.join(report.STATUSES)}.")
    return wanted or None


def _page() -> int:
    given = request.args.get("page")
    number = whole_or_none(given, low=1, high=MAX_COUNT)
    if given is not None and number is None:
        abort(400, f"page must be a whole number from 1 to {MAX_COUNT}.")
    return number or 1


def _step(steps: int, *, default: int) -> int:
    given = request.args.get("step")
    number = whole_or_none(given, low=1, high=steps)
    if given is not None and number is None:
        abort(400, f"step must be a whole number from 1 to {steps}.")
    return number or default

