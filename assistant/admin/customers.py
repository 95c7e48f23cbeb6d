"""Customers: the nightly figures of the chosen site (segments, RFM grid, value and risk), search, one customer.

Marketers and admins see it; e-mail addresses only to the roles in ASSISTANT_SHOW_EMAILS_TO (admins by
default), who alone may also search by e-mail. Every table has a CSV twin (`?format=csv&table=NAME`).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from flask import abort, current_app, g, redirect, render_template, request, url_for
from sqlmodel import Session
from werkzeug.wrappers import Response as BaseResponse

from assistant.admin import bp
from assistant.admin.auth import login_required
from assistant.admin.context import admin_site
from assistant.admin.csv_export import csv_response
from assistant.admin.customer_record import activity_since, find_person, quiz_answers, timeline, visits_and_carts_left
from assistant.catalog.money import format_price, to_minor
from assistant.db import get_session
from assistant.insight import overview
from assistant.insight.drivers import ChurnModel, Explanation, customer_churn
from assistant.insight.models import InsightState
from assistant.numbers import MAX_COUNT, whole_or_none
from assistant.sites.models import Site
from assistant.storable import text_problem
from assistant.surveys.registry import get_registry
from assistant.surveys.results import person_answers

PAGE_SIZE = 25
TIMELINE_SIZE = 50
SUMMARY_CACHE = 32
TIMELINE_CSV_MAX = 50_000
MAX_SEARCH = 200
SEGMENT_NAME_MAX = 40
DRIVERS_SHOWN = 6
UNORDERED_SHOWN = 25
"""Identified customers without orders a search lists (they have no figures to sort or page by)."""
OLD_PRIVACY_KEY = "privacy"
"""/admin/customers/privacy was the privacy page: its old links (`?customer=`) go to /admin/privacy, unless the
shop has a customer of that id and the link is not a privacy link."""


@bp.get("/customers")
@login_required("marketer")
def customers() -> str | BaseResponse:
    """Segment sizes and revenue, the RFM grid, value and risk histograms, the valuable at risk, and a search."""
    site = admin_site()
    session = get_session()
    state = overview.insight_state(session=session, site=site) if site else None
    if site is None or state is None:
        return render_template("admin/customers.html", site=site, state=None)
    fitted = overview.uses_fitted_value(session=session, site=site, state=state)
    search, segment, sort = _search(), _segment(), request.args.get("sort", "value")
    sort = sort if sort in overview.SORTS else "value"
    emails = shows_emails()

    listing = overview.customer_listing(site=site, fitted=fitted, segment=segment, search=search, by_email=emails,
                                        sort=sort)
    at_risk = overview.at_risk_listing(site=site, fitted=fitted)
    if request.args.get("format") == "csv":
        return _overview_csv(site, state, fitted, {"customers": listing, "at_risk": at_risk}, emails)
    listed = overview.page_of(session=session, listing=listing, number=_page("page"), size=PAGE_SIZE)
    risky = overview.page_of(session=session, listing=at_risk, number=_page("risk_page"), size=PAGE_SIZE)
    tables = _summaries(site, state, fitted)
    unordered = overview.customers_without_orders(session=session, site=site, search=search, by_email=emails,
                                                  limit=UNORDERED_SHOWN + 1) if search and not segment else []
    addresses = overview.emails_of(session=session, site=site,
                                   customer_ids=[r["customer_id"] for r in risky.rows + listed.rows]) if emails else {}
    return render_template("admin/customers.html", site=site, state=state, tables=tables, listed=listed, risky=risky,
                           search=search, segment=segment, sort=sort, sorts=overview.SORTS, emails=addresses,
                           shows_emails=emails, grid_by=_grid_by(), money=_money(site), fitted=fitted,
                           at_risk_min=overview.AT_RISK_MIN, unordered=unordered[:UNORDERED_SHOWN],
                           more_unordered=len(unordered) > UNORDERED_SHOWN)


@bp.get("/customers/<path:key>")
@login_required("marketer")
def customer(key: str) -> str | BaseResponse:
    """One customer: figures with their parts, churn drivers, quiz answers and a paged timeline of what they did."""
    site = admin_site()
    if site is None or len(key) > 140 or text_problem(key):
        abort(404)
    session = get_session()
    person = find_person(session=session, site=site, key=key)
    if key == OLD_PRIVACY_KEY and (person is None or "customer" in request.args):
        return redirect(url_for("admin.customer_privacy", customer=request.args.get("customer")))
    if person is None:
        abort(404)
    state = overview.insight_state(session=session, site=site)
    events = timeline(session=session, site=site, person=person, number=_page("page"), size=TIMELINE_SIZE)
    quizzes = quiz_answers(session=session, site=site, person=person)
    since = person.figure.last_order_at if person.figure else None
    activity = activity_since(session=session, site=site, person=person, since=since)
    visits = visits_and_carts_left(session=session, site=site, person=person)
    if request.args.get("format") == "csv":
        whole = timeline(session=session, site=site, person=person, number=1, size=TIMELINE_CSV_MAX)
        return _customer_csv(site, key, whole.rows, quizzes)
    email = person.traits.get("email") if shows_emails() else None
    fitted = person.figure is not None and person.figure.clv is not None
    churn_model = ChurnModel.from_state(state.model) if state is not None else None
    survey_answers = person_answers(session=session, site_id=site.pk, visitor_ids=person.visitor_ids,
                                    customer_id=person.customer_id)
    return render_template("admin/customer.html", site=site, state=state, person=person, figure=person.figure,
                           events=events, quizzes=quizzes, activity=activity, email=email, money=_money(site),
                           fitted=fitted, churn_model=churn_model, churn=_churn(session, site, person, churn_model),
                           drivers_shown=DRIVERS_SHOWN, visits=visits, survey_answers=survey_answers,
                           survey_titles={s.id: s.title for s in get_registry().surveys()})


def _churn(session: Session, site: Site, person: Any, model: ChurnModel | None) -> Explanation | None:
    """The customer's churn risk split into its drivers, when the last run scored them with a stored model."""
    if model is None or person.figure is None or person.figure.churn_risk is None:
        return None
    return customer_churn(session=session, site=site, key=person.key, visitor_ids=person.visitor_ids, model=model)


