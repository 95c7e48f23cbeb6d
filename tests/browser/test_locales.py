"""The demo in German and in Arabic (right to left), against the real API and the shipped catalogue: the quiz, a
promotion and the NPS survey in the page's language, prices as the locale writes them (the browser's Intl and the
server's Babel agree), at phone and desktop widths. The screenshots of docs/i18n.md and the README are taken here
(LOCALE_SCREENSHOTS=docs/screenshots to renew them)."""

from __future__ import annotations

import json
import os
import re
import shutil
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import select

from assistant.catalog.money import format_money
from assistant.demo.campaigns import seed_campaigns
from assistant.paths import resource_dir
from assistant.promotions.models import Campaign
from tests.browser.conftest import demo_shop
from tests.browser.helpers import complete, dialog, result_titles, watch
from tests.browser.test_promotions import as_visitor
from tests.browser.test_recommendations import fill_cart
from tests.browser.test_surveys import CARD, buy, visitor_for
from tests.browser.test_tracking import DESKTOP_UA, PHONE_UA

WORDS = {  # what each locale shows, from translations/<locale>/LC_MESSAGES/messages.po
    "de": {"launcher": "Meinen Laufschuh finden", "first": "Wo laufen Sie am meisten?", "step": "Frage 1 von",
           "matches": "Ihre Treffer", "dir": "ltr", "survey": "Wie wahrscheinlich ist es",
           "send": "Senden", "promo": "Versand", "dismiss": "Schließen"},
    "ar": {"launcher": "اعثر على حذائي", "first": "أين تجري في أغلب الأحيان؟", "step": "السؤال 1 من",
           "matches": "ما يناسبك", "dir": "rtl", "survey": "ما مدى احتمال", "send": "إرسال", "promo": "الشحن",
           "dismiss": "إغلاق"},
}
CHEAP = "ac-003"  # well under the free-shipping threshold (75 EUR): the cart shows the gap


