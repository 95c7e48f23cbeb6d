"""The nightly earnings aggregates of one site: the last days' events summed into the analytics.models tables.

Each run replaces the rows of the last `days` UTC days (idempotent: a second run writes the same rows),
in the caller's transaction. The counting is set-based: one GROUP BY per table over the event table's
(site, type, time) index, returning a few rows per day. Only attribution reads events one by one, and
only the few it needs: the clicks, views, adds to cart and counted purchases of the people who added to
cart or bought in those days (analytics.attribution holds the rules).

Which purchases count follows tracking.purchases: the browsers' claims without conflicts (an order id
claimed by two visitors counts for nobody), or, when the shop's server sends its orders, the claims of
those orders at the value the shop stated. A person is the shop's customer id when the browser
identified, else the browser; their control group is the browser's (visitor.in_control, which Part A
keeps equal across a customer's devices).
"""

from __future__ import annotations

import json
import time
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import delete, insert
from sqlmodel import Session, SQLModel

from assistant.analytics import attribution as rules
from assistant.analytics.models import (
    EarningsGroupDay,
    EarningsPathDay,
    EarningsPromoDay,
    EarningsQuizDay,
    EarningsState,
    EarningsStripDay,
    EarningsSurveyDay,
)
from assistant.analytics.path_outcomes import Judge
from assistant.catalog.money import to_minor
from assistant.rawsql import RawSQL
from assistant.sites.models import Site
from assistant.surveys.scales import GROUPS

DAYS = 3
"""Days recomputed by a nightly run: today, yesterday (late events), the day before (clients' clocks)."""
TABLES: tuple[type[SQLModel], ...] = (EarningsGroupDay, EarningsQuizDay, EarningsPathDay, EarningsStripDay,
                                      EarningsPromoDay, EarningsSurveyDay)
PATH_MAX = 400
TOUCH_TYPES = (*rules.CLICK_TYPES, *rules.VIEW_TYPES)
QUIZ_STAGES = {"quiz_start": "started", "quiz_answer": "answered", "quiz_finish": "results",
               "quiz_result_click": "clicked"}


@dataclass
class EarningsReport:
    """What one run wrote for one site, for the `assistant train` line."""

    site: str
    first_day: date
    last_day: date
    rows: dict[str, int] = field(default_factory=dict)
    credited_orders: int = 0
    seconds: float = 0.0

    def line(self) -> str:
        """One line: the days, rows per table, attributed orders and the time taken."""
        rows = ", ".join(f"{name} {n}" for name, n in self.rows.items())
        return (f"{self.site}: earnings {self.first_day}..{self.last_day}: {rows}; "
                f"{self.credited_orders} orders with attributed lines ({self.seconds:.1f} s)")


def compute_earnings(*, session: Session, site: Site, now: datetime, days: int = DAYS,
                     judge: Judge | None = None) -> EarningsReport:
    """Recompute the aggregates of `site` for the `days` UTC days up to `now`'s; the caller commits.

    `judge` (analytics.path_outcomes) tells which answer paths find no match or relax an answer; without one,
    a path found nothing when the quiz showed no product, and none counts as relaxed.
    """
    started = time.perf_counter()
    last = now.astimezone(UTC).date()
    first = last - timedelta(days=max(days, 1) - 1)
    start = datetime(first.year, first.month, first.day, tzinfo=UTC)
    end = datetime(last.year, last.month, last.day, tzinfo=UTC) + timedelta(days=1)
    raw = RawSQL(session)
    q = _Sql(raw, site, start, end)
    credit = _attribute(q)
    rows = {
        EarningsGroupDay: _groups(q, credit),
        EarningsQuizDay: _quiz(q, credit),
        EarningsPathDay: _paths(q, judge),
        EarningsStripDay: _strips(q, credit),
        EarningsPromoDay: _promos(q, credit),
        EarningsSurveyDay: _surveys(q),
    }
    for model in TABLES:
        table = model.__table__  # type: ignore[attr-defined]
        session.execute(delete(table).where(table.c.site_id == site.pk, table.c.day >= first, table.c.day <= last))
        if rows[model]:
            session.execute(insert(table), [{"site_id": site.pk, **row} for row in rows[model]])
    _stamp(session, site, first, last, now)
    report = EarningsReport(site.key, first, last, {m.__tablename__: len(rows[m]) for m in TABLES},  # type: ignore[misc]
                            len(credit.orders))
    report.seconds = time.perf_counter() - started
    return report


