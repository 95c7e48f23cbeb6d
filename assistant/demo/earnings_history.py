"""Ninety days of the demo shop's shoppers with and without the assistant, so the earnings dashboard has a story.

A share of the shoppers (the demo's control_share) is in the control group, chosen as live visitors are
(sites/control.py's in_control_bucket): they browse, add to cart and buy, and see nothing of the assistant.
The others see strips, some take a quiz (its answers given to the real flow and its results ranked over
the demo catalog's index, so answer paths that need relaxing are the real ones), meet the free-shipping
promotion in the cart, answer a survey now and then. With the assistant a shopper adds to cart and buys a
little more often and now and then takes an add-on along: a modest lift (about +15 % conversion, +5 % order
value), not a miracle. Rows are written set-based (the tracking tables' own columns), not through
record_events, so 90 days take seconds.
"""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select, text
from sqlmodel import Session

from assistant.catalog.index import CatalogIndex, build_index
from assistant.catalog.money import to_minor
from assistant.demo.catalog import DemoProduct, demo_products
from assistant.flows.models import QuizSession
from assistant.flows.quiz import replay
from assistant.flows.ranking import results
from assistant.flows.registry import FlowRegistry
from assistant.flows.schema import Flow, Question
from assistant.promotions.campaigns import list_campaigns
from assistant.sites.control import in_control_bucket
from assistant.sites.models import Site
from assistant.surveys.models import SurveyResponse
from assistant.tracking.models import Event, Visitor, VisitSession

DAYS = 90
VISITORS = 20_000
CONTROL_SHARE = 0.15
"""The demo's control group: larger than the 5 % default so ninety days of a small shop can show a clear lift."""
SEED = 17
PREFIX = "demo-shopper-"
FLOW_OF = {"Running shoes": "running-shoes", "Hiking backpacks": "backpacks", "Rain jackets": "rain-jackets"}
INTENTS = [("Running shoes", 0.5), ("Hiking backpacks", 0.25), ("Rain jackets", 0.25)]
ADD_ONS = ("Socks", "Care", "Accessories")
STRATEGIES = {"product": ("together", "similar", "session"), "home": ("session", "popular"), "cart": ("basket",)}
CAMPAIGN = "Free shipping nudge"
CAMPAIGN_VARIANTS = ("product", "plain")


def in_control(site_key: str, anon_id: str, share: float) -> bool:
    """The group a live visitor with this browser id would be put in (sites/control.py)."""
    return in_control_bucket(site_key=site_key, key=anon_id, share=share)


@dataclass
class _Rows:
    visitors: list[dict[str, Any]] = field(default_factory=list)
    visits: list[dict[str, Any]] = field(default_factory=list)
    quizzes: list[dict[str, Any]] = field(default_factory=list)
    surveys: list[dict[str, Any]] = field(default_factory=list)


def seed_demo_earnings(*, session: Session, site: Site, now: datetime, flows_dir: Path,
                       visitors: int = VISITORS) -> int:
    """seed_earnings_history with the demo's catalog index, flows and free-shipping campaign."""
    with session.get_bind().connect() as connection:  # type: ignore[union-attr]
        index = build_index(connection, site.pk)
    flows = {flow.id: flow for flow in FlowRegistry(flows_dir, reload=False).flows()}
    campaign = next((c.id for c in list_campaigns(session=session, site=site) if c.name == CAMPAIGN), None)
    return seed_earnings_history(session=session, site=site, now=now, index=index, flows=flows, campaign=campaign,
                                 visitors=visitors)


def seed_earnings_history(*, session: Session, site: Site, now: datetime, index: CatalogIndex, flows: dict[str, Flow],
                          campaign: int | None, visitors: int = VISITORS) -> int:
    """Write the 90 days unless they are there; the events written. The caller commits."""
    known = session.execute(select(Visitor.id).where(Visitor.site_id == site.pk,  # type: ignore[call-overload]
                                                     Visitor.anon_id == f"{PREFIX}00000")).first()
    if known is not None:
        return 0
    site.control_share = CONTROL_SHARE
    session.add(site)
    rng = random.Random(SEED)
    shop = _Shop(rng, index, flows, campaign, site, now)
    rows = _Rows()
    for number in range(visitors):
        shop.shopper(rows, f"{PREFIX}{number:05d}")
    _write(session, site, rows)
    _regroup(session, site)
    return sum(len(visit["events"]) for visit in rows.visits)


