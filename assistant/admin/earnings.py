"""What the assistant earns: exposed visitors against the control group with intervals and the lift, the quiz funnel,
zero-result paths, strips, promotions, surveys and segments, per site and date range, with a CSV of every table and
a printable monthly report.

Marketers and admins see it. The figures are analytics.earnings' sums over the nightly aggregates (analytics.models),
so the page reads a few hundred rows whatever the shop's traffic.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from flask import abort, current_app, render_template, request
from werkzeug.wrappers import Response as BaseResponse

from assistant.admin import bp, dates
from assistant.admin.auth import login_required
from assistant.admin.context import admin_site
from assistant.admin.csv_export import csv_response
from assistant.analytics.earnings import Asked, Overview, earnings_overview, weekly
from assistant.analytics.lift import Estimate
from assistant.analytics.models import EarningsState
from assistant.catalog.money import exponent, format_price
from assistant.db import get_session
from assistant.flows.registry import get_registry
from assistant.flows.site_flows import site_flows
from assistant.promotions.campaigns import list_campaigns
from assistant.promotions.events import ref_for
from assistant.sites.models import Site
from assistant.timeutil import utcnow

DEFAULT_DAYS = 90
MAX_DAYS = 731
CACHED = 32
TABLES: dict[str, tuple[str, ...]] = {
    "comparison": ("metric", "exposed", "exposed_low", "exposed_high", "control", "control_low", "control_high",
                   "difference", "difference_low", "difference_high", "lift", "lift_low", "lift_high", "p_value",
                   "verdict"),
    "weeks": ("week", "exposed_visitors", "exposed_revenue_minor", "exposed_revenue_per_visitor_minor",
              "control_visitors", "control_revenue_minor", "control_revenue_per_visitor_minor"),
    "days": ("day", "exposed_visitors", "exposed_orders", "exposed_revenue_minor", "control_visitors",
             "control_orders", "control_revenue_minor"),
    "funnel": ("flow", "step", "question", "quizzes", "of_started", "drop_off", "conditional"),
    "paths": ("flow", "path", "finished", "zero_results", "zero_rate", "relaxed", "relaxed_rate"),
    "strips": ("placement", "strategy", "impressions", "clicks", "ctr", "adds", "orders", "revenue_minor",
               "view_through_minor"),
    "promotions": ("campaign", "variant", "impressions", "clicks", "ctr", "dismisses", "orders", "revenue_minor"),
    "surveys": ("kind", "week", "responses", "low", "high", "score"),
    "segments": ("segment", "exposed_visitors", "control_visitors", "exposed_conversion", "control_conversion",
                 "difference", "low", "high", "verdict"),
}


@bp.get("/earnings")
@login_required("marketer")
def earnings() -> str | BaseResponse:
    """The earnings of the chosen site from ?from= to ?to= (default: the last 90 days), or ?month=YYYY-MM."""
    site = admin_site()
    first, last, chosen = _range()
    if site is None:
        return render_template("admin/earnings.html", site=None, chosen=chosen)
    overview = _overview(site, first, last)
    if request.args.get("format") == "csv":
        return _csv(site, overview, chosen)
    return render_template("admin/earnings.html", site=site, chosen=chosen, o=overview, money=money_of(site),
                           charts=_charts(site, overview), comparison=comparison_rows(overview),
                           months=_months(), weeks=weekly(overview.daily), campaigns=_campaign_names(site))


@bp.get("/earnings/report")
@login_required("marketer")
def earnings_report() -> str:
    """A printable report of one month (?month=YYYY-MM, default: the last whole month)."""
    site = admin_site()
    if site is None:
        abort(404)
    first, last = _month(request.args.get("month") or _last_month())
    overview = _overview(site, first, last)
    return render_template("admin/earnings_report.html", site=site, o=overview, money=money_of(site),
                           comparison=comparison_rows(overview), month=first, weeks=weekly(overview.daily),
                           campaigns=_campaign_names(site))


def _campaign_names(site: Site) -> dict[str, str]:
    """The site's campaigns by the `ref` their events carry (the id as text)."""
    return {ref_for(c.pk): c.name for c in list_campaigns(session=get_session(), site=site)}


def _overview(site: Site, first: date, last: date) -> Overview:
    """The figures, kept per process while the nightly job has not written new ones (earnings_state.version) and the
    flows are the same objects: a repeated view (another tab, the CSVs, the report) reads one row, not the sums."""
    session = get_session()
    state = session.get(EarningsState, site.pk)
    flows = site_flows(get_registry(), site.key)
    key = (site.pk, state.version if state else -1, first, last, tuple(id(flow) for flow in flows))
    cache: dict[Any, Overview] = current_app.extensions["assistant"].setdefault("earnings_overviews", {})
    if key not in cache:
        order = {flow.id: [Asked(q.id, q.text, bool(q.when)) for q in flow.questions] for flow in flows}
        if len(cache) >= CACHED:
            cache.pop(next(iter(cache)))
        cache[key] = earnings_overview(session=session, site=site, first=first, last=last, question_order=order)
    return cache[key]


def money_of(site: Site) -> Any:
    """Formats minor units (floats rounded) in the site's currency; None is a dash."""
    def money(minor: float | None, signed: bool = False) -> str:
        if minor is None:
            return "–"
        text = format_price(round(minor), site.currency)
        return "+" + text if signed and minor > 0 else text
    return money