def _stamp(session: Session, site: Site, first: date, last: date, now: datetime) -> None:
    state = session.get(EarningsState, site.pk)
    if state is None:
        state = EarningsState(site_id=site.pk, computed_at=now, first_day=first, last_day=last, version=0)
    state.first_day = min(first, state.first_day)
    state.last_day = max(last, state.last_day)
    state.computed_at, state.version = now, state.version + 1
    session.add(state)
    session.flush()


class _Sql:
    """The dialect's pieces and the run's parameters."""

    def __init__(self, raw: RawSQL, site: Site, start: datetime, end: datetime) -> None:
        self.raw, self.site, self.start, self.end = raw, site, start, end
        self.window = (raw.time(start), raw.time(end))
        self.verified = raw.run("SELECT 1 FROM shop_order WHERE site_id = ? AND source <> 'history' LIMIT 1",
                                (site.pk,)).fetchone() is not None

    def day(self, column: str) -> str:
        """The UTC day of a timestamp column as 'YYYY-MM-DD' text."""
        if self.raw.postgres:
            return f"to_char({column} AT TIME ZONE 'UTC', 'YYYY-MM-DD')"
        return f"substr({column}, 1, 10)"

    def json(self, name: str, column: str = "data") -> str:
        """A top-level text field of a JSON column, '' when absent."""
        if self.raw.postgres:
            return f"COALESCE({column}->>'{name}', '')"
        return f"COALESCE(json_extract({column}, '$.{name}'), '')"

    def counted(self) -> tuple[str, tuple[Any, ...]]:
        """The counted purchases of the window: visitor_id, session_id, ref, occurred_at, value, data."""
        conflicted = ("SELECT ref FROM event WHERE site_id = ? AND type = 'purchase' AND ref IS NOT NULL "
                      "GROUP BY ref HAVING COUNT(DISTINCT visitor_id) > 1")
        value = "o.value_minor" if self.verified else "COALESCE(e.value_minor, 0)"
        join = "JOIN shop_order o ON o.site_id = e.site_id AND o.order_id = e.ref " if self.verified else ""
        sql = (f"SELECT e.visitor_id, e.session_id, e.ref, e.occurred_at, {value} AS value_minor, e.data "
               f"FROM event e {join}WHERE e.site_id = ? AND e.type = 'purchase' AND e.ref IS NOT NULL "
               "AND e.occurred_at >= ? AND e.occurred_at < ? AND (e.currency IS NULL OR e.currency = ?) "
               f"AND e.ref NOT IN ({conflicted})")
        params: tuple[Any, ...] = (self.site.pk, *self.window, self.site.currency, self.site.pk)
        if not self.verified:
            return sql, params
        # an order the shop sent for a named visitor whose browser sent no claim of it (tracking.purchases' rules)
        data = "json_build_object('items', o.items)" if self.raw.postgres else "json_object('items', json(o.items))"
        unclaimed = ("SELECT o.visitor_id, NULL, o.order_id, o.ordered_at, o.value_minor, " + data + " "
                     "FROM shop_order o WHERE o.site_id = ? AND o.source <> 'history' AND o.visitor_id IS NOT NULL "
                     "AND o.ordered_at >= ? AND o.ordered_at < ? AND o.currency = ? AND NOT EXISTS (SELECT 1 FROM "
                     "event e WHERE e.site_id = o.site_id AND e.type = 'purchase' AND e.ref = o.order_id)")
        return f"{sql} UNION ALL {unclaimed}", (*params, self.site.pk, *self.window, self.site.currency)

    def fetch(self, sql: str, params: tuple[Any, ...]) -> list[Any]:
        """The rows of a read."""
        return list(self.raw.run(sql, params).fetchall())