class _Shop:
    """The simulation: products by category, the flows, each visit's events."""

    def __init__(self, rng: random.Random, index: CatalogIndex, flows: dict[str, Flow], campaign: int | None,
                 site: Site, now: datetime) -> None:
        self.rng, self.index, self.flows, self.campaign, self.site, self.now = rng, index, flows, campaign, site, now
        self.by_category: dict[str, list[DemoProduct]] = defaultdict(list)
        for product in demo_products():
            if product.stock:
                self.by_category[product.categories[0]].append(product)
        self.prices = {p.sku: p.price for products in self.by_category.values() for p in products}
        self.ranked: dict[tuple[str, str], tuple[list[str], bool]] = {}

    def shopper(self, rows: _Rows, anon: str) -> None:
        rng = self.rng
        control = in_control(self.site.key, anon, CONTROL_SHARE)
        first = self.now - timedelta(days=rng.uniform(0, DAYS))
        times = [first]
        while rng.random() < 0.35 and times[-1] + timedelta(days=1) < self.now:
            times.append(min(self.now - timedelta(minutes=5), times[-1] + timedelta(days=rng.expovariate(1 / 9))))
        rows.visitors.append({"site_id": self.site.pk, "anon_id": anon, "sessions": len(times), "first_seen": first,
                              "last_seen": times[-1] + timedelta(minutes=10), "in_control": control})
        for number, when in enumerate(times):
            rows.visits.append({"anon": anon, "started_at": when, "landing_page": "/demo/", "device": "desktop"
                                if rng.random() < 0.45 else "mobile", "events": self.visit(rows, anon, number, when,
                                                                                           control)})

    def visit(self, rows: _Rows, anon: str, number: int, when: datetime, control: bool) -> list[dict[str, Any]]:
        rng = self.rng
        events: list[dict[str, Any]] = []

        def event(kind: str, page: str = "/demo/", **fields: Any) -> None:
            stamp = when + timedelta(seconds=35 * len(events) + rng.uniform(0, 20))
            events.append({"client_id": f"eh-{anon[-5:]}-{number:02d}-{len(events):02d}", "type": kind, "page": page,
                           "occurred_at": stamp, **fields})

        category = rng.choices([c for c, _ in INTENTS], [w for _, w in INTENTS])[0]
        pool = self.by_category[category]
        event("page_view", data={"title": "Trailhead Outfitters"})
        chosen: list[DemoProduct] = []
        clicked: str | None = None
        if not control and rng.random() < 0.14:
            clicked = self.quiz(rows, event, anon, category, when)
        viewed = rng.sample(pool, k=min(len(pool), rng.randint(1, 4)))
        for product in viewed:
            event("product_view", page=f"/demo/product/{product.sku}", sku=product.sku)
        chosen.append(next((p for p in pool if p.sku == clicked), viewed[-1]))
        if not control and rng.random() < 0.75:
            placement = rng.choice(("product", "home"))
            strategy = rng.choice(STRATEGIES[placement])
            shown = rng.sample(pool, k=min(6, len(pool)))
            ref = f"r_{rng.getrandbits(48):012x}"
            event("rec_impression", ref=ref, data={"placement": placement, "skus": [p.sku for p in shown],
                                                   "variant": strategy})
            if rng.random() < 0.11:
                pick = rng.choice(shown)
                event("rec_click", ref=ref, sku=pick.sku, data={"placement": placement, "variant": strategy})
                event("product_view", page=f"/demo/product/{pick.sku}", sku=pick.sku)
                chosen[0], clicked = pick, pick.sku
        wants = 0.15 if control else 0.16 + (0.05 if clicked else 0)
        if rng.random() >= wants:
            return events
        basket = [chosen[0]]
        for product in basket:
            event("add_to_cart", page=f"/demo/product/{product.sku}", sku=product.sku, data={"price": product.price})
        promo_clicked = False
        if not control and self.campaign is not None and rng.random() < 0.8:
            variant = rng.choice(CAMPAIGN_VARIANTS)
            promo = {"ref": str(self.campaign), "data": {"placement": "cart", "variant": variant}}
            event("promo_impression", page="/demo/cart", **promo)
            if rng.random() < 0.16:
                event("promo_click", page="/demo/cart", **promo)
                promo_clicked = True
            elif rng.random() < 0.06:
                event("promo_dismiss", page="/demo/cart", **promo)
        if promo_clicked or (not control and rng.random() < 0.08):
            add_on = rng.choice(self.by_category[rng.choice(ADD_ONS)])
            basket.append(add_on)
            event("add_to_cart", page="/demo/cart", sku=add_on.sku, data={"price": add_on.price})
        if rng.random() < (0.40 if control else 0.42):
            value = round(sum(p.price for p in basket), 2)
            items = [{"sku": p.sku, "quantity": 1, "price": p.price} for p in basket]
            event("purchase", page="/demo/checkout/done", ref=f"demo-order-{anon[-5:]}-{number:02d}",
                  value_minor=to_minor(value, self.site.currency), currency=self.site.currency,
                  data={"items": items})
            if not control and rng.random() < 0.12:
                rows.surveys.append(self.survey(anon, when + timedelta(minutes=8), "post-purchase-nps", "nps"))
        return events

    def quiz(self, rows: _Rows, event: Any, anon: str, category: str, when: datetime) -> str | None:
        """A quiz of the category's flow: answers until the shopper stops, results, maybe a click; the SKU clicked."""
        flow = self.flows.get(FLOW_OF[category])
        if flow is None:
            return None
        rng = self.rng
        quiz_id = f"eq{rng.getrandbits(64):016x}"
        page = "/demo/"
        event("quiz_start", page=page, ref=quiz_id, data={"flow": flow.id})
        stored: list[list[Any]] = []
        for question in flow.questions:
            if not _asked(question, stored):
                continue
            if rng.random() < 0.07:  # gave up here
                rows.quizzes.append(_quiz_row(self.site, quiz_id, flow.id, anon, stored, False, when))
                return None
            value = self.answer(question)
            if value is None:
                continue
            stored = [[q, v] for q, v in replay(flow, [*stored, [question.id, value]])]
            event("quiz_answer", page=page, ref=quiz_id, data={"flow": flow.id, "question": question.id,
                                                                "value": value})
        skus, _ = self.results(flow, stored)
        event("quiz_finish", page=page, ref=quiz_id, data={"flow": flow.id, "value": skus})
        rows.quizzes.append(_quiz_row(self.site, quiz_id, flow.id, anon, stored, True, when))
        if rng.random() < 0.08:
            rows.surveys.append(self.survey(anon, when + timedelta(minutes=3), "quiz-csat", "csat"))
        if skus and self.rng.random() < 0.42:
            sku = self.rng.choice(skus[:3])
            event("quiz_result_click", page=page, ref=quiz_id, sku=sku, data={"flow": flow.id})
            return sku
        return None

    def answer(self, question: Question) -> Any:
        rng = self.rng
        if question.type == "single" and question.answers:
            return rng.choice(question.answers).id
        if question.type == "multi" and question.answers:
            return [a.id for a in rng.sample(question.answers, k=min(len(question.answers), rng.randint(1, 2)))]
        if question.type == "range" and question.min is not None and question.max is not None:
            low, high = question.min, question.max
            top = round(rng.uniform(low + (high - low) * 0.15, high) / 10) * 10
            return [low, max(low, min(high, top))]
        return None

    def results(self, flow: Flow, stored: list[list[Any]]) -> tuple[list[str], bool]:
        key = (flow.id, repr(stored))
        if key not in self.ranked:
            found = results(flow, replay(flow, stored), self.index)
            self.ranked[key] = ([m.product.sku for m in found.items], bool(found.relaxed))
        return self.ranked[key]

    def survey(self, anon: str, when: datetime, survey_id: str, kind: str) -> dict[str, Any]:
        rng = self.rng
        score = (rng.choices(range(0, 11), [1, 1, 1, 1, 2, 3, 4, 8, 12, 14, 13])[0] if kind == "nps"
                 else rng.choices(range(1, 6), [1, 2, 4, 10, 9])[0])
        placement = "purchase" if kind == "nps" else "quiz_finished"
        return {"anon": anon, "site_id": self.site.pk, "survey_id": survey_id, "page": "/demo/",
                "response_id": f"er{rng.getrandbits(60):015x}", "placement": placement, "device": "desktop",
                "kind": kind, "score": score, "answers": {"score": score}, "complete": True, "created_at": when,
                "updated_at": when}


