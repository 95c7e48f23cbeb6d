"""Attribution for one earnings run (analytics.aggregates): the rules of analytics.attribution run over the people
who added to cart or bought in the window, their credit summed by the aggregate tables' keys."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from assistant.analytics import attribution as rules
from assistant.analytics.aggregate_sql import AggregateSql, utc_of
from assistant.catalog.money import to_minor

TOUCH_TYPES = (*rules.CLICK_TYPES, *rules.VIEW_TYPES)


@dataclass
class EarningsCredit:
    """Attribution's sums, by the aggregate tables' keys."""

    groups: dict[tuple[date, bool, str], list[int]] = field(default_factory=lambda: defaultdict(lambda: [0, 0]))
    strips: dict[tuple[date, str, str], list[Any]] = field(default_factory=dict)
    promos: dict[tuple[date, str, str], list[Any]] = field(default_factory=dict)
    quiz_added: dict[tuple[date, str], set[str]] = field(default_factory=lambda: defaultdict(set))
    quiz_bought: dict[tuple[date, str], list[Any]] = field(default_factory=dict)
    orders: set[str] = field(default_factory=set)


def credit_window(q: AggregateSql) -> EarningsCredit:
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
        when = utc_of(at)
        if kind == "add_to_cart":
            if sku is not None and when >= q.start:
                adds[people[visitor][0]].append(rules.Add(sku, when, visit))
            continue
        touches[people[visitor][0]].append(_touch(kind, sku, ref or "", visit, when, q.raw.json_value(data) or {}))
    orders: dict[str, list[tuple[rules.Order, int]]] = defaultdict(list)
    for visitor, visit, ref, at, value, data in purchases:
        orders[people[visitor][0]].append((_order(ref, visit, utc_of(at), int(value or 0),
                                                  q.raw.json_value(data) or {}, q.site.currency), visitor))
    credit = EarningsCredit()
    for person in set(orders) | set(adds):
        _collect(credit, people, touches[person], orders[person], adds[person])
    return credit


def _people(q: AggregateSql, visitors: set[int]) -> dict[int, tuple[str, bool, str]]:
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


def _collect(credit: EarningsCredit, people: dict[int, tuple[str, bool, str]], touches: list[rules.Touch],
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


def _earn(credit: EarningsCredit, day: date, c: rules.Credit, order_id: str) -> None:
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