def comparison_rows(o: Overview) -> list[dict[str, Any]]:
    """Revenue per visitor-day, conversion and average order value: both sides, the difference and the lift."""
    rows = []
    for label, lift in (("Revenue per visitor", o.revenue_per_visitor), ("Conversion", o.conversion),
                        ("Average order value", o.order_value)):
        if lift is None:
            continue
        row: dict[str, Any] = {"metric": label, "key": lift.metric, "p_value": lift.p_value, "verdict": lift.verdict,
                               "method": lift.method}
        for name, estimate in (("exposed", lift.exposed), ("control", lift.control), ("difference", lift.difference),
                               ("lift", lift.relative)):
            row.update(_estimate(name, estimate))
        rows.append(row)
    return rows


def _estimate(name: str, e: Estimate) -> dict[str, Any]:
    return {name: e.value, f"{name}_low": e.low, f"{name}_high": e.high}


def _charts(site: Site, o: Overview) -> dict[str, Any]:
    """Chart.js input: revenue per visitor by week, attributed revenue by part, each funnel, the survey trend."""
    scale = 10 ** exponent(site.currency)
    weeks = weekly(o.daily)

    def major(values: list[Any]) -> list[float | None]:
        return [None if v is None else round(v / scale, 2) for v in values]
    charts: dict[str, Any] = {
        "weeks": {"type": "line", "currency": site.currency, "labels": [w["week"].isoformat() for w in weeks],
                  "series": [{"label": "With the assistant",
                              "values": major([w["exposed_revenue_per_visitor_minor"] for w in weeks])},
                             {"label": "Control group",
                              "values": major([w["control_revenue_per_visitor_minor"] for w in weeks])}]},
        "parts": {"type": "bar", "currency": site.currency, "horizontal": True,
                  "labels": ["Recommendation strips", "Quizzes", "Promotions"],
                  "series": [{"label": "Attributed revenue", "values": major(
                      [o.attributed["strips"], o.attributed["quizzes"], o.attributed["promotions"]])}]},
    }
    for number, funnel in enumerate(o.funnels):
        steps = funnel["steps"]
        charts[f"funnel-{number}"] = {"type": "bar", "horizontal": True, "labels": [s["step"] for s in steps],
                                      "series": [{"label": "Quizzes", "values": [s["quizzes"] for s in steps]}]}
    kinds = sorted({r["kind"] for r in o.surveys})
    survey_weeks = sorted({r["week"] for r in o.surveys})
    scores = {(r["kind"], r["week"]): r["score"] for r in o.surveys}
    charts["surveys"] = {"type": "line", "labels": [w.isoformat() for w in survey_weeks],
                         "series": [{"label": kind.upper(), "values": [_score(kind, scores.get((kind, w)))
                                                                       for w in survey_weeks]} for kind in kinds]}
    return charts


def _score(kind: str, score: float | None) -> float | None:
    """NPS as is (-100..100); CSAT and CES shares as percentages, so the three share one axis."""
    if score is None:
        return None
    return round(score if kind == "nps" else score * 100, 1)


def _csv(site: Site, o: Overview, chosen: dict[str, str]) -> BaseResponse:
    name = request.args.get("table", "")
    if name not in TABLES:
        abort(404)
    rows: list[dict[str, Any]] = {
        "comparison": lambda: comparison_rows(o),
        "weeks": lambda: weekly(o.daily),
        "days": lambda: o.daily,
        "funnel": lambda: [{"flow": f["flow"], **step} for f in o.funnels for step in f["steps"]],
        "paths": lambda: o.paths,
        "strips": lambda: o.strips,
        "promotions": lambda: o.promotions,
        "surveys": lambda: o.surveys,
        "segments": lambda: o.segments,
    }[name]()
    rows = [{k: (v.isoformat() if isinstance(v, date) else v) for k, v in row.items()} for row in rows]
    return csv_response(f"{site.key}-earnings-{name}-{chosen['from']}-{chosen['to']}.csv", TABLES[name], rows)


def _range() -> tuple[date, date, dict[str, str]]:
    """?month=YYYY-MM, else ?from=&to= (both days included), else the last 90 days; at most two years."""
    month = request.args.get("month")
    if month:
        first, last = _month(month)
    else:
        today = utcnow().date()
        last = dates.day("to", request.args.get("to")) or today
        first = dates.day("from", request.args.get("from")) or last - timedelta(days=DEFAULT_DAYS - 1)
    if first > last:
        abort(400, "The range's first day (from) must not be after its last day (to).")
    if (last - first).days >= MAX_DAYS:
        abort(400, f"A range spans at most {MAX_DAYS} days.")
    return first, last, {"from": first.isoformat(), "to": last.isoformat(), "month": month or ""}


def _month(text: str) -> tuple[date, date]:
    try:
        if len(text) != 7:
            raise ValueError(text)
        first = date.fromisoformat(text + "-01")
    except ValueError:
        abort(400, "month must be written YYYY-MM, such as 2026-11.")
    following = (first.replace(day=28) + timedelta(days=4)).replace(day=1)
    return first, following - timedelta(days=1)


def _last_month() -> str:
    return (utcnow().date().replace(day=1) - timedelta(days=1)).strftime("%Y-%m")


def _months() -> list[str]:
    """The last twelve months, newest first, for the month picker."""
    found, day = [], utcnow().date().replace(day=1)
    for _ in range(12):
        found.append(day.strftime("%Y-%m"))
        day = (day - timedelta(days=1)).replace(day=1)
    return found
