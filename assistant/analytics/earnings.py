"""What the dashboard shows for a site and a range of days, read from the earnings aggregates (a few hundred rows).

Everything here is sums over analytics.models' daily rows (one GROUP BY per table) and the lift's
statistics over those sums (analytics.lift); nothing reads the event table.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlmodel import Session, col

from assistant.analytics.lift import Estimate, Lift, Moments, incremental, mean_lift, rate_lift
from assistant.analytics.models import (
    EarningsGroupDay,
    EarningsPathDay,
    EarningsPromoDay,
    EarningsQuizDay,
    EarningsState,
    EarningsStripDay,
    EarningsSurveyDay,
)
from assistant.sites.models import Site

FUNNEL = ("started", "answered", "results", "clicked", "added", "bought")


@dataclass(frozen=True)
class Asked:
    """A flow's question for the funnel: its id, its text, and whether only some answers lead to it."""

    id: str
    text: str = ""
    conditional: bool = False
PATHS_SHOWN = 12


@dataclass(frozen=True)
class Group:
    """One side's sums over the range: visitor-days, those with an order, orders, revenue and sums of squares."""

    visitors: int = 0
    buyers: int = 0
    orders: int = 0
    revenue_minor: int = 0
    revenue_sq: float = 0.0
    order_sq: float = 0.0
    attributed_minor: int = 0
    view_through_minor: int = 0


@dataclass
class Overview:
    """The dashboard of one site and range."""

    first: date
    last: date
    computed_at: Any = None
    exposed: Group = field(default_factory=Group)
    control: Group = field(default_factory=Group)
    revenue_per_visitor: Lift | None = None
    conversion: Lift | None = None
    order_value: Lift | None = None
    earned: Estimate = field(default_factory=lambda: Estimate(None))
    """Incremental revenue of the exposed visitor-days over what the control group's rate predicts (minor units)."""
    daily: list[dict[str, Any]] = field(default_factory=list)
    attributed: dict[str, int] = field(default_factory=dict)
    funnels: list[dict[str, Any]] = field(default_factory=list)
    paths: list[dict[str, Any]] = field(default_factory=list)
    strips: list[dict[str, Any]] = field(default_factory=list)
    promotions: list[dict[str, Any]] = field(default_factory=list)
    surveys: list[dict[str, Any]] = field(default_factory=list)
    segments: list[dict[str, Any]] = field(default_factory=list)


def earnings_overview(*, session: Session, site: Site, first: date, last: date,
                      question_order: dict[str, list[Asked]] | None = None) -> Overview:
    """The figures of `site` from `first` to `last` (both included); question_order: per flow, its questions."""
    state = session.get(EarningsState, site.pk)
    found = Overview(first, last, state.computed_at if state else None)
    groups = _groups(session, site, first, last)
    found.exposed = _sum(r for r in groups if not r["in_control"])
    found.control = _sum(r for r in groups if r["in_control"])
    _lifts(found)
    found.daily = _daily(groups)
    found.segments = _segments(groups)
    found.strips = strips(session=session, site=site, first=first, last=last)
    found.promotions = promotions(session=session, site=site, first=first, last=last)
    found.funnels = funnels(session=session, site=site, first=first, last=last, question_order=question_order or {})
    found.paths = paths(session=session, site=site, first=first, last=last)
    found.surveys = surveys(session=session, site=site, first=first, last=last)
    found.attributed = {"strips": sum(r["revenue_minor"] for r in found.strips),
                        "quizzes": sum(f["revenue_minor"] for f in found.funnels),
                        "promotions": sum(r["revenue_minor"] for r in found.promotions)}
    return found


def _lifts(found: Overview) -> None:
    e, c = found.exposed, found.control
    found.revenue_per_visitor = mean_lift("revenue_per_visitor", Moments(e.visitors, e.revenue_minor, e.revenue_sq),
                                          Moments(c.visitors, c.revenue_minor, c.revenue_sq))
    found.conversion = rate_lift("conversion", (e.buyers, e.visitors), (c.buyers, c.visitors))
    found.order_value = mean_lift("average_order_value", Moments(e.orders, e.revenue_minor, e.order_sq),
                                  Moments(c.orders, c.revenue_minor, c.order_sq))
    found.earned = incremental(found.revenue_per_visitor.difference, e.visitors)


def _between(model: Any, site: Site, first: date, last: date) -> Any:
    return (model.site_id == site.pk) & (model.day >= first) & (model.day <= last)


def _groups(session: Session, site: Site, first: date, last: date) -> list[dict[str, Any]]:
    t = EarningsGroupDay
    columns = [col(t.day), col(t.in_control), col(t.segment)] + [
        func.sum(getattr(t, name)).label(name) for name in Group.__dataclass_fields__]
    query = select(*columns).where(_between(t, site, first, last)).group_by(
        col(t.day), col(t.in_control), col(t.segment))
    return [dict(row._mapping) for row in session.execute(query)]


