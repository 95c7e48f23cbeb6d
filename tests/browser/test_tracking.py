"""Behaviour tracking end to end: a shopper's visit in Chromium, the events read back from the database.

The server drops events from known bots, and Headless Chromium's own user agent ("HeadlessChrome")
is one, so every test here browses with an ordinary Chrome user agent. Chromium sends a beacon
fired while a page navigates away with its own agent, not the context's: the server drops those,
and the next page re-sends what they held, the at-least-once path these tests then exercise.
"""

from __future__ import annotations

import json
import re
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from assistant.db import make_engine
from assistant.tracking.models import Customer, Event, Visitor, VisitSession
from tests.browser.helpers import complete, dialog, watch

DESKTOP_UA = ("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
              "Chrome/126.0.0.0 Safari/537.36")
PHONE_UA = ("Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/126.0.0.0 Mobile Safari/537.36")
EVENTS = "**/api/v1/events*"
QUEUE = "JSON.parse(localStorage.getItem('assistant:events:pk_demo') || '[]')"
TIMEOUT_MS = 20_000


@pytest.fixture(scope="session")
def db(live_server: str, live_folder: Path) -> Iterator[Engine]:
    """An engine on the live server's database, for reading back what it stored."""
    engine = make_engine(f"sqlite:///{live_folder / 'demo.db'}")
    yield engine
    engine.dispose()


@pytest.fixture
def shopper(new_page: Callable[..., Any]) -> Any:
    """A desktop page with a real browser's user agent (a headless one counts as a bot)."""
    return new_page(user_agent=DESKTOP_UA)


def visitor_id(page: Any) -> str:
    """The anonymous visitor id the widget keeps (it exists once the widget first sent events)."""
    page.wait_for_function("localStorage.getItem('assistant:visitor')")
    return str(page.evaluate("localStorage.getItem('assistant:visitor')"))


def queued(page: Any) -> list[dict[str, Any]]:
    """The events waiting in the page's localStorage queue."""
    return list(page.evaluate(QUEUE))


def stored(db: Engine, anon_id: str) -> list[Event]:
    """Every event stored for one visitor, oldest first."""
    with Session(db) as session:
        visitor = session.exec(select(Visitor).where(Visitor.anon_id == anon_id)).first()
        if visitor is None:
            return []
        query = select(Event).where(Event.visitor_id == visitor.id).order_by(Event.occurred_at, Event.id)
        return list(session.exec(query))