@dataclass
class _Credit:
    """Attribution's sums, by the aggregate tables' keys."""

    groups: dict[tuple[date, bool, str], list[int]] = field(default_factory=lambda: defaultdict(lambda: [0, 0]))
    strips: dict[tuple[date, str, str], list[Any]] = field(default_factory=dict)
    promos: dict[tuple[date, str, str], list[Any]] = field(default_factory=dict)
    quiz_added: dict[tuple[date, str], set[str]] = field(default_factory=lambda: defaultdict(set))
    quiz_bought: dict[tuple[date, str], list[Any]] = field(default_factory=dict)
    orders: set[str] = field(default_factory=set)


def _attribute(q: _Sql) -> _Credit:
    """Run the attribution rules over the people who added to cart or bought in the window."""
    counted_sql, counted_params = q.counted()
    purchases = q.fetch(counted_sql, counted_params)
    earliest = q.raw.time(q.start - rules.ATTRIBUTION_WINDOW)
    types = ", ".join(f"'{t}'" for t in (*TOUCH_TYPES, "add_to_cart"))
    actors = ("SELECT visitor_id FROM event WHERE site_id = ? AND type IN ('purchase', 'add_to_cart') "
              "AND occurred_at >= ? AND occurred_at < ?")
    events = q.fetch(f"SELECT visitor_id, type, sku, ref, session_id, occurred_at, data FROM event "
                     f"WHERE site_id = ? AND type IN ({types}) AND occurred_at >= ? AND occurred_at < ? "
                     f"AND visitor_id IN ({actors})", (q.site.pk, earliest, q.window[1], q.site.pk, *q.window))
    visitors = {row[0] for row in purchases} | {row[0] for row in events}
    people = _people(q, visitors)
    touches: dict[str, list[rules.Touch]] = defaultdict(list)
    adds: dict[str, list[rules.Add]] = defaultdict(list)
    for visitor, kind, sku, ref, visit, at, data in events:
        when = _utc(at)
        if kind == "add_to_cart":
            if sku is not None and when >= q.start:
                adds[people[visitor][0]].append(rules.Add(sku, when, visit))
            continue
        touches[people[visitor][0]].append(_touch(kind, sku, ref or "", visit, when, q.raw.json_value(data) or {}))
    orders: dict[str, list[tuple[rules.Order, int]]] = defaultdict(list)
    for visitor, visit, ref, at, value, data in purchases:
        orders[people[visitor][0]].append((_order(ref, visit, _utc(at), int(value or 0),
                                                  q.raw.json_value(data) or {}, q.site.currency), visitor))
    credit = _Credit()
    for person in set(orders) | set(adds):
        _collect(credit, people, touches[person], orders[person], adds[person])
    return credit


def _people(q: _Sql, visitors: set[int]) -> dict[int, tuple[str, bool, str]]:
    """Visitor id -> (person key, in control, segment) for these visitors."""
    found: dict[int, tuple[str, bool, str]] = {}
    ids = sorted(visitors)
    for at in range(0, len(ids), 500):
        chunk = ids[at:at + 500]
        rows = q.fetch("SELECT v.id, COALESCE(v.customer_id, 'v:' || CAST(v.id AS TEXT)), v.in_control, "
                       "COALESCE(f.segment, '') FROM visitor v LEFT JOIN customer_figure f ON f.site_id = v.site_id "
                       "AND f.customer_key = COALESCE(v.customer_id, 'v:' || CAST(v.id AS TEXT)) "
                       f"WHERE v.site_id = ? AND v.id IN ({', '.join('?' * len(chunk))})", (q.site.pk, *chunk))
        found.update({int(v): (str(key), bool(control), str(segment)) for v, key, control, segment in rows})
    for visitor in visitors - set(found):
        found[visitor] = (f"v:{visitor}", False, "")
    return found


def _touch(kind: str, sku: str | None, ref: str, visit: int | None, when: datetime,
           data: dict[str, Any]) -> rules.Touch:
    if kind in rules.CLICK_TYPES:
        what = rules.CLICK_TYPES[kind]
        skus: tuple[str, ...] = (sku,) if sku is not None and what != "promotion" else ()
        return rules.Touch(what, True, when, visit, ref, skus, _source(what, data), str(data.get("variant") or ""))
    what = rules.VIEW_TYPES[kind]
    shown = data.get("skus") if what == "strip" else data.get("value")
    skus = tuple(str(s) for s in shown) if isinstance(shown, list) and what != "promotion" else ()
    return rules.Touch(what, False, when, visit, ref, skus, _source(what, data), str(data.get("variant") or ""))


