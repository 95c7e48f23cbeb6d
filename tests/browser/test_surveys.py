"""Micro-surveys in the widget, against the real API: after a demo purchase, by keyboard alone; dismissed for good;
nothing at all when the API is down or answers nonsense; one interruption when a promotion and a survey could both
show; the Japanese survey on a phone. The screenshots of docs/surveys.md are taken here
(SURVEY_SCREENSHOTS=docs/screenshots to renew them).

Surveys are sampled per visitor id, so each test picks ids the server's own `sampled` puts in (or out of) the
surveys it wants, and pins one in the widget's localStorage before the page loads.
"""

from __future__ import annotations

import json
import os
import shutil
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from assistant.db import make_engine
from assistant.demo.campaigns import seed_campaigns
from assistant.paths import resource_dir
from assistant.surveys.eligibility import sampled
from assistant.surveys.models import SurveyResponse
from assistant.surveys.registry import SurveyRegistry
from tests.browser.conftest import demo_shop
from tests.browser.helpers import NETWORK_LOG, Network, complete, dialog, focused, watch
from tests.browser.test_hostile_host import HOSTILE, RECORD_REJECTIONS
from tests.browser.test_promotions import as_visitor, exit_intent
from tests.browser.test_recommendations import fill_cart
from tests.browser.test_tracking import DESKTOP_UA, PHONE_UA, stored, until, visitor_id

SURVEYS = "**/api/v1/surveys?*"
PROMOS = "**/api/v1/promotions?*"
CARD = "[data-assistant=survey] section.card"

# Test-only surveys beside the shipped ones: one on category pages (no event), one on exit intent from a product.
CATEGORY_CSAT = """\
id: category-help
title: Category pages help
placement: {pages: ["/demo/category/*"]}
sample: 1
recontact_days: 0
questions:
  - {id: helpful, type: csat, style: faces, text: Did this page help you choose?}
thanks: Thanks!
"""
EXIT_SURVEY = """\
id: leaving
title: Why leave?
placement: {pages: ["/demo/product/*"], exit_intent: true}
sample: 1
questions:
  - id: found
    type: single
    text: Did you find what you came for?
    choices: [{id: "yes", text: "Yes"}, {id: "no", text: "No"}]
"""


