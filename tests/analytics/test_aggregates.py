"""The nightly earnings aggregates on both databases: counted by day and group, attributed, idempotent."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import text
from sqlmodel import Session

from assistant.analytics.aggregates import answer_path, compute_earnings
from assistant.flows.models import QuizSession
from assistant.sites.models import Site
from assistant.tracking.orders import parse_order, record_order
from assistant.tracking.service import record_events

NOW = datetime(2026, 11, 30, 18, tzinfo=UTC)
UA = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36"


def visit(session: Session, site: Site, visitor: str, when: datetime, events: list[dict[str, Any]]) -> None:
    stamped = [{"id": f"{visitor}-{when:%d%H%M}-{n:02d}", "ts": (when + timedelta(seconds=20 * n)).timestamp() * 1000,
                **event} for n, event in enumerate(events)]
    result = record_events(session=session, site=site, batch={"visitor": visitor, "events": stamped}, user_agent=UA,
                           now=when + timedelta(minutes=5))
    assert not result.rejected, result.rejected


def rows(session: Session, table: str, site: Site) -> list[dict[str, Any]]:
    found = session.execute(text(f"SELECT * FROM {table} WHERE site_id = :s"), {"s": site.pk}).mappings()
    return [dict(row) for row in found]


def shop(session: Session, site: Site) -> None:
    """Three shoppers yesterday: one exposed who clicks a strip and buys, one in control who buys, one who looks."""
    day = NOW - timedelta(days=1)
    visit(session, site, "exposed-1", day, [
        {"type": "page_view", "page": "/"},
        {"type": "rec_impression", "ref": "r_1", "placement": "home", "skus": ["B1", "J1"], "variant": "popular"},
        {"type": "rec_click", "ref": "r_1", "placement": "home", "sku": "B1", "variant": "popular"},
        {"type": "add_to_cart", "sku": "B1", "price": 60},
        {"type": "promo_impression", "ref": "7", "placement": "cart", "variant": "A"},
        {"type": "promo_click", "ref": "7", "placement": "cart", "variant": "A"},
        {"type": "purchase", "order_id": "o-1", "value": 74, "items": [{"sku": "B1", "price": 60},
                                                                       {"sku": "S1", "price": 7, "quantity": 2}]},
    ])
    visit(session, site, "control-1", day, [
        {"type": "page_view", "page": "/"},
        {"type": "purchase", "order_id": "o-2", "value": 30, "items": [{"sku": "J1", "price": 30}]},
    ])
    visit(session, site, "looker-01", day, [{"type": "page_view", "page": "/"}])
    session.execute(text("UPDATE visitor SET in_control = :t WHERE anon_id = 'control-1'"), {"t": True})
    session.commit()


def test_visitor_days_orders_revenue_and_attribution_per_group(session: Session, site: Site) -> None:
    shop(session, site)
    report = compute_earnings(session=session, site=site, now=NOW, days=3)
    session.commit()
    groups = {(r["in_control"], r["day"] if isinstance(r["day"], date) else date.fromisoformat(r["day"])): r
              for r in rows(session, "earnings_group_day", site)}
    yesterday = (NOW - timedelta(days=1)).date()
    exposed, control = groups[(False, yesterday)], groups[(True, yesterday)]
    assert (exposed["visitors"], exposed["buyers"], exposed["orders"], exposed["revenue_minor"]) == (2, 1, 1, 7400)
    assert exposed["revenue_sq"] == 7400.0 ** 2 and exposed["order_sq"] == 7400.0 ** 2
    assert (control["visitors"], control["orders"], control["revenue_minor"], control["revenue_sq"]) == \
        (1, 1, 3000, 3000.0 ** 2)
    # B1 (60.00) is the strip's, the socks (14.00) the clicked promotion's: all 74.00 attributed
    assert exposed["attributed_minor"] == 7400 and control["attributed_minor"] == 0
    strip = rows(session, "earnings_strip_day", site)
    assert [(r["placement"], r["strategy"], r["impressions"], r["clicks"], r["adds"], r["orders"], r["revenue_minor"])
            for r in strip] == [("home", "popular", 1, 1, 1, 1, 6000)]
    promo = rows(session, "earnings_promo_day", site)
    assert [(r["campaign"], r["variant"], r["impressions"], r["clicks"], r["orders"], r["revenue_minor"])
            for r in promo] == [("7", "A", 1, 1, 1, 1400)]
    assert report.credited_orders == 1


def test_a_shop_that_sends_orders_counts_them_with_or_without_a_browser_claim(session: Session, site: Site) -> None:
    """tracking.purchases' rules: the shop's value for a claimed order, and its named visitor's order counts even
    when the browser sent no purchase event (a checkout on another domain, a blocked script)."""
    shop(session, site)
    yesterday = NOW - timedelta(days=1)
    for order_id, value, visitor in (("o-1", 80, None), ("o-3", 45, "looker-01")):
        record_order(session=session, site=site, source="api", now=yesterday + timedelta(minutes=30), order=parse_order(
            {"order_id": order_id, "value": value, "visitor": visitor, "ordered_at": yesterday + timedelta(minutes=9),
             "items": [{"sku": "J1", "price": value}]}))
    session.commit()
    compute_earnings(session=session, site=site, now=NOW, days=3)
    session.commit()
    groups = {r["in_control"]: r for r in rows(session, "earnings_group_day", site)}
    # exposed: o-1 at the shop's 80.00 (the browser said 74.00) and the looker's o-3 (45.00) that no browser claimed;
    # control: its claim o-2 was never sent by the shop, so it no longer counts
    assert (groups[False]["buyers"], groups[False]["orders"], groups[False]["revenue_minor"]) == (2, 2, 12500)
    assert (groups[True]["orders"], groups[True]["revenue_minor"]) == (0, 0)


def test_a_second_run_writes_the_same_rows_and_old_days_stay(session: Session, site: Site) -> None:
    shop(session, site)
    compute_earnings(session=session, site=site, now=NOW, days=3)
    session.commit()
    first = sorted(map(str, rows(session, "earnings_group_day", site)))
    compute_earnings(session=session, site=site, now=NOW, days=3)
    session.commit()
    assert sorted(map(str, rows(session, "earnings_group_day", site))) == first
    # a run a week later over its last day leaves this week's rows alone
    compute_earnings(session=session, site=site, now=NOW + timedelta(days=7), days=1)
    session.commit()
    assert sorted(map(str, rows(session, "earnings_group_day", site))) == first
    state = rows(session, "earnings_state", site)[0]
    assert state["version"] == 3


def test_the_quiz_funnel_and_answer_paths(session: Session, site: Site) -> None:
    day = NOW - timedelta(hours=3)
    runs: list[tuple[list[Any], list[str]]] = [([["terrain", "road"]], ["B1"]), ([["terrain", "road"]], []),
                                              ([["terrain", "trail"], ["budget", [40, 90]]], ["B2"])]
    for number, (answers, shown) in enumerate(runs):
        quiz = f"quiz-{number}"
        session.add(QuizSession(id=quiz, site_id=site.pk, flow_id="shoes", answers=answers, finished=True))
        session.flush()
        events: list[dict[str, Any]] = [{"type": "quiz_start", "flow": "shoes", "quiz": quiz}]
        events += [{"type": "quiz_answer", "flow": "shoes", "quiz": quiz, "question": q, "value": v}
                   for q, v in answers]
        events.append({"type": "quiz_finish", "flow": "shoes", "quiz": quiz, "value": shown})
        if shown == ["B2"]:
            events += [{"type": "quiz_result_click", "flow": "shoes", "quiz": quiz, "sku": "B2"},
                       {"type": "add_to_cart", "sku": "B2", "price": 80},
                       {"type": "purchase", "order_id": "o-q", "value": 80, "items": [{"sku": "B2", "price": 80}]}]
        visit(session, site, f"quizzer-{number}", day, events)
    session.commit()
    compute_earnings(session=session, site=site, now=NOW)
    session.commit()
    funnel = {(r["stage"], r["question"]): (r["quizzes"], r["revenue_minor"])
              for r in rows(session, "earnings_quiz_day", site)}
    assert funnel == {("started", ""): (3, 0), ("answered", "terrain"): (3, 0), ("answered", "budget"): (1, 0),
                      ("results", ""): (3, 0), ("clicked", ""): (1, 0), ("added", ""): (1, 0),
                      ("bought", ""): (1, 8000)}
    paths = {r["path"]: (r["finished"], r["zero_results"]) for r in rows(session, "earnings_path_day", site)}
    assert paths == {"terrain=road": (2, 1), "terrain=trail › budget=40,90": (1, 0)}


def test_answer_paths_read_any_stored_shape() -> None:
    assert answer_path([["a", "x"], ["b", ["1", 2]]]) == "a=x › b=1,2"
    assert answer_path("not a list") == "(no answers)"
    assert len(answer_path([["q", "v" * 1000]])) == 400
