"""Recommendation strips on the demo shop: placed by data-recs, lazy, attributed, and nothing at all when empty.

Most tests mock the strips' API answers with page.route, so they check the widget, not the recommenders:
chosen demo products, with the reasons, headings and JSON the server's own code writes (no text the server
never sends); the last ones ask the real endpoint, of the shared live server
(no trained models: no items) and of a second demo shop with a month of history and trained models.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy.engine import Engine

from assistant.api.shapes import strip_json
from assistant.db import make_engine
from assistant.demo.campaigns import FREE_SHIPPING
from assistant.demo.catalog import demo_rows
from assistant.demo.history import seed_history
from assistant.paths import resource_dir
from assistant.recommend.base import Reason
from assistant.recommend.catalog_view import CatalogItem
from assistant.recommend.popular import Popular, Trending
from assistant.recommend.quiz_match import _reason as quiz_reason
from assistant.recommend.recent import REASON as RECENTLY_VIEWED
from assistant.recommend.service import PLACEMENTS, RecResult
from assistant.recommend.service import _checkout as checkout_strip
from assistant.recommend.service import _name_sources as name_sources
from assistant.recommend.training import train_site
from assistant.timeutil import utcnow
from tests.browser.conftest import demo_shop
from tests.browser.helpers import Problems, box, focused, gave_up, tab_to, watch
from tests.browser.test_robustness import HOSTILE_CSS
from tests.browser.test_tracking import DESKTOP_UA, stored, until, visitor_id

RECS = "**/api/v1/recommendations*"
ROWS = {str(row["sku"]): row for row in demo_rows()}
CARTS = {"cart": ("rs-002", "sk-001"), "checkout": ("sk-001", "sk-002")}  # EUR 139.80; EUR 40.80, short of shipping
SHOES = Reason("bought_together", "Often bought together with an item you chose", "rs-002")
STRIPS: dict[str, tuple[list[str], list[Reason]]] = {
    "home": (["rs-009", "ac-003", "sk-009", "rj-001", "ac-006", "rs-006", "sk-002", "ac-001"],
             [quiz_reason(None), Reason(Trending.kind, Trending.text), Reason(Popular.kind, Popular.text)]),
    "product": (["sk-002", "ac-001", "rs-009", "rs-006", "ac-006", "sk-009", "ac-003", "rs-004"],
                [SHOES, SHOES, Reason("similar", "Similar to what you viewed", "rs-002"),
                 Reason("similar", "Similar to what you viewed", "rs-002"),
                 Reason(Popular.kind, Popular.text_in.format("Accessories")), Reason(Trending.kind, Trending.text)]),
    "cart": (["sk-005", "ac-005", "ac-001", "sk-009", "ac-006", "ac-008"],
             [SHOES, Reason(Popular.kind, Popular.text)]),
    "checkout": (["ac-005", "ac-009", "sk-004", "sk-008", "ac-001"],
                 [Reason("bought_together", "Often bought together with an item you chose", "sk-001"),
                  Reason(Popular.kind, Popular.text)]),
    "recent": (["rs-002", "sk-001", "ac-004"], [RECENTLY_VIEWED]),
}
"""The products each mocked strip holds, and the reasons the server's strategies give them, in order."""
PAGES = {"home": ("/demo/", "#picked"), "product": ("/demo/product/rs-002", "#related"),
         "cart": ("/demo/cart", ".cart-extras"), "checkout": ("/demo/checkout", "#addons"),
         "recent": ("/demo/", "#recent")}


def item(sku: str) -> CatalogItem:
    """A demo product as the recommenders hold it."""
    row = ROWS[sku]
    return CatalogItem(sku=sku, title=str(row["title"]), url=str(row["url"]), image=str(row["image"]),
                       price=float(str(row["price"])), currency=str(row["currency"]),
                       categories=tuple(str(row["categories"]).split("|")), rating=float(str(row["rating"])), attrs={})


def product(sku: str) -> dict[str, Any]:
    """A demo product as the API shows it (ProductPublic)."""
    return item(sku).public()