def _sum(rows: Any) -> Group:
    totals: dict[str, float] = defaultdict(float)
    for row in rows:
        for name in Group.__dataclass_fields__:
            totals[name] += float(row[name] or 0)
    values: dict[str, Any] = {name: (float(v) if name.endswith("_sq") else int(v)) for name, v in totals.items()}
    return Group(**values)


def _daily(groups: list[dict[str, Any]]) -> list[dict[str, Any]]:
    days: dict[date, dict[str, Any]] = {}
    for row in groups:
        day = row["day"] if isinstance(row["day"], date) else date.fromisoformat(str(row["day"]))
        entry = days.setdefault(day, {"day": day, "exposed_visitors": 0, "exposed_revenue_minor": 0,
                                      "control_visitors": 0, "control_revenue_minor": 0, "exposed_orders": 0,
                                      "control_orders": 0})
        side = "control" if row["in_control"] else "exposed"
        entry[f"{side}_visitors"] += int(row["visitors"] or 0)
        entry[f"{side}_revenue_minor"] += int(row["revenue_minor"] or 0)
        entry[f"{side}_orders"] += int(row["orders"] or 0)
    for entry in days.values():
        for side in ("exposed", "control"):
            n = entry[f"{side}_visitors"]
            entry[f"{side}_revenue_per_visitor_minor"] = entry[f"{side}_revenue_minor"] / n if n else None
    return [days[d] for d in sorted(days)]