def _source(kind: str, data: dict[str, Any]) -> str:
    return str(data.get("flow") if kind == "quiz" else data.get("placement") or "")


def _order(ref: str, visit: int | None, when: datetime, value: int, data: dict[str, Any],
           currency: str) -> rules.Order:
    lines = []
    for item in data.get("items") or []:
        if isinstance(item, dict) and item.get("sku"):
            price = item.get("price")
            quantity = int(item.get("quantity") or 1)
            line_value = to_minor(float(price), currency) * quantity if isinstance(price, int | float) else None
            lines.append(rules.Line(str(item["sku"]), quantity, line_value))
    return rules.Order(ref, when, visit, value, tuple(lines))


def _collect(credit: _Credit, people: dict[int, tuple[str, bool, str]], touches: list[rules.Touch],
             orders: list[tuple[rules.Order, int]], adds: list[rules.Add]) -> None:
    for order, visitor in orders:
        found = rules.attribute(touches, [order])
        _, control, segment = people[visitor]
        day = order.at.date()
        group = credit.groups[(day, control, segment)]
        group[0] += sum(c.value_minor for c in found.clicked)
        group[1] += sum(c.value_minor for c in found.viewed)
        if found.clicked:
            credit.orders.add(order.order_id)
        for c in found.clicked:
            _earn(credit, day, c, order.order_id)
        for c in found.viewed:
            if c.touch.kind == "strip":
                _row(credit.strips, (day, c.touch.source, c.touch.variant))[3] += c.value_minor
    for add in adds:
        for c in rules.attribute(touches, [], [add]).adds:
            if c.touch.kind == "strip":
                _row(credit.strips, (add.at.date(), c.touch.source, c.touch.variant))[0] += 1
            else:
                credit.quiz_added[(add.at.date(), c.touch.source)].add(c.touch.ref)


def _row(table: dict[Any, list[Any]], key: Any) -> list[Any]:
    """[adds, orders (set), revenue, view-through] for a strip; [orders (set), revenue] for the others."""
    if key not in table:
        table[key] = [0, set(), 0, 0]
    return table[key]


def _earn(credit: _Credit, day: date, c: rules.Credit, order_id: str) -> None:
    touch = c.touch
    if touch.kind == "strip":
        row = _row(credit.strips, (day, touch.source, touch.variant))
    elif touch.kind == "promotion":
        row = _row(credit.promos, (day, touch.ref, touch.variant))
    else:
        row = _row(credit.quiz_bought, (day, touch.source))
        row[1].add(touch.ref)  # quizzes that bought, not orders
        row[2] += c.value_minor
        return
    row[1].add(order_id)
    row[2] += c.value_minor


def _groups(q: _Sql, credit: _Credit) -> list[dict[str, Any]]:
    counted, params = q.counted()
    day = q.day("occurred_at")
    sq = "CAST(value_minor AS DOUBLE PRECISION) * CAST(value_minor AS DOUBLE PRECISION)"
    sql = (f"SELECT d.day, v.in_control, COALESCE(f.segment, ''), COUNT(*), "
           "SUM(CASE WHEN p.orders > 0 THEN 1 ELSE 0 END), COALESCE(SUM(p.orders), 0), COALESCE(SUM(p.revenue), 0), "
           "COALESCE(SUM(CAST(p.revenue AS DOUBLE PRECISION) * CAST(p.revenue AS DOUBLE PRECISION)), 0), "
           "COALESCE(SUM(p.order_sq), 0) "
           f"FROM (SELECT visitor_id, {day} AS day FROM event WHERE site_id = ? AND occurred_at >= ? "
           f"AND occurred_at < ? GROUP BY visitor_id, {day}) d "
           "JOIN visitor v ON v.id = d.visitor_id "
           "LEFT JOIN customer_figure f ON f.site_id = v.site_id "
           "AND f.customer_key = COALESCE(v.customer_id, 'v:' || CAST(v.id AS TEXT)) "
           f"LEFT JOIN (SELECT visitor_id, {day} AS day, COUNT(*) AS orders, SUM(value_minor) AS revenue, "
           f"SUM({sq}) AS order_sq FROM ({counted}) c GROUP BY visitor_id, {day}) p "
           "ON p.visitor_id = d.visitor_id AND p.day = d.day "
           "GROUP BY d.day, v.in_control, COALESCE(f.segment, '')")
    rows = []
    for found_day, control, segment, visitors, buyers, orders, revenue, revenue_sq, order_sq in q.fetch(
            sql, (q.site.pk, *q.window, *params)):
        key = (date.fromisoformat(found_day), bool(control), segment)
        attributed, viewed = credit.groups.get(key, (0, 0))
        rows.append({"day": key[0], "in_control": key[1], "segment": segment, "visitors": visitors,
                     "buyers": buyers, "orders": orders, "revenue_minor": int(revenue),
                     "revenue_sq": float(revenue_sq), "order_sq": float(order_sq),
                     "attributed_minor": attributed, "view_through_minor": viewed})
    return rows