def answer(placement: str, *, items: bool = True) -> dict[str, Any]:
    """The API's answer for `placement` (or one with no items), written by the server's own code: its reasons
    named after their source product, the checkout's free-shipping gap and add-on ceiling, its JSON."""
    skus, reasons = STRIPS[placement]
    chosen = name_sources({sku: item(sku) for sku in ROWS},
                          [(item(sku), reasons[min(i, len(reasons) - 1)]) for i, sku in enumerate(skus)])
    if placement == "checkout":
        cart_value = sum(float(str(ROWS[sku]["price"])) for sku in CARTS[placement])
        chosen = checkout_strip(chosen, cart_value, float(FREE_SHIPPING), "EUR")
    result = RecResult(f"r_{placement}0123456789ab", placement, PLACEMENTS[placement].title, chosen if items else [])
    return dict(json.loads(strip_json(result)))


def skus_of(placement: str) -> list[str]:
    """The skus of the mocked strip, in order."""
    return [i["product"]["sku"] for i in answer(placement)["items"]]


def serve(page: Any, asked: list[dict[str, str]] | None = None, **answers: dict[str, Any]) -> list[dict[str, str]]:
    """Answer the strips' requests with `answers[placement]` (default: answer(placement)); returns their queries."""
    asked = [] if asked is None else asked

    def fulfill(route: Any) -> None:
        query = {k: v[0] for k, v in parse_qs(urlsplit(route.request.url).query, keep_blank_values=True).items()}
        asked.append(query)
        route.fulfill(json=answers.get(query["placement"]) or answer(query["placement"]))

    page.route(RECS, fulfill)
    return asked


def strip(page: Any, target: str) -> Any:
    """The strip rendered into the shop's element `target` (Playwright's CSS reaches into the shadow root)."""
    return page.locator(f"{target} section.recs")


def show(page: Any, target: str) -> Any:
    """Scroll the shop's element into view and wait for its strip."""
    page.locator(target).scroll_into_view_if_needed()
    found = strip(page, target)
    box(found)
    return found


def nothing_in(page: Any, target: str) -> None:
    """The shop's element shows nothing: no strip, no heading, no height."""
    element = page.locator(target)
    assert element.locator("[data-assistant]").count() == 0
    assert element.locator("h2, section").count() == 0
    assert element.evaluate("e => e.getBoundingClientRect().height") == 0
    assert element.inner_text() == ""


def fill_cart(page: Any, *skus: str) -> None:
    """Put products in the demo cart of the page's context (the cart lives in the session cookie)."""
    for sku in skus:
        response = page.request.post("/demo/cart/add", form={"sku": sku, "quantity": "1"})
        assert response.ok, response.status


def place(page: Any, path: str, recs: str, *, first: str = "", last: str = "") -> None:
    """Serve the page at `path` with data-recs="`recs`" and the markup `first` and `last` around the body's content."""
    def rewrite(route: Any) -> None:
        html = re.sub(r'data-recs="[^"]*"', f'data-recs="{recs}"', route.fetch().text())
        html = re.sub(r"(<body[^>]*>)", lambda m: m.group(1) + first, html).replace("</body>", last + "</body>")
        route.fulfill(body=html, content_type="text/html; charset=utf-8")

    page.route(f"**{path}", rewrite)


def events_sent(page: Any) -> list[dict[str, Any]]:
    """Every event the page posts to /api/v1/events from now on, in order; `via` is "fetch" or "ping" (a beacon)."""
    sent: list[dict[str, Any]] = []

    def collect(request: Any) -> None:
        if "/api/v1/events" in request.url and request.post_data:
            sent.extend({**e, "via": request.resource_type} for e in json.loads(request.post_data)["events"])

    page.on("request", collect)
    return sent


@pytest.fixture(scope="module")
def db(live_server: str, live_folder: Path) -> Iterator[Engine]:
    """An engine on the live server's database."""
    engine = make_engine(f"sqlite:///{live_folder / 'demo.db'}")
    yield engine
    engine.dispose()