def until(page: Any, condition: Callable[[], Any], what: str) -> Any:
    """Poll `condition` until it is true (page.wait_for_timeout, unlike time.sleep, runs route handlers)."""
    for _ in range(TIMEOUT_MS // 100):
        found = condition()
        if found:
            return found
        page.wait_for_timeout(100)
    raise AssertionError(f"timed out waiting for {what}")


def delivered(page: Any, db: Engine, anon_id: str, done: Callable[[list[Event]], bool], *,
              flush: bool = True) -> list[Event]:
    """Wait until `done(events)` holds and the page's queue is empty (flushing it, unless told not to)."""
    def check() -> list[Event] | None:
        if flush:
            page.evaluate("window.Assistant && Assistant.flush()")
        events = stored(db, anon_id)
        return events if done(events) and not queued(page) else None

    return until(page, check, "the events to be stored")


def kinds(events: list[Event]) -> Counter[tuple[str, str]]:
    """How many events of each (type, page)."""
    return Counter((e.type, e.page) for e in events)


def with_script_attributes(page: Any, attributes: str, *paths: str) -> None:
    """Serve the pages at `paths` with extra attributes on the widget's script tag."""
    def add(route: Any) -> None:
        response = route.fetch()
        route.fulfill(response=response, body=response.text().replace('data-site="pk_demo"',
                                                                       f'data-site="pk_demo" {attributes}'))
    for path in paths:
        page.route(f"**{path}", add)


def test_a_shopping_trip_is_recorded_exactly_once(shopper: Any, db: Engine) -> None:
    page = shopper
    problems = watch(page)
    page.goto("/demo/")
    page.get_by_role("navigation", name="Categories").get_by_role("link", name="Running shoes").click()
    page.fill("#search-q", "merino")
    page.get_by_role("button", name="Search").click()
    page.locator(".product-card:not(.is-sold-out) .product-title a").first.click()
    sku = page.url.rsplit("/", 1)[1]
    price = float(json.loads(page.locator("script[type='application/ld+json']").text_content())["offers"]["price"])
    page.select_option("#quantity", "2")
    page.get_by_role("button", name="Add to cart").click()
    page.get_by_role("link", name="Go to checkout").click()
    page.fill("#f-name", "Robin Fell")
    page.fill("#f-email", "robin@example.com")
    page.fill("#f-address", "1 Ridge Road")
    page.fill("#f-city", "12345 Hilltown")
    page.get_by_role("button", name="Place order").click()
    order = page.locator(".eyebrow").text_content().removeprefix("Order ")
    total = float(page.locator(".lead").inner_text().split("€")[1].split()[0].replace(",", ""))

    events = delivered(page, db, visitor_id(page), lambda found: any(e.type == "purchase" for e in found))

    product, cart = f"/demo/product/{sku}", f"/demo/cart?added={sku}"
    assert kinds(events) == Counter({
        ("page_view", "/demo/"): 1, ("page_view", "/demo/category/running-shoes"): 1,
        ("page_view", "/demo/search?q=merino"): 1, ("search", "/demo/search?q=merino"): 1,
        ("page_view", product): 1, ("product_view", product): 1, ("add_to_cart", product): 1,
        ("page_view", cart): 1, ("cart", cart): 1,
        ("page_view", "/demo/checkout"): 2, ("purchase", "/demo/checkout"): 1,
    })
    by_type = {e.type: e for e in events}
    titles = [e.data["title"] for e in events if e.type == "page_view"]
    assert titles[-2:] == ["Checkout · Trailhead Outfitters", "Thank you · Trailhead Outfitters"]
    assert by_type["search"].data == {"query": "merino"}
    assert (by_type["product_view"].sku, by_type["product_view"].data) == (sku, {"price": price, "currency": "EUR"})
    assert (by_type["add_to_cart"].sku, by_type["add_to_cart"].data) == (sku, {"quantity": 2, "price": price})
    assert by_type["cart"].data["items"] == [{"sku": sku, "quantity": 2, "price": price}]
    assert by_type["cart"].value_minor == round(2 * price * 100)
    purchase = by_type["purchase"]
    assert (purchase.ref, purchase.value_minor, purchase.currency) == (order, round(total * 100), "EUR")
    assert purchase.data["items"] == [{"sku": sku, "quantity": 2, "price": price}]
    assert len({e.session_id for e in events}) == 1, "one visit"
    problems.assert_none()


def test_events_of_a_page_without_backend_arrive_later_exactly_once(shopper: Any, db: Engine) -> None:
    page = shopper
    problems = watch(page)
    failed: list[list[str]] = []

    def down(route: Any) -> None:
        failed.append([e["type"] for e in json.loads(route.request.post_data)["events"]])
        route.abort()

    page.route(EVENTS, down)
    page.goto("/demo/product/rj-002")
    page.wait_for_function(f"{QUEUE}.length === 2")
    until(page, lambda: failed, "a failed delivery")
    anon_id = visitor_id(page)
    assert [e["type"] for e in queued(page)] == ["page_view", "product_view"]

    page.goto("/demo/category/rain-jackets")  # the backend is still down
    until(page, lambda: any(types == ["page_view", "product_view", "page_view"] for types in failed),
          "a failed delivery from the second page")
    assert [e["type"] for e in queued(page)] == ["page_view", "product_view", "page_view"], "kept across the load"
    assert stored(db, anon_id) == []
    page.unroute(EVENTS, down)

    events = delivered(page, db, anon_id, lambda found: len(found) >= 3, flush=False)  # the widget's own retry
    first, second = "/demo/product/rj-002", "/demo/category/rain-jackets"
    assert kinds(events) == Counter({("page_view", first): 1, ("product_view", first): 1, ("page_view", second): 1})
    page.wait_for_timeout(500)
    assert len(stored(db, anon_id)) == 3, "nothing counted twice"
    problems.assert_none(network_failures_expected=True)


def test_events_of_the_last_moment_leave_with_the_tab(new_page: Callable[..., Any], db: Engine) -> None:
    page = new_page(user_agent=DESKTOP_UA)
    fetched: list[str] = []
    page.on("request", lambda r: fetched.append(r.post_data or "") if r.resource_type == "fetch" else None)
    page.goto("/demo/")
    anon_id = visitor_id(page)
    delivered(page, db, anon_id, lambda found: len(found) == 1)
    page.evaluate("Assistant.track('promo_click', {ref: 'spring-sale'})")
    page.close(run_before_unload=True)  # sendBeacon on pagehide; no later page will re-send it

    watcher = new_page(user_agent=DESKTOP_UA)
    events = until(watcher, lambda: [e for e in stored(db, anon_id) if e.type == "promo_click"], "the beacon")
    assert [e.ref for e in events] == ["spring-sale"]
    assert not any("spring-sale" in body for body in fetched), "sent by the beacon, not by a fetch"


def test_consent_false_stops_recording_and_clears_the_queue(shopper: Any, db: Engine) -> None:
    page = shopper
    page.route(EVENTS, lambda route: route.abort())
    page.goto("/demo/")
    page.wait_for_function(f"{QUEUE}.length > 0")
    anon_id = visitor_id(page)

    page.evaluate("Assistant.consent(false)")
    assert queued(page) == []
    assert page.evaluate("localStorage.getItem('assistant:consent')") == "0"
    page.unroute(EVENTS)
    page.evaluate("Assistant.track('newsletter_signup'); Assistant.identify('c-1'); Assistant.flush()")
    page.goto("/demo/cart")
    assert queued(page) == [], "refusal outlives the page"

    page.evaluate("Assistant.consent(true)")  # recording resumes, with this page
    events = delivered(page, db, anon_id, lambda found: len(found) >= 2)
    assert kinds(events) == Counter({("page_view", "/demo/cart"): 1, ("cart", "/demo/cart"): 1})


def test_consent_required_records_nothing_until_given(shopper: Any, db: Engine) -> None:
    page = shopper
    problems = watch(page)
    with_script_attributes(page, 'data-consent="required"', "/demo/category/socks")
    page.goto("/demo/category/socks")
    page.wait_for_function("window.Assistant && Assistant.version")
    page.evaluate("Assistant.track('newsletter_signup'); Assistant.flush()")
    assert page.evaluate("localStorage.getItem('assistant:events:pk_demo')") is None, "nothing stored"

    page.evaluate("Assistant.consent(true)")
    events = delivered(page, db, visitor_id(page), lambda found: len(found) >= 1)
    assert kinds(events) == Counter({("page_view", "/demo/category/socks"): 1})
    problems.assert_none()


@pytest.mark.parametrize("signal", ["doNotTrack: '1'", "globalPrivacyControl: true"])
def test_do_not_track_is_respected_when_asked(shopper: Any, signal: str) -> None:
    page = shopper
    name, value = signal.split(": ")
    page.add_init_script(f"Object.defineProperty(Navigator.prototype, '{name}', {{get: () => {value}}});")
    sent: list[str] = []
    page.on("request", lambda request: sent.append(request.url) if "/api/v1/events" in request.url else None)
    with_script_attributes(page, 'data-respect-dnt="true"', "/demo/product/rj-002", "/demo/cart")
    page.goto("/demo/product/rj-002")
    page.evaluate("Assistant.consent(true); Assistant.track('newsletter_signup'); Assistant.flush()")
    page.goto("/demo/cart")  # leaving the page would beacon anything queued
    page.evaluate("Assistant.flush()")
    assert sent == []
    assert page.evaluate("localStorage.getItem('assistant:events:pk_demo')") is None


@pytest.mark.parametrize("phone", [False, True], ids=["desktop", "phone"])
def test_quiz_events_arrive(new_page: Callable[..., Any], db: Engine, phone: bool) -> None:
    page = new_page(phone=phone, user_agent=PHONE_UA if phone else DESKTOP_UA)
    problems = watch(page)
    answers: list[str] = []
    page.on("request", lambda r: answers.append(r.url) if r.method == "POST" and "/answers" in r.url else None)
    page.goto("/demo/")
    page.locator(".launcher").click()
    panel = dialog(page)
    complete(page, panel, keyboard=False)
    skus = [re.sub(r".*/", "", href) for href in panel.locator(".card .name a").evaluate_all(
        "links => links.map(a => a.href)")]
    pick = min(1, len(skus) - 1)
    panel.locator(".card .name a").nth(pick).click()
    page.wait_for_url(f"**/demo/product/{skus[pick]}")

    events = delivered(page, db, visitor_id(page), lambda found: any(e.type == "product_view" for e in found))
    quiz = [e for e in events if e.type.startswith("quiz_")]
    expected = ["quiz_start"] + ["quiz_answer"] * len(answers) + ["quiz_finish", "quiz_result_click"]
    assert [e.type for e in quiz] == expected
    assert len({e.ref for e in quiz}) == 1 and quiz[0].ref, "one quiz session id on every event"
    assert all(e.data["flow"] == "running-shoes" and e.page == "/demo/" for e in quiz)
    assert all(e.data["question"] for e in quiz if e.type == "quiz_answer")
    assert quiz[-2].data["value"] == skus, "the finish lists what was shown"
    assert quiz[-1].sku == skus[pick]
    with Session(db) as session:
        visit = session.get(VisitSession, quiz[0].session_id)
        assert visit is not None and visit.device == ("mobile" if phone else "desktop")
    problems.assert_none()


def test_the_javascript_api_and_calls_queued_before_load(shopper: Any, db: Engine) -> None:
    page = shopper
    problems = watch(page)
    batches: list[int] = []
    page.on("request", lambda r: batches.append(len(json.loads(r.post_data)["events"]))
            if "/api/v1/events" in r.url and r.post_data else None)
    page.add_init_script("""
        window.Assistant = function () { (window.Assistant.q = window.Assistant.q || []).push(arguments); };
        Assistant('identify', 'cust-42', {plan: 'gold', newsletter: true});
        Assistant('track', 'newsletter_signup', {source: 'footer'});
    """)
    page.goto("/demo/")
    page.evaluate("""() => {
        const cyclic = {}; cyclic.self = cyclic;
        Assistant.track(); Assistant.track(null, 5); Assistant.track('x', cyclic); Assistant.identify();
        Assistant.setCart('not a list'); Assistant.flush(17);
        Assistant.setCart([{sku: 'rj-002', quantity: 2, price: 129.9}], {value: 259.8, currency: 'EUR'});
        for (let i = 0; i < 120; i++) Assistant.track('promo_impression', {ref: 'promo-' + i, placement: 'home'});
    }""")
    anon_id = visitor_id(page)

    events = delivered(page, db, anon_id, lambda found: len(found) >= 124)
    counts = Counter(e.type for e in events)
    assert counts == Counter({"promo_impression": 120, "page_view": 1, "identify": 1, "custom": 1, "cart": 1})
    assert len({e.ref for e in events if e.type == "promo_impression"}) == 120
    assert next(e for e in events if e.type == "custom").data == {"name": "newsletter_signup",
                                                                  "props": {"source": "footer"}}
    cart = next(e for e in events if e.type == "cart")
    assert (cart.data["items"], cart.value_minor) == ([{"sku": "rj-002", "quantity": 2, "price": 129.9}], 25980)
    with Session(db) as session:
        customer = session.exec(select(Customer).where(Customer.customer_id == "cust-42")).one()
        assert customer.traits == {"plan": "gold", "newsletter": True}
    assert batches and max(batches) <= 50, "at most 50 events per request"
    problems.assert_none()


def test_the_server_answer_decides_what_leaves_the_queue(shopper: Any, db: Engine) -> None:
    page = shopper
    problems = watch(page)
    page.goto("/demo/")
    anon_id = visitor_id(page)
    delivered(page, db, anon_id, lambda found: len(found) == 1)

    page.evaluate("Assistant.track('purchase', {value: 10}); Assistant.flush()")  # no order id: a 400 naming it
    page.wait_for_function(f"{QUEUE}.length === 0")

    answers = [(503, {}, "{}"), (429, {"Retry-After": "1"}, '{"error": {"code": "too_many_requests"}}')]
    seen: list[int] = []

    def answer(route: Any) -> None:
        status, headers, body = answers[len(seen) % 2]
        seen.append(status)
        route.fulfill(status=status, headers=headers, body=body, content_type="application/json")

    page.route(EVENTS, answer)
    page.evaluate("Assistant.track('newsletter_signup', {source: 'test'}); Assistant.flush()")
    page.evaluate("Assistant.flush()")
    assert seen == [503, 429]
    assert [e["type"] for e in queued(page)] == ["custom"], "kept for a retry"
    page.unroute(EVENTS, answer)

    events = delivered(page, db, anon_id, lambda found: len(found) == 2)
    assert [e.type for e in events] == ["page_view", "custom"]
    problems.assert_none(network_failures_expected=True)


def test_a_busy_server_is_left_alone_for_its_retry_after(shopper: Any, db: Engine) -> None:
    """A 503 with Retry-After (the database held by another writer) is not retried before it says; then it is."""
    page = shopper
    problems = watch(page)
    page.goto("/demo/")
    anon_id = visitor_id(page)
    delivered(page, db, anon_id, lambda found: len(found) == 1)
    seen: list[float] = []

    def busy(route: Any) -> None:
        seen.append(time.monotonic())
        route.fulfill(status=503, headers={"Retry-After": "6"}, content_type="application/json",
                      body='{"error": {"code": "service_unavailable", "field": null, "message": "busy"}}')

    page.route(EVENTS, busy)
    page.evaluate("Assistant.track('newsletter_signup', {source: 'test'}); Assistant.flush()")
    until(page, lambda: seen, "the first answer")
    page.wait_for_timeout(4500)  # the widget's 3-second timer fires at least once: backoff alone would send now
    assert len(seen) == 1, "retried before Retry-After"
    page.unroute(EVENTS, busy)
    events = delivered(page, db, anon_id, lambda found: len(found) == 2, flush=False)  # by the timer, after 6 s
    assert [e.type for e in events] == ["page_view", "custom"]
    problems.assert_none(network_failures_expected=True)