def _quiz(q: _Sql, credit: _Credit) -> list[dict[str, Any]]:
    day, flow = q.day("occurred_at"), q.json("flow")
    question = f"CASE WHEN type = 'quiz_answer' THEN {q.json('question')} ELSE '' END"
    types = ", ".join(f"'{t}'" for t in QUIZ_STAGES)
    sql = (f"SELECT {day}, {flow}, type, {question}, COUNT(DISTINCT ref) FROM event WHERE site_id = ? "
           f"AND type IN ({types}) AND occurred_at >= ? AND occurred_at < ? AND ref IS NOT NULL "
           f"GROUP BY {day}, {flow}, type, {question}")
    rows = [{"day": date.fromisoformat(d), "flow_id": f, "stage": QUIZ_STAGES[t], "question": qn[:64],
             "quizzes": n, "revenue_minor": 0} for d, f, t, qn, n in q.fetch(sql, (q.site.pk, *q.window)) if f]
    rows += [{"day": d, "flow_id": f, "stage": "added", "question": "", "quizzes": len(refs), "revenue_minor": 0}
             for (d, f), refs in credit.quiz_added.items() if f]
    rows += [{"day": d, "flow_id": f, "stage": "bought", "question": "", "quizzes": len(row[1]),
              "revenue_minor": row[2]} for (d, f), row in credit.quiz_bought.items() if f]
    return rows


def _paths(q: _Sql, judge: Judge | None) -> list[dict[str, Any]]:
    """Finished quizzes per flow and answer path (quiz_session's answers) and those whose results were empty."""
    day = q.day("f.occurred_at")
    answers = "CAST(s.answers AS TEXT)"
    shown = "f.data->'value'" if q.raw.postgres else "json_extract(f.data, '$.value')"
    kind = f"json_typeof({shown})" if q.raw.postgres else "json_type(f.data, '$.value')"
    empty = f"CASE WHEN {kind} = 'array' THEN (CASE WHEN json_array_length({shown}) = 0 THEN 1 ELSE 0 END) ELSE 0 END"
    sql = (f"SELECT {day}, s.flow_id, {answers}, COUNT(*), SUM({empty}) FROM event f "
           "JOIN quiz_session s ON s.id = f.ref AND s.site_id = f.site_id "
           "WHERE f.site_id = ? AND f.type = 'quiz_finish' AND f.occurred_at >= ? AND f.occurred_at < ? "
           f"GROUP BY {day}, s.flow_id, {answers}")
    merged: dict[tuple[date, str, str], list[int]] = defaultdict(lambda: [0, 0, 0])
    for found_day, flow, stored, finished, zero in q.fetch(sql, (q.site.pk, *q.window)):
        answers = json.loads(stored) if isinstance(stored, str) else stored
        outcome = judge(flow, answers) if judge is not None else None
        row = merged[(date.fromisoformat(found_day), flow, answer_path(answers))]
        row[0] += finished
        row[1] += finished if outcome is not None and outcome[0] else int(zero or 0)
        row[2] += finished if outcome is not None and outcome[1] else 0
    return [{"day": d, "flow_id": f, "path": p, "finished": n, "zero_results": z, "relaxed": r}
            for (d, f, p), (n, z, r) in merged.items()]