def weekly(daily: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The daily rows summed by ISO week (Monday first), revenue per visitor-day recomputed per week."""
    weeks: dict[date, dict[str, Any]] = {}
    for row in daily:
        monday = row["day"] - timedelta(days=row["day"].weekday())
        entry = weeks.setdefault(monday, {"week": monday, "exposed_visitors": 0, "exposed_revenue_minor": 0,
                                          "control_visitors": 0, "control_revenue_minor": 0})
        for name in ("exposed_visitors", "exposed_revenue_minor", "control_visitors", "control_revenue_minor"):
            entry[name] += row[name]
    for entry in weeks.values():
        for side in ("exposed", "control"):
            n = entry[f"{side}_visitors"]
            entry[f"{side}_revenue_per_visitor_minor"] = entry[f"{side}_revenue_minor"] / n if n else None
    return [weeks[w] for w in sorted(weeks)]


def _segments(groups: list[dict[str, Any]]) -> list[dict[str, Any]]:
    names = sorted({row["segment"] for row in groups if row["segment"]})
    found = []
    for name in names:
        exposed = _sum(r for r in groups if r["segment"] == name and not r["in_control"])
        control = _sum(r for r in groups if r["segment"] == name and r["in_control"])
        lift = rate_lift("conversion", (exposed.buyers, exposed.visitors), (control.buyers, control.visitors))
        found.append({"segment": name, "exposed_visitors": exposed.visitors, "control_visitors": control.visitors,
                      "exposed_conversion": lift.exposed.value, "control_conversion": lift.control.value,
                      "exposed_revenue_minor": exposed.revenue_minor, "control_revenue_minor": control.revenue_minor,
                      "difference": lift.difference.value, "low": lift.difference.low, "high": lift.difference.high,
                      "verdict": lift.verdict})
    return found


def strips(*, session: Session, site: Site, first: date, last: date) -> list[dict[str, Any]]:
    """Per placement and strategy: impressions, clicks, CTR, adds to cart, orders and attributed revenue."""
    t = EarningsStripDay
    names = ("impressions", "clicks", "adds", "orders", "revenue_minor", "view_through_minor")
    query = (select(col(t.placement), col(t.strategy), *(func.sum(getattr(t, n)).label(n) for n in names))
             .where(_between(t, site, first, last)).group_by(col(t.placement), col(t.strategy))
             .order_by(func.sum(t.revenue_minor).desc(), col(t.placement)))
    rows = [dict(row._mapping) for row in session.execute(query)]
    for row in rows:
        row.update({n: int(row[n] or 0) for n in names})
        row["ctr"] = row["clicks"] / row["impressions"] if row["impressions"] else None
    return rows


def promotions(*, session: Session, site: Site, first: date, last: date) -> list[dict[str, Any]]:
    """Per campaign and variant: impressions, clicks, CTR, dismissals, orders and attributed revenue."""
    t = EarningsPromoDay
    names = ("impressions", "clicks", "dismisses", "orders", "revenue_minor")
    query = (select(col(t.campaign), col(t.variant), *(func.sum(getattr(t, n)).label(n) for n in names))
             .where(_between(t, site, first, last)).group_by(col(t.campaign), col(t.variant))
             .order_by(col(t.campaign), col(t.variant)))
    rows = [dict(row._mapping) for row in session.execute(query)]
    for row in rows:
        row.update({n: int(row[n] or 0) for n in names})
        row["ctr"] = row["clicks"] / row["impressions"] if row["impressions"] else None
    return rows


def funnels(*, session: Session, site: Site, first: date, last: date,
            question_order: dict[str, list[Asked]]) -> list[dict[str, Any]]:
    """Per flow: quizzes started, each question answered, results shown, clicked, added, bought; with drop-off."""
    t = EarningsQuizDay
    query = (select(col(t.flow_id), col(t.stage), col(t.question), func.sum(t.quizzes), func.sum(t.revenue_minor))
             .where(_between(t, site, first, last)).group_by(col(t.flow_id), col(t.stage), col(t.question)))
    by_flow: dict[str, dict[tuple[str, str], tuple[int, int]]] = defaultdict(dict)
    for flow, stage, question, n, revenue in session.execute(query):
        by_flow[flow][(stage, question)] = (int(n or 0), int(revenue or 0))
    return [_funnel(flow, counts, question_order.get(flow, [])) for flow, counts in sorted(by_flow.items())]


def _funnel(flow: str, counts: dict[tuple[str, str], tuple[int, int]], order: list[Asked]) -> dict[str, Any]:
    """The steps in the flow's order; a question asked only after some answers (`when:`) is shown with its
    share of the started, but loses nobody: the drop-off compares each step with the last step every quiz met."""
    answered = [q for stage, q in counts if stage == "answered"]
    known = [a for a in order if a.id in answered]
    rest = sorted((q for q in answered if q not in {a.id for a in known}), key=lambda q: -counts[("answered", q)][0])
    questions = known + [Asked(q, "", False) for q in rest]
    steps = [("Started", "", counts.get(("started", ""), (0, 0))[0], False)]
    steps += [(a.text or f"Answered “{a.id}”", a.id, counts[("answered", a.id)][0], a.conditional) for a in questions]
    steps += [(label, "", counts.get((stage, ""), (0, 0))[0], False) for stage, label in
              (("results", "Saw results"), ("clicked", "Clicked a result"), ("added", "Added to cart"),
               ("bought", "Bought"))]
    start = steps[0][2] or max((n for _, _, n, _ in steps), default=0)
    rows, previous = [], None
    for label, question, n, conditional in steps:
        rows.append({"step": label, "question": question, "quizzes": n, "conditional": conditional,
                     "of_started": n / start if start else None,
                     "drop_off": 1 - n / previous if previous and not conditional else None})
        if not conditional:
            previous = n
    return {"flow": flow, "steps": rows, "revenue_minor": counts.get(("bought", ""), (0, 0))[1]}


def paths(*, session: Session, site: Site, first: date, last: date) -> list[dict[str, Any]]:
    """The answer paths that most often found nothing, then relaxed an answer, then were finished, with the rates."""
    t = EarningsPathDay
    query = (select(col(t.flow_id), col(t.path), func.sum(t.finished), func.sum(t.zero_results), func.sum(t.relaxed))
             .where(_between(t, site, first, last)).group_by(col(t.flow_id), col(t.path))
             .order_by(func.sum(t.zero_results).desc(), func.sum(t.relaxed).desc(), func.sum(t.finished).desc())
             .limit(PATHS_SHOWN))
    return [{"flow": flow, "path": path, "finished": int(n), "zero_results": int(z or 0),
             "zero_rate": int(z or 0) / n if n else None, "relaxed": int(r or 0),
             "relaxed_rate": int(r or 0) / n if n else None}
            for flow, path, n, z, r in session.execute(query)]


def surveys(*, session: Session, site: Site, first: date, last: date) -> list[dict[str, Any]]:
    """Per kind and ISO week: responses and the score (NPS: promoters - detractors; CSAT: share satisfied;
    CES: share agreeing it was easy)."""
    t = EarningsSurveyDay
    query = (select(col(t.kind), col(t.day), func.sum(t.responses), func.sum(t.low), func.sum(t.high))
             .where(_between(t, site, first, last)).group_by(col(t.kind), col(t.day)))
    weeks: dict[tuple[str, date], list[int]] = defaultdict(lambda: [0, 0, 0])
    for kind, day, n, low, high in session.execute(query):
        day = day if isinstance(day, date) else date.fromisoformat(str(day))
        entry = weeks[(kind, day - timedelta(days=day.weekday()))]
        entry[0] += int(n or 0)
        entry[1] += int(low or 0)
        entry[2] += int(high or 0)
    rows = []
    for (kind, week), (n, low, high) in sorted(weeks.items()):
        score = (high - low) / n * 100 if kind == "nps" else high / n if n else None
        rows.append({"kind": kind, "week": week, "responses": n, "low": low, "high": high, "score": score})
    return rows