@pytest.fixture(scope="module")
def shop(chromium: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """The demo shop with its shipped flows, surveys and campaigns; yields its URL and folder."""
    folder = tmp_path_factory.mktemp("locales")
    shutil.copytree(resource_dir("surveys"), folder / "surveys")
    # English only and sampling everyone: after the quiz it would spend the visit's one pop-up on an English survey
    (folder / "surveys" / "quiz-csat.yaml").unlink()

    def seed(session: Any, site: Any, _models: Path) -> None:
        seed_campaigns(session=session, site=site)
        for campaign in session.exec(select(Campaign).where(Campaign.placement == "exit_intent")):
            campaign.status = "paused"  # an exit-intent pop-up would spend the visit's budget the survey needs

    with demo_shop(folder, resource_dir("flows"), prepare=seed, surveys=folder / "surveys") as base:
        yield base, folder


@pytest.fixture
def shots(tmp_path: Path) -> Path:
    folder = Path(os.environ.get("LOCALE_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def price_pattern(locale: str) -> str:
    """A price as Babel writes one in `locale` (CLDR), any amount: '129,90 €' -> r'\\d+,\\d\\d €'."""
    sample = format_money(Decimal("123.45"), "EUR", locale)
    return re.escape(sample).replace("123", r"[\d.,\u066c\u00a0]*\d").replace("45", r"\d\d")


@pytest.mark.parametrize("phone", [False, True], ids=["desktop", "phone"])
@pytest.mark.parametrize("locale", ["de", "ar"])
def test_quiz_promotion_and_survey_in_the_pages_language(new_page: Callable[..., Any], shop: tuple[str, Path],
                                                          shots: Path, locale: str, phone: bool) -> None:
    base, folder = shop
    words = WORDS[locale]
    width = "phone" if phone else "desktop"
    page = new_page(phone=phone, base_url=base, user_agent=PHONE_UA if phone else DESKTOP_UA)
    problems = watch(page)
    as_visitor(page, visitor_for(folder, shown="post-purchase-nps", not_shown=("checkout-ces",)))
    page.goto(f"/demo/?lang={locale}")
    assert page.locator("html").get_attribute("lang") == locale

    # the quiz: the launcher, the questions, the progress and the results in the locale, prices by Intl
    launcher = page.locator(".launcher")
    launcher.wait_for()
    assert launcher.inner_text().strip() == words["launcher"]
    launcher.click()
    panel = dialog(page)
    panel.wait_for()
    assert panel.get_attribute("dir") == words["dir"] and panel.get_attribute("lang") == locale
    assert panel.locator(".q").first.inner_text() == words["first"]
    assert panel.locator(".step").inner_text().startswith(words["step"])
    assert complete(page, panel, keyboard=False)
    assert panel.locator(".step").inner_text() == words["matches"]
    prices = panel.locator(".card .price").all_inner_texts()
    assert prices and all(re.fullmatch(price_pattern(locale), p) for p in prices), prices
    if words["dir"] == "rtl":  # the back button sits at the right, the close button at the left
        back, close = panel.locator(".head .icon-btn").first, panel.locator(".head .icon-btn").last
        assert (back.bounding_box() or {})["x"] > (close.bounding_box() or {})["x"]
    page.wait_for_timeout(300)
    page.screenshot(path=str(shots / f"i18n-{locale}-{width}-quiz.png"))
    page.keyboard.press("Escape")

    # a promotion on the cart page: the marketer's message in the locale, the gap as Babel and Intl write it
    fill_cart(page, CHEAP)
    page.goto("/demo/cart")
    promo = page.locator("[data-assistant=promo] .promo")
    promo.wait_for()
    text = promo.locator(".text").inner_text()
    gap = Decimal("75") - _cart_total(page)
    server = format_money(gap, "EUR", locale)
    browser = page.evaluate("([l, v]) => new Intl.NumberFormat(l, {style: 'currency', currency: 'EUR'}).format(v)",
                            [locale, float(gap)])
    assert server == browser, "one set of rules: CLDR in Babel and in the browser's Intl"
    assert server in text and words["promo"] in text, text
    assert page.locator("[data-assistant=promo] .promos").get_attribute("dir") == words["dir"]
    assert promo.locator(".x").get_attribute("aria-label") == words["dismiss"]
    page.screenshot(path=str(shots / f"i18n-{locale}-{width}-promotion.png"))

    # the survey after the purchase: the catalogue's translation of post-purchase-nps
    buy(page, CHEAP)
    card = page.locator(CARD)
    card.wait_for()
    assert card.get_attribute("lang") == locale and card.get_attribute("dir") == words["dir"]
    assert words["survey"] in card.inner_text()
    card.get_by_role("radio", name="9", exact=True).click()
    card.locator(".check").first.wait_for()
    card.locator(".check").first.click()
    assert card.locator(".send").inner_text() == words["send"]
    overflowing = card.evaluate("c => [c, ...c.querySelectorAll('*')].filter(n => n.scrollWidth > n.clientWidth + 1)"
                                ".map(n => n.className)")
    assert overflowing == []
    page.mouse.move(0, 0)
    page.wait_for_timeout(400)
    page.screenshot(path=str(shots / f"i18n-{locale}-{width}-survey.png"))
    card.locator(".send").click()
    card.locator(".thanks").wait_for()
    problems.assert_none()


def _cart_total(page: Any) -> Decimal:
    """The demo cart's value, as its page states it for the widget."""
    data = json.loads(page.locator("script[data-assistant-cart]").inner_text())
    return Decimal(str(data["value"]))


@pytest.mark.parametrize(("locale", "matching", "help_text", "live_text"), [
    ("ar", 2, "منتجان يطابقان إجاباتك.", "3 منتجات تطابق إجاباتك."),
    ("ar", 11, "11 منتجًا يطابق إجاباتك؛ وإليك أفضل 3 منها.", "3 منتجات تطابق إجاباتك."),
    ("ar", 103, "103 منتجات تطابق إجاباتك؛ وإليك أفضل 3 منها.", "3 منتجات تطابق إجاباتك."),
    ("de", 1, "1 Produkt passt zu Ihren Antworten.", "3 Produkte passen zu Ihren Antworten."),
], ids=["ar-two", "ar-many", "ar-few-103", "de-one"])
def test_the_count_of_matches_takes_the_locales_plural_form(new_page: Callable[..., Any], shop: tuple[str, Path],
                                                             locale: str, matching: int, help_text: str,
                                                             live_text: str) -> None:
    """The results say how many products match in the form CLDR gives the count (Intl.PluralRules in the widget,
    the catalogue's msgstr[n] named by category on the server): Arabic's two, few (3, 103) and many (11)."""
    page = new_page(base_url=shop[0])

    def counted(route: Any) -> None:  # the count under test, three cards shown
        answer = route.fetch()
        body = {**answer.json(), "fallback": False, "relaxed": [], "matching": matching}
        body["items"] = body["items"][:3]
        route.fulfill(response=answer, json=body)

    page.route("**/api/v1/quiz/*/results*", counted)
    page.goto(f"/demo/?lang={locale}")
    page.locator(".launcher").click()
    panel = dialog(page)
    panel.wait_for()
    complete(page, panel, keyboard=False)
    assert len(result_titles(panel)) == 3
    assert panel.locator(".body p.help").first.inner_text() == help_text
    assert panel.locator("p.sr[aria-live]").inner_text() == live_text