def answer_path(stored: Any) -> str:
    """A quiz's stored answers ([[question, value], ...]) as 'question=value › ...', cut to PATH_MAX."""
    parts = []
    for pair in stored if isinstance(stored, list) else []:
        if isinstance(pair, list) and len(pair) == 2:
            value = pair[1]
            shown = ",".join(map(str, value)) if isinstance(value, list) else str(value)
            parts.append(f"{pair[0]}={shown}")
    return " › ".join(parts)[:PATH_MAX] or "(no answers)"


def _strips(q: _Sql, credit: _Credit) -> list[dict[str, Any]]:
    counts = _shown(q, ("rec_impression", "rec_click"), "placement")
    keys = set(counts) | set(credit.strips)
    rows = []
    for key in keys:
        shown = counts.get(key, {})
        adds, orders, revenue, viewed = credit.strips.get(key, [0, set(), 0, 0])
        rows.append({"day": key[0], "placement": key[1][:32], "strategy": key[2][:64],
                     "impressions": shown.get("rec_impression", 0), "clicks": shown.get("rec_click", 0),
                     "adds": adds, "orders": len(orders), "revenue_minor": revenue, "view_through_minor": viewed})
    return rows


def _promos(q: _Sql, credit: _Credit) -> list[dict[str, Any]]:
    counts = _shown(q, ("promo_impression", "promo_click", "promo_dismiss"), None)
    rows = []
    for key in set(counts) | set(credit.promos):
        shown = counts.get(key, {})
        _, orders, revenue, _ = credit.promos.get(key, [0, set(), 0, 0])
        rows.append({"day": key[0], "campaign": key[1][:64], "variant": key[2][:64],
                     "impressions": shown.get("promo_impression", 0), "clicks": shown.get("promo_click", 0),
                     "dismisses": shown.get("promo_dismiss", 0), "orders": len(orders), "revenue_minor": revenue})
    return rows


def _shown(q: _Sql, types: Iterable[str], field_name: str | None) -> dict[tuple[date, str, str], dict[str, int]]:
    """Counts per (day, placement or ref, variant) and type."""
    day, variant = q.day("occurred_at"), q.json("variant")
    what = q.json(field_name) if field_name else "ref"
    listed = ", ".join(f"'{t}'" for t in types)
    sql = (f"SELECT {day}, {what}, {variant}, type, COUNT(*) FROM event WHERE site_id = ? AND type IN ({listed}) "
           f"AND occurred_at >= ? AND occurred_at < ? GROUP BY {day}, {what}, {variant}, type")
    found: dict[tuple[date, str, str], dict[str, int]] = defaultdict(dict)
    for found_day, name, kind_variant, kind, n in q.fetch(sql, (q.site.pk, *q.window)):
        found[(date.fromisoformat(found_day), str(name or ""), str(kind_variant or ""))][kind] = n
    return found


def _surveys(q: _Sql) -> list[dict[str, Any]]:
    day = q.day("created_at")
    low = " ".join(f"WHEN kind = '{k}' AND score BETWEEN {g[_low(k)].start} AND {g[_low(k)].stop - 1} THEN 1"
                   for k, g in GROUPS.items())
    high = " ".join(f"WHEN kind = '{k}' AND score BETWEEN {g[_high(k)].start} AND {g[_high(k)].stop - 1} THEN 1"
                    for k, g in GROUPS.items())
    sql = (f"SELECT {day}, survey_id, kind, COUNT(*), SUM(score), SUM(CASE {low} ELSE 0 END), "
           f"SUM(CASE {high} ELSE 0 END) FROM survey_response WHERE site_id = ? AND kind IS NOT NULL "
           f"AND score IS NOT NULL AND created_at >= ? AND created_at < ? GROUP BY {day}, survey_id, kind")
    return [{"day": date.fromisoformat(d), "survey_id": s, "kind": k, "responses": n, "score_sum": int(total or 0),
             "low": int(lo or 0), "high": int(hi or 0)}
            for d, s, k, n, total, lo, hi in q.fetch(sql, (q.site.pk, *q.window))]


def _low(kind: str) -> str:
    return "detractor" if kind == "nps" else "low"


def _high(kind: str) -> str:
    return "promoter" if kind == "nps" else "high"


def _utc(value: Any) -> datetime:
    found = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return found if found.tzinfo else found.replace(tzinfo=UTC)