def _regroup(session: Session, site: Site) -> None:
    """Put the demo's other visitors (its month of browsing, stored before the share was raised) in the group the
    demo's share gives them, so both groups hold the same mix of shoppers."""
    others = session.execute(select(Visitor.id, Visitor.anon_id).where(  # type: ignore[call-overload]
        Visitor.site_id == site.pk, ~Visitor.anon_id.startswith(PREFIX))).all()  # type: ignore[attr-defined]
    if others:
        session.execute(text("UPDATE visitor SET in_control = :c WHERE id = :i"),
                        [{"c": in_control(site.key, anon, CONTROL_SHARE), "i": visitor} for visitor, anon in others])


def _asked(question: Question, stored: list[list[Any]]) -> bool:
    given = {q: v for q, v in stored}
    for asked, wanted in question.when.items():
        allowed = [wanted] if isinstance(wanted, str) else wanted
        if given.get(asked) not in allowed:
            return False
    return True


def _quiz_row(site: Site, quiz_id: str, flow_id: str, anon: str, stored: list[list[Any]], finished: bool,
              when: datetime) -> dict[str, Any]:
    return {"id": quiz_id, "site_id": site.pk, "flow_id": flow_id, "visitor_id": anon, "page": "/demo/",
            "answers": stored, "finished": finished, "created_at": when, "updated_at": when + timedelta(minutes=2)}