@pytest.fixture(scope="module")
def trained_shop(chromium: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A second demo shop, with a month of shopping history and recommendation models trained on it."""
    def seed_and_train(session: Any, site: Any, models: Path) -> None:
        seed_history(session=session, site=site, now=utcnow(), visits=400)
        train_site(session=session, site=site, root=models, now=utcnow())

    with demo_shop(tmp_path_factory.mktemp("trained"), resource_dir("flows"), prepare=seed_and_train) as base:
        yield base


@pytest.mark.parametrize("placement", ["product", "cart", "checkout", "home", "recent"])
def test_a_strip_renders_cards_with_reasons(page: Any, problems: Problems, placement: str) -> None:
    if placement in ("cart", "checkout"):
        fill_cart(page, *CARTS[placement])
    asked = serve(page)
    path, target = PAGES[placement]
    page.goto(path)
    section = show(page, target)

    title, skus = PLACEMENTS[placement].title, skus_of(placement)
    assert section.get_attribute("aria-label") == title
    assert section.get_by_role("heading", level=2).inner_text() == title
    assert section.get_by_role("list").count() == 1
    cards = section.locator(".card")
    assert cards.count() == len(skus)
    first = product(skus[0])
    assert cards.first.get_attribute("href").endswith(f"/demo/product/{skus[0]}")
    assert cards.first.locator("img").get_attribute("alt") == first["title"]
    assert cards.first.locator(".name").inner_text() == first["title"]
    assert cards.first.locator(".price").inner_text() == f"€{first['price']:.2f}"
    assert cards.first.locator(".why").inner_text() == answer(placement)["items"][0]["reason"]["text"]
    assert section.get_by_role("link", name=first["title"]).count() == 1, "the title is read once, from the image"

    mine = [q for q in asked if q["placement"] == placement]  # the home page's other strip may be asked for too
    assert len(mine) == 1
    query = mine[0]
    assert (query["placement"], query["site"], query["n"]) == (placement, "pk_demo", "8")
    assert query["visitor"] == page.evaluate("localStorage.getItem('assistant:visitor')")
    assert query.get("product") == ("rs-002" if placement == "product" else None)
    assert query.get("cart") == ("rs-002,sk-001" if placement == "cart" else None), "the checkout's cart: the server's"
    problems.assert_none()


@pytest.mark.parametrize("failure", ["empty", "error", "down", "hangs"])
def test_nothing_at_all_when_empty_or_failing(page: Any, problems: Problems, failure: str) -> None:
    held: list[Any] = []
    if failure == "empty":
        serve(page, product=answer("product", items=False))
    elif failure == "error":
        page.route(RECS, lambda route: route.fulfill(status=500, json={"error": {"code": "internal"}}))
    elif failure == "down":
        page.route(RECS, lambda route: route.abort())
    else:
        page.route(RECS, lambda route: held.append(route))
    failed: list[Any] = []
    page.on("requestfailed", lambda request: failed.append(request))
    with page.expect_request(RECS):
        page.goto("/demo/product/rs-002")
        page.locator("#related").scroll_into_view_if_needed()
    if failure == "hangs":  # the widget gives up after 4 s: it aborts the request, then the answer comes
        gave_up(page, held, failed)
        for route in held:
            try:
                route.fulfill(json=answer("product"))
            except Exception:  # noqa: BLE001  (the widget gave up on this request long ago)
                pass
    page.wait_for_timeout(700)
    nothing_in(page, "#related")
    assert page.get_by_role("heading", name="Often bought together").count() == 0
    problems.assert_none(network_failures_expected=failure != "empty")


def test_no_strip_code_where_no_selector_matches(page: Any, problems: Problems) -> None:
    page.add_init_script("window.__before = Object.keys(window);")
    requested: list[str] = []
    page.on("request", lambda r: requested.append(urlsplit(r.url).path))
    page.goto("/demo/category/socks")
    page.goto("/demo/search?q=merino")
    page.wait_for_timeout(500)
    assert not [p for p in requested if p.endswith(("/recs.js", "/recs.css", "/recommendations"))]
    serve(page)
    page.goto("/demo/product/rs-002")
    page.wait_for_function("window.Assistant && typeof Assistant._recs === 'function'")
    assert "/static/widget/recs.js" in requested
    show(page, "#related")
    added = page.evaluate("Object.keys(window).filter(k => !window.__before.includes(k) && k !== '__before')")
    assert added == ["Assistant"], "recs.js adds no global of its own"
    problems.assert_none()


def test_the_request_waits_until_the_element_nears_the_viewport(page: Any, problems: Problems) -> None:
    place(page, "/demo/", "home: #far", last='<div id="far"></div>')  # below the footer, and the only placement
    asked = serve(page)
    page.goto("/demo/")
    page.wait_for_function("window.Assistant && typeof Assistant._recs === 'function'")
    distance = page.evaluate("document.querySelector('#far').getBoundingClientRect().top - innerHeight")
    assert distance > 1000
    page.mouse.wheel(0, distance - 600)  # still 600 px away: not yet
    page.wait_for_timeout(800)
    assert asked == []
    with page.expect_request(RECS):
        page.mouse.wheel(0, 450)  # 150 px away: within the 200 px margin
    box(strip(page, "#far"))
    assert [q["placement"] for q in asked] == ["home"]
    problems.assert_none()


def test_without_intersection_observer_it_fetches_at_once(new_page: Callable[..., Any]) -> None:
    page = new_page(user_agent=DESKTOP_UA)
    problems = watch(page)
    page.add_init_script("delete window.IntersectionObserver;")
    asked = serve(page)
    sent = events_sent(page)
    page.goto("/demo/product/rs-002")
    strip(page, "#related").wait_for(state="attached")
    assert [q["placement"] for q in asked] == ["product"]
    page.evaluate("Assistant.flush()")
    until(page, lambda: [e for e in sent if e["type"] == "rec_impression"], "the impression")
    problems.assert_none()


def test_one_impression_when_seen_and_a_click_before_leaving(new_page: Callable[..., Any], db: Engine) -> None:
    page = new_page(user_agent=DESKTOP_UA)
    problems = watch(page)
    serve(page)
    sent = events_sent(page)
    page.goto("/demo/product/rs-002")
    anon_id = visitor_id(page)
    page.locator("#related").scroll_into_view_if_needed()
    section = strip(page, "#related")
    box(section)
    page.evaluate("Assistant.flush()")
    impressions = until(page, lambda: [e for e in sent if e["type"] == "rec_impression"], "the impression")
    skus = skus_of("product")
    assert impressions[0]["ref"] == answer("product")["rec"]
    assert (impressions[0]["placement"], impressions[0]["skus"]) == ("product", skus)

    for _ in range(2):  # seen again: no second impression
        page.evaluate("window.scrollTo(0, 0)")
        page.wait_for_timeout(300)
        page.locator("#related").scroll_into_view_if_needed()
        page.wait_for_timeout(300)
    page.evaluate("Assistant.flush()")
    assert len([e for e in sent if e["type"] == "rec_impression"]) == 1

    page.mouse.move(0, 0)
    card = section.locator(".card").nth(2)
    card.click()
    page.wait_for_url(f"**/demo/product/{skus[2]}")
    clicks = until(page, lambda: [e for e in sent if e["type"] == "rec_click" and e["via"] == "ping"], "a beacon")
    assert clicks[0]["ref"] == answer("product")["rec"]
    assert (clicks[0]["placement"], clicks[0]["sku"], clicks[0]["page"]) == ("product", skus[2], "/demo/product/rs-002")

    def both() -> list[Any]:
        page.evaluate("window.Assistant && Assistant.flush()")
        found = [e for e in stored(db, anon_id) if e.type.startswith("rec_")]
        return found if len(found) == 2 else []

    impression, click = sorted(until(page, both, "both events stored"), key=lambda e: e.type, reverse=True)
    assert (impression.type, impression.ref, impression.data["placement"], impression.data["skus"]) == (
        "rec_impression", answer("product")["rec"], "product", skus)
    assert (click.type, click.ref, click.sku, click.data["placement"]) == ("rec_click", answer("product")["rec"],
                                                                         skus[2], "product")
    # the strategy of the strip's first item and of the clicked one (their reasons' kinds), for the earnings page
    kinds = [item["reason"]["kind"] for item in answer("product")["items"]]
    assert (impression.data.get("variant"), click.data.get("variant")) == (kinds[0], kinds[2])
    problems.assert_none()


def test_a_click_is_beaconed_at_once(new_page: Callable[..., Any]) -> None:
    page = new_page(user_agent=DESKTOP_UA)
    problems = watch(page)
    serve(page)
    sent = events_sent(page)
    page.goto("/demo/product/rs-002")
    page.evaluate("document.addEventListener('click', e => e.preventDefault())")  # stay on the page
    section = show(page, "#related")
    section.locator(".card").first.click()
    clicks = until(page, lambda: [e for e in sent if e["type"] == "rec_click"], "the click")
    assert clicks[0]["via"] == "ping" and clicks[0]["sku"] == "sk-002", "sent with the beacon, not at the next flush"
    assert page.url.endswith("/demo/product/rs-002")
    problems.assert_none()


def test_keyboard_reaches_the_cards_and_the_arrows_scroll(page: Any, problems: Problems) -> None:
    serve(page)
    page.goto("/demo/product/rs-002")
    section = show(page, "#related")
    page.get_by_role("button", name="Add to cart").focus()
    tab_to(page, "card")
    now = focused(page)
    assert now["tag"] == "a" and now["text"].startswith(product("sk-002")["title"])
    ring = section.locator(".card").first.evaluate("a => getComputedStyle(a).outlineStyle + ' ' + "
                                                   "getComputedStyle(a).outlineWidth")
    assert ring == "solid 2px", "a visible focus ring"
    row = section.locator(".row")
    for _ in range(6):
        page.keyboard.press("Tab")
    assert focused(page)["cls"] == "card"
    assert row.evaluate("r => r.scrollLeft") > 0, "the focused card scrolled into view"

    row.evaluate("r => r.scrollTo({left: 0})")
    previous, following = section.get_by_role("button", name="Previous products"), section.get_by_role(
        "button", name="Next products")
    page.wait_for_function("b => b.getAttribute('aria-disabled') === 'true'", arg=previous.element_handle())
    following.click()
    page.wait_for_function("r => r.scrollLeft > 100", arg=row.element_handle())
    page.wait_for_function("b => b.getAttribute('aria-disabled') === 'false'", arg=previous.element_handle())
    problems.assert_none()


def test_a_strip_on_a_phone_shows_two_cards_and_a_peek(new_page: Callable[..., Any]) -> None:
    page = new_page(phone=True)
    problems = watch(page)
    serve(page)
    page.goto("/demo/product/rs-002")
    section = show(page, "#related")
    cards = [box(section.locator(".card").nth(i)) for i in range(3)]
    assert len({round(c["y"]) for c in cards}) == 1, "one row"
    assert 130 <= cards[0]["width"] <= 170
    assert cards[2]["x"] < 390 < cards[2]["x"] + cards[2]["width"], "the third card peeks in"
    assert section.locator(".arrows").is_hidden(), "no arrow buttons on a touch screen: swipe"
    problems.assert_none()


def test_hostile_page_css_does_not_break_the_strip(page: Any, problems: Problems) -> None:
    # Everything the hostile sheet does, but to the shop's own element (a sheet that breaks that breaks the page).
    def hostile(route: Any) -> None:
        response = route.fetch()
        route.fulfill(response=response, body=response.text() + HOSTILE_CSS +
                      "#here { all: revert !important; flex: none !important; width: 1180px !important; }")

    page.route("**/static/demo/shop.css", hostile)
    place(page, "/demo/product/rs-002", "product: #here", first='<div id="here"></div>')
    serve(page)
    page.goto("/demo/product/rs-002")
    assert page.evaluate("getComputedStyle(document.body).fontStyle") == "italic", "the hostile CSS applies"
    section = strip(page, "#here")
    box(section)
    host = page.locator("#here [data-assistant]")
    assert host.evaluate("h => [getComputedStyle(h).opacity, getComputedStyle(h).transform]") == ["1", "none"]
    assert section.locator("h2").evaluate("h => getComputedStyle(h).fontSize") == "24px"
    page.mouse.move(0, 0)
    cards = [box(section.locator(".card").nth(i)) for i in range(5)]
    assert len({round(c["y"]) for c in cards}) == 1, "five cards side by side"
    assert all(c["width"] > 180 and c["height"] > 220 for c in cards)
    image = box(section.locator("img").first)
    assert image["width"] > 180 and image["height"] > 120
    assert section.locator(".why").first.evaluate("w => getComputedStyle(w).textTransform") == "none"
    problems.assert_none()


def test_works_under_the_strict_content_security_policy(page: Any, problems: Problems) -> None:
    page.add_init_script("""
        window.__violations = [];
        document.addEventListener('securitypolicyviolation',
            e => window.__violations.push(e.violatedDirective + ' ' + e.blockedURI), true);
    """)
    fill_cart(page, "rs-002")
    serve(page)
    for placement in ["product", "cart"]:
        path, target = PAGES[placement]
        response = page.goto(path)
        assert "script-src 'self'" in response.headers["content-security-policy"]
        show(page, target)
        assert page.evaluate("window.__violations") == [], placement
    problems.assert_none()


def test_the_real_endpoint_answers_the_strip_request(new_page: Callable[..., Any]) -> None:
    page = new_page(user_agent=DESKTOP_UA)
    problems = watch(page)
    with page.expect_response(RECS) as answered:
        page.goto("/demo/product/rs-002")
        page.locator("#related").scroll_into_view_if_needed()
    response = answered.value
    assert response.status == 200, response.text()
    body = response.json()
    assert body["placement"] == "product" and body["rec"] and body["title"]
    page.wait_for_timeout(500)
    if body["items"]:  # a trained bundle: the strip shows them
        assert strip(page, "#related").locator(".card").count() == len(body["items"])
    else:  # no bundle trained for the test site: nothing at all
        nothing_in(page, "#related")
    problems.assert_none()


@pytest.mark.parametrize("placement", ["product", "cart"])
def test_real_recommendations_render_and_are_attributed(new_page: Callable[..., Any], trained_shop: str,
                                                        placement: str) -> None:
    page = new_page(base_url=trained_shop, user_agent=DESKTOP_UA)
    problems = watch(page)
    sent = events_sent(page)
    if placement == "cart":
        fill_cart(page, "rs-002")
    path, target = PAGES[placement]
    with page.expect_response(RECS) as answered:
        page.goto(path)
        page.locator(target).scroll_into_view_if_needed()
    body = answered.value.json()
    assert answered.value.status == 200 and body["items"], body
    section = strip(page, target)
    box(section)

    assert section.locator("h2").inner_text() == body["title"]
    cards = section.locator(".card")
    assert cards.count() == len(body["items"])
    for i, item in enumerate(body["items"][:3]):
        assert cards.nth(i).locator("img").get_attribute("alt") == item["product"]["title"]
        assert cards.nth(i).locator(".why").inner_text() == item["reason"]["text"]
    skus = [item["product"]["sku"] for item in body["items"]]
    assert "rs-002" not in skus, "not the product on the page, nor one in the cart"
    page.evaluate("Assistant.flush()")
    impression = until(page, lambda: [e for e in sent if e["type"] == "rec_impression"], "the impression")[0]
    assert (impression["ref"], impression["placement"], impression["skus"]) == (body["rec"], placement, skus)
    problems.assert_none()


@pytest.mark.parametrize("phone", [True, False], ids=["phone", "desktop"])
@pytest.mark.parametrize("placement", ["home", "product", "cart", "checkout"])
def test_no_strip_makes_the_page_wider_than_its_window(new_page: Callable[..., Any], placement: str,
                                                       phone: bool) -> None:
    """A card's visually hidden text once escaped the row's overflow: the whole page scrolled sideways."""
    page = new_page(phone=phone)
    problems = watch(page)
    if placement in ("cart", "checkout"):
        fill_cart(page, *CARTS[placement])
    serve(page)
    path, target = PAGES[placement]
    page.goto(path)
    section = show(page, target)
    section.locator(".row").evaluate("row => row.scrollTo(row.scrollWidth, 0)")  # the last card in view
    widths = page.evaluate("() => [document.documentElement.scrollWidth, document.body.scrollWidth, innerWidth]")
    assert widths[0] <= widths[2] and widths[1] <= widths[2], f"page {widths[0]} / body {widths[1]} px wide " \
                                                              f"in a {widths[2]} px window"
    problems.assert_none()