@pytest.fixture(scope="module")
def survey_folder(chromium: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shop's folder: demo.db and surveys/ (the shipped surveys and the two above)."""
    folder = tmp_path_factory.mktemp("surveys")
    shutil.copytree(resource_dir("surveys"), folder / "surveys")
    (folder / "surveys" / "category-help.yaml").write_text(CATEGORY_CSAT, encoding="utf-8")
    (folder / "surveys" / "leaving.yaml").write_text(EXIT_SURVEY, encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def survey_shop(survey_folder: Path) -> Iterator[str]:
    """A demo shop with these surveys and the demo campaigns live; yields its base URL."""
    def seed(session: Any, site: Any, _models: Path) -> None:
        seed_campaigns(session=session, site=site)

    with demo_shop(survey_folder, resource_dir("flows"), prepare=seed, surveys=survey_folder / "surveys") as base:
        yield base


@pytest.fixture(scope="module")
def db(survey_shop: str, survey_folder: Path) -> Iterator[Engine]:
    """An engine on the shop's database."""
    engine = make_engine(f"sqlite:///{survey_folder / 'demo.db'}")
    yield engine
    engine.dispose()


@pytest.fixture
def shopper(new_page: Callable[..., Any], survey_shop: str) -> Callable[..., Any]:
    """Make a page on the survey shop with a real browser's user agent (phone=True: a phone's)."""
    def make(*, phone: bool = False, **options: Any) -> Any:
        return new_page(phone=phone, base_url=survey_shop, user_agent=PHONE_UA if phone else DESKTOP_UA, **options)

    return make


@pytest.fixture
def shots(tmp_path: Path) -> Path:
    """Where screenshots go: the test's temporary folder, or the folder SURVEY_SCREENSHOTS names (docs/screenshots
    to renew those of docs/surveys.md)."""
    folder = Path(os.environ.get("SURVEY_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def visitor_for(folder: Path, *, shown: str, not_shown: tuple[str, ...] = ()) -> str:
    """A fresh visitor id in the sample of survey `shown` and out of those of `not_shown`."""
    registry = SurveyRegistry(folder / "surveys", reload=False)
    for _ in range(10_000):
        anon = f"shopper-{uuid.uuid4().hex[:16]}"
        if sampled(registry.get(shown), site_key="pk_demo", anon_id=anon) and not any(
                sampled(registry.get(other), site_key="pk_demo", anon_id=anon) for other in not_shown):
            return anon
    raise AssertionError(f"no visitor is sampled into {shown}")


def buy(page: Any, sku: str = "ac-003") -> None:
    """Place a demo order (the confirmation page records the purchase)."""
    fill_cart(page, sku)
    page.goto("/demo/checkout")
    page.fill("#f-name", "Robin Fell")
    page.fill("#f-email", "robin@example.com")
    page.fill("#f-address", "1 Ridge Road")
    page.fill("#f-city", "12345 Hilltown")
    page.locator("form.checkout-form button[type=submit]").click()  # "Place order" in the page's language
    page.locator(".thanks h1").wait_for()


def posts(page: Any) -> list[dict[str, Any]]:
    """The body of every response POST the page makes from now on, with the answer's status."""
    found: list[dict[str, Any]] = []
    page.on("response", lambda r: found.append({**json.loads(r.request.post_data), "status": r.status})
            if "/responses" in r.url and r.request.method == "POST" else None)
    return found


def stored_responses(db: Engine, survey_id: str) -> list[SurveyResponse]:
    """The survey's stored responses."""
    with Session(db) as session:
        return list(session.exec(select(SurveyResponse).where(SurveyResponse.survey_id == survey_id)))


def survey_events(page: Any, db: Engine, anon: str, count: int) -> list[tuple[str, str | None, str | None]]:
    """(type, survey, placement) of the visitor's stored survey events, once there are `count`."""
    def check() -> list[tuple[str, str | None, str | None]]:
        page.evaluate("Assistant.flush()")
        found = [(e.type, e.ref, e.data.get("placement")) for e in stored(db, anon) if e.type.startswith("survey_")]
        return found if len(found) >= count else []

    return list(until(page, check, f"{count} survey events"))


def no_survey(page: Any) -> None:
    """Nothing of a survey in the page."""
    assert page.locator("[data-assistant=survey]").count() == 0


def test_a_survey_after_a_purchase_answered_by_keyboard_alone(shopper: Callable[..., Any], db: Engine,
                                                               survey_folder: Path) -> None:
    page = shopper()
    problems = watch(page)
    anon = visitor_for(survey_folder, shown="post-purchase-nps", not_shown=("checkout-ces",))
    as_visitor(page, anon)
    sent = posts(page)
    buy(page)

    card = page.locator(CARD)
    card.wait_for()
    page.wait_for_function("() => document.querySelector('[data-assistant=survey]').style.display !== 'none'")
    until(page, lambda: (focused(page) or {}).get("inDialog"), "the focus to move into the card")
    assert card.get_attribute("lang") == "en"
    group = card.get_by_role("radiogroup")
    assert group.get_attribute("aria-labelledby") and card.locator(f"#{group.get_attribute('aria-labelledby')}") \
        .inner_text() == "How likely are you to recommend Trailhead Outfitters to a friend?"
    radios = group.get_by_role("radio")
    assert radios.count() == 11
    assert radios.first.get_attribute("aria-label") == "0, Not at all likely"
    assert radios.last.get_attribute("aria-label") == "10, Extremely likely"
    ends = card.locator(".ends").inner_text().split("\n")
    assert ends == ["0 \u2013 Not at all likely", "10 \u2013 Extremely likely"]

    for _ in range(5):  # Tab to the group
        page.keyboard.press("Tab")
        if (focused(page) or {}).get("role") == "radio":
            break
    assert (focused(page) or {}).get("text") == "0"
    page.keyboard.press("End")
    assert (focused(page) or {}).get("text") == "10" and radios.last.get_attribute("aria-checked") == "true"
    page.keyboard.press("ArrowRight")  # round to the start
    assert (focused(page) or {}).get("text") == "0"
    page.keyboard.press("End")
    page.keyboard.press("Home")
    for _ in range(3):
        page.keyboard.press("ArrowRight")
    assert (focused(page) or {}).get("text") == "3"
    with page.expect_response(lambda r: "/responses" in r.url):
        page.keyboard.press("Space")  # chosen: saved at once
    assert [radio.get_attribute("tabindex") for radio in radios.all()].count("0") == 1
    assert radios.nth(3).get_attribute("aria-checked") == "true"
    first = sent[-1]
    assert (first["answers"], first["complete"], first["placement"], first["visitor"]) == ({"recommend": 3}, False,
                                                                                           "purchase", anon)
    assert first["status"] == 201

    comment = card.locator("textarea")
    comment.wait_for()  # the detractors' follow-up
    assert card.locator("text=What did you like most?").count() == 0
    page.keyboard.press("Tab")
    assert (focused(page) or {}).get("tag") == "textarea"
    page.keyboard.type("Delivery took ten days.")
    page.keyboard.press("Tab")
    assert (focused(page) or {}).get("text") == "Send"
    with page.expect_response(lambda r: "/responses" in r.url):
        page.keyboard.press("Enter")
    assert card.locator(".thanks").inner_text() == "Thank you! Your answer helps us improve."
    last = sent[-1]
    assert (last["response_id"], last["complete"]) == (first["response_id"], True)
    assert last["answers"] == {"recommend": 3, "better": "Delivery took ten days."} and last["status"] == 200

    assert sorted(survey_events(page, db, anon, 2)) == [("survey_answered", "post-purchase-nps", "purchase"),
                                                        ("survey_shown", "post-purchase-nps", "purchase")]
    saved = [r for r in stored_responses(db, "post-purchase-nps") if r.response_id == first["response_id"]]
    assert [(r.score, r.comment, r.complete, r.placement) for r in saved] == [
        (3, "Delivery took ten days.", True, "purchase")]
    page.locator("[data-assistant=survey]").wait_for(state="detached")  # the thanks fade after a few seconds
    assert focused(page) is None or not (focused(page) or {}).get("inDialog")
    problems.assert_none()


def test_a_tap_without_follow_ups_completes_it(shopper: Callable[..., Any], db: Engine, survey_folder: Path) -> None:
    page = shopper(phone=True)
    problems = watch(page)
    anon = visitor_for(survey_folder, shown="post-purchase-nps", not_shown=("checkout-ces",))
    as_visitor(page, anon)
    sent = posts(page)
    buy(page)
    card = page.locator(CARD)
    card.wait_for()
    targets = card.locator("[role=radio], .x").evaluate_all(
        "nodes => nodes.map(n => { const b = n.getBoundingClientRect(); return [b.width, b.height]; })")
    assert all(w >= 44 and h >= 44 for w, h in targets), targets
    assert card.evaluate("c => c.scrollWidth <= c.clientWidth")
    with page.expect_response(lambda r: "/responses" in r.url):
        card.get_by_role("radio", name="8", exact=True).tap()  # a passive: nothing to follow up
    card.locator(".thanks").wait_for()
    until(page, lambda: sent and sent[-1]["complete"], "the completing POST")
    assert sent[-1]["answers"] == {"recommend": 8}
    problems.assert_none()


def test_after_the_quiz_the_survey_waits_for_its_dialog_to_close(shopper: Callable[..., Any]) -> None:
    page = shopper()
    problems = watch(page)
    page.goto("/demo/")
    page.locator(".launcher").click()
    panel = dialog(page)
    with page.expect_response(lambda r: "/api/v1/surveys?" in r.url and "placement=quiz_finished" in r.url) as asked:
        complete(page, panel, keyboard=False)
    assert asked.value.json()["survey"]["id"] == "quiz-csat"
    page.wait_for_timeout(1200)
    assert page.locator(CARD).count() == 0, "not over the quiz's results"
    page.keyboard.press("Escape")
    card = page.locator(CARD)
    card.wait_for()
    assert card.get_by_role("radio").all_inner_texts() == ["Not at all", "Not really", "Partly", "Mostly",
                                                           "Yes, exactly"]
    until(page, lambda: (focused(page) or {}).get("inDialog"), "the focus to move into the card")
    problems.assert_none()


def test_a_dismissed_survey_does_not_come_back(shopper: Callable[..., Any], db: Engine) -> None:
    page = shopper()
    problems = watch(page)
    with page.expect_response(SURVEYS) as answered:
        page.goto("/demo/category/rain-jackets")
    offered = answered.value.json()
    assert offered["survey"]["id"] == "category-help"
    card = page.locator(CARD)
    card.wait_for()
    faces = card.get_by_role("radio")
    assert faces.count() == 5 and faces.first.locator("svg").count() == 1
    assert faces.all_inner_texts() == ["Very unsatisfied", "Unsatisfied", "Neutral", "Satisfied", "Very satisfied"]
    until(page, lambda: (focused(page) or {}).get("inDialog"), "the focus to move into the card")
    page.keyboard.press("Escape")
    card.wait_for(state="detached")
    assert page.evaluate("JSON.parse(localStorage.getItem('assistant:surveys'))")["category-help"] > 0
    anon = visitor_id(page)
    assert survey_events(page, db, anon, 2) == [("survey_shown", "category-help", "page"),
                                                ("survey_dismissed", "category-help", "page")]

    with page.expect_response(SURVEYS):
        page.reload()
    page.wait_for_timeout(500)
    no_survey(page)

    # even when the server offers it again (its own pause set to none), this browser keeps it dismissed
    page.route(SURVEYS, lambda route: route.fulfill(json=offered))
    with page.expect_response(SURVEYS):
        page.goto("/demo/category/running-shoes")
    page.wait_for_timeout(500)
    no_survey(page)
    page.unroute(SURVEYS)
    problems.assert_none()


@pytest.mark.parametrize("failure", ["abort", "500", "bad json", "hostile shape", "no module"])
def test_nothing_shows_and_nothing_throws_when_surveys_fail(shopper: Callable[..., Any], failure: str) -> None:
    page = shopper()
    problems = watch(page)
    if failure == "abort":
        page.route(SURVEYS, lambda route: route.abort())
    elif failure == "500":
        page.route(SURVEYS, lambda route: route.fulfill(status=500, body="oops"))
    elif failure == "bad json":
        page.route(SURVEYS, lambda route: route.fulfill(body="{\"survey\": {", content_type="application/json"))
    elif failure == "hostile shape":
        page.route(SURVEYS, lambda route: route.fulfill(json={"survey": {"id": "x", "questions": [
            {"id": "q", "type": "nps", "points": "zero to ten", "show_if": 7}, None, 5]}}))
    else:
        page.route("**/widget/survey.js", lambda route: route.abort())
    network = Network(page)
    with page.expect_response(SURVEYS) if failure != "abort" else page.expect_request(SURVEYS):
        page.goto("/demo/category/rain-jackets")
    network.quiet(300)  # what the answer would load (survey.js) came, and its card would show
    if failure != "hostile shape":
        no_survey(page)
    else:  # what could be shown is, and the rest is left out
        assert page.locator(f"{CARD} [role=radio]").count() == 0
    problems.assert_none(network_failures_expected=True)


def late(seconds: float) -> Callable[[Any], None]:
    """A route handler that answers from the server `seconds` late."""
    def answer(route: Any) -> None:
        response = route.fetch()
        time.sleep(seconds)
        route.fulfill(response=response)

    return answer


class Traffic:
    """The page's requests from now on: which are still open, how many began, which of the two APIs have answered
    (or failed: an aborted route)."""

    APIS = ("/api/v1/promotions?", "/api/v1/surveys?")

    def __init__(self, page: Any) -> None:
        self.open: set[Any] = set()
        self.begun = 0
        self.answered: set[str] = set()
        page.on("request", self.start)
        page.on("requestfinished", self.end)
        page.on("requestfailed", self.end)

    def start(self, request: Any) -> None:
        self.open.add(request)
        self.begun += 1

    def end(self, request: Any) -> None:
        self.open.discard(request)
        self.answered.update(api for api in self.APIS if api in request.url)

    def settled(self) -> bool:
        return len(self.answered) == len(self.APIS) and not self.open


def exit_with_a_cart(page: Any, *, route: tuple[str, Callable[[Any], None]] | None = None) -> tuple[int, int]:
    """Leave a product page with a full cart (the demo's exit campaign wants one), with a `route` for the API;
    how many survey cards and promotion dialogs show once both APIs have answered and the page is quiet (every
    module they loaded has loaded, and nothing new was asked for 300 ms)."""
    if route:
        page.route(*route)
    for sku in ["sk-002", "ac-009"]:  # products the shopper looked at: the exit panel recommends them
        page.goto(f"/demo/product/{sku}")
    fill_cart(page, "ac-003")
    page.goto("/demo/cart")  # where the widget sees the cart
    page.goto("/demo/product/rj-002")
    page.wait_for_timeout(600)  # the page's own requests first
    traffic = Traffic(page)
    exit_intent(page)
    counts = lambda: (page.locator(CARD).count(), page.locator("[data-assistant=promo-dialog]").count())  # noqa: E731
    until(page, lambda: sum(counts()), "a survey or a promotion")
    while True:  # the other one comes, if at all, with the other API's answer and the module it loads
        until(page, traffic.settled, "both APIs' answers and the modules they load")
        begun = traffic.begun
        page.wait_for_timeout(300)
        if traffic.settled() and traffic.begun == begun:
            return counts()


@pytest.mark.parametrize("name", list(HOSTILE))
def test_a_hostile_host_page_gets_no_error_from_the_survey(shopper: Callable[..., Any], name: str) -> None:
    """The shop broke a global before the widget loaded (survey.js, loaded later, finds it broken too): the survey
    shows, or nothing does, and no error reaches the page."""
    page = shopper()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(f"pageerror: {exc}"))
    page.on("console", lambda msg: errors.append(f"console: {msg.text}")
            if msg.type == "error" and not msg.text.startswith(NETWORK_LOG) else None)
    page.add_init_script(RECORD_REJECTIONS + HOSTILE[name][0])
    network = Network(page)
    page.goto("/demo/category/rain-jackets")
    network.quiet(300)  # the survey asked for, survey.js loaded, the card shown (or nothing, when broken)
    card = page.locator(CARD)
    if card.count():
        card.get_by_role("radio").first.click()
        page.keyboard.press("Escape")
        network.quiet()
    rejections = page.locator("html").get_attribute("data-rejections")
    assert errors == [] and not rejections, (errors, rejections)


def test_a_promotion_and_a_survey_on_one_exit_only_one_shows(shopper: Callable[..., Any]) -> None:
    """Each alone is eligible; asked at once, the server offers both (neither has been shown when it decides),
    and the widget shows one: the promotion's dialog, before or after the survey's answer (an untouched survey
    gives way)."""
    abort = lambda route: route.abort()  # noqa: E731
    assert exit_with_a_cart(shopper(), route=(PROMOS, abort)) == (1, 0), "the survey alone is eligible"
    assert exit_with_a_cart(shopper(), route=(SURVEYS, abort)) == (0, 1), "the promotion alone is eligible"
    for route in [None, (PROMOS, late(1.2)), (SURVEYS, late(1.2))]:
        page = shopper()
        problems = watch(page)
        assert exit_with_a_cart(page, route=route) == (0, 1), route
        problems.assert_none()


def test_the_japanese_survey_wraps_on_a_phone(shopper: Callable[..., Any], survey_folder: Path, shots: Path) -> None:
    page = shopper(phone=True)
    problems = watch(page)
    anon = visitor_for(survey_folder, shown="post-purchase-nps-ja")
    as_visitor(page, anon)
    purchase = json.dumps({"order_id": f"ja-{anon}", "value": 31.9, "currency": "EUR",
                           "items": [{"sku": "ac-003", "price": 31.9, "quantity": 1}]})

    def japanese(route: Any) -> None:
        html = page.request.get("/demo/").text().replace('<html lang="en">', '<html lang="ja">')
        block = f'<script type="application/json" data-assistant-purchase>{purchase}</script>'
        html = html.replace("</main>", block + "</main>")
        route.fulfill(body=html, content_type="text/html; charset=utf-8")

    page.route("**/ja/thanks", japanese)
    page.goto("/ja/thanks")
    card = page.locator(CARD)
    card.wait_for()
    assert card.get_attribute("lang") == "ja"
    card.get_by_role("radio", name="2", exact=True).tap()
    card.locator("textarea").wait_for()
    overflowing = card.evaluate("c => [c, ...c.querySelectorAll('*')].filter(n => n.scrollWidth > n.clientWidth + 1)"
                                ".map(n => n.className)")
    assert overflowing == []
    assert card.locator(".send").inner_text() == "送信"
    page.screenshot(path=str(shots / "survey-ja-phone.png"))
    problems.assert_none()


@pytest.mark.parametrize("phone", [False, True], ids=["desktop", "phone"])
def test_screenshots(shopper: Callable[..., Any], survey_folder: Path, shots: Path, phone: bool) -> None:
    page = shopper(phone=phone)
    anon = visitor_for(survey_folder, shown="post-purchase-nps", not_shown=("checkout-ces",))
    as_visitor(page, anon)
    buy(page)
    card = page.locator(CARD)
    card.wait_for()
    card.get_by_role("radio", name="9", exact=True).click()
    card.locator("input[type=checkbox]").first.wait_for()
    card.locator(".check").nth(1).click()
    page.mouse.move(0, 0)
    page.wait_for_timeout(400)
    assert card.locator(".check input:checked").count() == 1
    page.screenshot(path=str(shots / f"survey-{'phone' if phone else 'desktop'}.png"))