def _write(session: Session, site: Site, rows: _Rows) -> None:
    """Visitors, then their visits, then events, quizzes and survey answers, each as one executemany."""
    session.execute(insert(Visitor.__table__), rows.visitors)  # type: ignore[attr-defined]
    ids = dict(session.execute(text("SELECT anon_id, id FROM visitor WHERE site_id = :s AND anon_id LIKE :p"),
                               {"s": site.pk, "p": f"{PREFIX}%"}).all())
    session.execute(insert(VisitSession.__table__), [  # type: ignore[attr-defined]
        {"site_id": site.pk, "visitor_id": ids[v["anon"]], "started_at": v["started_at"],
         "landing_page": v["landing_page"], "device": v["device"]} for v in rows.visits])
    visit_ids = {(int(v), _key(at)): int(i) for i, v, at in session.execute(text(
        "SELECT id, visitor_id, started_at FROM visit_session WHERE site_id = :s AND visitor_id IN "
        "(SELECT id FROM visitor WHERE site_id = :s AND anon_id LIKE :p)"), {"s": site.pk, "p": f"{PREFIX}%"})}
    events, last_visit = [], {}
    for v in rows.visits:
        visitor = ids[v["anon"]]
        visit = visit_ids[(visitor, _key(v["started_at"]))]
        last_visit[visitor] = visit
        for e in v["events"]:
            events.append({"site_id": site.pk, "visitor_id": visitor, "session_id": visit, "sku": e.get("sku"),
                           "ref": e.get("ref"), "value_minor": e.get("value_minor"), "currency": e.get("currency"),
                           "data": e.get("data", {}), "received_at": e["occurred_at"],
                           **{k: e[k] for k in ("client_id", "type", "page", "occurred_at")}})
    for start in range(0, len(events), 20_000):
        session.execute(insert(Event.__table__), events[start:start + 20_000])  # type: ignore[attr-defined]
    session.execute(text("UPDATE visitor SET session_id = :v WHERE id = :i"),
                    [{"v": visit, "i": visitor} for visitor, visit in last_visit.items()])
    if rows.quizzes:
        session.execute(insert(QuizSession.__table__), rows.quizzes)  # type: ignore[attr-defined]
    if rows.surveys:
        session.execute(insert(SurveyResponse.__table__), [  # type: ignore[attr-defined]
            {**{k: v for k, v in s.items() if k != "anon"}, "visitor_id": ids[s["anon"]]} for s in rows.surveys])
    session.flush()


def _key(at: Any) -> str:
    """A time as the same text whichever way the database gave it back (SQLite naive UTC text, PostgreSQL aware)."""
    found = at if isinstance(at, datetime) else datetime.fromisoformat(str(at))
    return (found.replace(tzinfo=UTC) if found.tzinfo is None else found.astimezone(UTC)).isoformat()