def shows_emails() -> bool:
    """Whether the logged-in user's role is shown customers' e-mail addresses (ASSISTANT_SHOW_EMAILS_TO)."""
    settings = current_app.extensions["assistant"]["settings"]
    return g.user is not None and g.user.active and g.user.role in settings.show_emails_to


def _search() -> str:
    text = request.args.get("q", "")
    if len(text) > MAX_SEARCH or text_problem(text) or any(ord(c) < 32 for c in text):
        abort(400, f"A search is a customer id or e-mail of at most {MAX_SEARCH} printable characters.")
    return text.strip()


def _segment() -> str | None:
    name = request.args.get("segment", "").strip()
    if len(name) > SEGMENT_NAME_MAX or text_problem(name):
        abort(400, "No such segment.")
    return name or None


def _page(name: str) -> int:
    given = request.args.get(name)
    number = whole_or_none(given, low=1, high=MAX_COUNT)
    if given is not None and number is None:
        abort(400, f"{name} must be a whole number from 1 to {MAX_COUNT}.")
    return number or 1


def _grid_by() -> str:
    return "revenue" if request.args.get("grid") == "revenue" else "customers"


def _money(site: Site) -> Any:
    """Formats an amount in major units (a lifetime value) or minor units (revenue) in the site's currency."""
    def money(value: float | int | None, minor: bool = False) -> str:
        if value is None:
            return "–"
        return format_price(int(value) if minor else to_minor(round(float(value), 2), site.currency), site.currency)
    return money


def _summaries(site: Site, state: InsightState, fitted: bool) -> dict[str, list[dict[str, Any]]]:
    """The segment table, RFM grid and histograms, computed once per nightly run and process.

    They change only when a run writes new figures (insight_state.version moves), and on 100,000 customers
    the four GROUP BYs take about half a second together: kept in memory, the page does not pay it again.
    """
    cache: dict[tuple[int, int, bool], dict[str, list[dict[str, Any]]]] = \
        current_app.extensions["assistant"].setdefault("customer_summaries", {})
    key = (site.pk, state.version, fitted)
    if key not in cache:
        session = get_session()
        if len(cache) >= SUMMARY_CACHE:
            cache.pop(next(iter(cache)))
        cache[key] = {"segments": overview.segment_table(session=session, site=site, fitted=fitted),
                      "rfm": overview.rfm_grid(session=session, site=site),
                      "value": overview.value_histogram(session=session, site=site, fitted=fitted),
                      "risk": overview.risk_histogram(session=session, site=site)}
    return cache[key]


def _overview_csv(site: Site, state: InsightState, fitted: bool, lists: dict[str, overview.Listing],
                  emails: bool) -> BaseResponse:
    """One of the page's tables as CSV; the long lists whole (not only the page shown), streamed from one query."""
    name = request.args.get("table", "")
    columns = OVERVIEW_COLUMNS.get(name)
    if columns is None:
        abort(404)
    if name not in lists:
        return csv_response(f"{site.key}-customers-{name}.csv", columns, _summaries(site, state, fitted)[name])
    session = get_session()
    rows = _closing(overview.every_row(session=session, listing=lists[name], emails=emails, site=site), session)
    return csv_response(f"{site.key}-customers-{name}.csv", (*columns, "email") if emails else columns, rows)


def _closing(rows: Iterator[dict[str, Any]], session: Session) -> Iterator[dict[str, Any]]:
    """`rows`, then the session closed: the download reads after the request's teardown already closed it once,
    so the connection it took again would otherwise stay checked out."""
    try:
        yield from rows
    finally:
        session.close()


def _customer_csv(site: Site, key: str, events: list[dict[str, Any]], quizzes: list[dict[str, Any]]) -> BaseResponse:
    name = request.args.get("table", "")
    if name == "timeline":
        return csv_response(f"{site.key}-customer-timeline.csv", TIMELINE_COLUMNS, events)
    if name == "quiz":
        rows = [{"flow": q["flow"], "at": q["at"], "question": question, "answer": answer}
                for q in quizzes for question, answer in q["answers"]]
        return csv_response(f"{site.key}-customer-quiz.csv", ("flow", "at", "question", "answer"), rows)
    abort(404)


FIGURE_COLUMNS = ("key", "customer_id", "segment", "orders", "revenue_minor", "last_order_at", "r", "f", "m",
                  "value", "simple_clv", "clv", "p_alive", "churn_risk")
OVERVIEW_COLUMNS: dict[str, tuple[str, ...]] = {
    "segments": ("segment", "customers", "customer_share", "revenue_minor", "revenue_share", "mean_value",
                 "mean_risk"),
    "rfm": ("recency", "frequency", "customers", "revenue_minor"),
    "value": ("low", "high", "customers"),
    "risk": ("low", "high", "customers"),
    "at_risk": FIGURE_COLUMNS,
    "customers": FIGURE_COLUMNS,
}
TIMELINE_COLUMNS = ("at", "kind", "sku", "ref", "value_minor", "currency", "page")
