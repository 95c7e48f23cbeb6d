"""The rows of each earnings aggregate table for one run (analytics.aggregates): one GROUP BY per table over the
window's events, joined with attribution's credit (analytics.aggregate_credit) where the table carries it."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable
from datetime import date
from typing import Any

from assistant.analytics.aggregate_credit import EarningsCredit
from assistant.analytics.aggregate_sql import AggregateSql
from assistant.analytics.path_outcomes import Judge
from assistant.surveys.scales import GROUPS

PATH_MAX = 400
QUIZ_STAGES = {"quiz_start": "started", "quiz_answer": "answered", "quiz_finish": "results",
               "quiz_result_click": "clicked"}


def group_rows(q: AggregateSql, credit: EarningsCredit) -> list[dict[str, Any]]:
    """EarningsGroupDay: visitors, buyers, orders and revenue per day, control group and segment."""
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


def quiz_rows(q: AggregateSql, credit: EarningsCredit) -> list[dict[str, Any]]:
    """EarningsQuizDay: quizzes per day, flow and funnel stage (and question), with what they added and bought."""
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


def path_rows(q: AggregateSql, judge: Judge | None) -> list[dict[str, Any]]:
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


def strip_rows(q: AggregateSql, credit: EarningsCredit) -> list[dict[str, Any]]:
    """EarningsStripDay: impressions, clicks, adds, orders and revenue per day, placement and strategy."""
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


def promo_rows(q: AggregateSql, credit: EarningsCredit) -> list[dict[str, Any]]:
    """EarningsPromoDay: impressions, clicks, dismisses, orders and revenue per day, campaign and variant."""
    counts = _shown(q, ("promo_impression", "promo_click", "promo_dismiss"), None)
    rows = []
    for key in set(counts) | set(credit.promos):
        shown = counts.get(key, {})
        _, orders, revenue, _ = credit.promos.get(key, [0, set(), 0, 0])
        rows.append({"day": key[0], "campaign": key[1][:64], "variant": key[2][:64],
                     "impressions": shown.get("promo_impression", 0), "clicks": shown.get("promo_click", 0),
                     "dismisses": shown.get("promo_dismiss", 0), "orders": len(orders), "revenue_minor": revenue})
    return rows


def _shown(q: AggregateSql, types: Iterable[str],
           field_name: str | None) -> dict[tuple[date, str, str], dict[str, int]]:
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


def survey_rows(q: AggregateSql) -> list[dict[str, Any]]:
    """EarningsSurveyDay: responses, score sum and low and high answers per day, survey and kind."""
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
