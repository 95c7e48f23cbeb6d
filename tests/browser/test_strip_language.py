"""The demo's recommendation strips in the page's language, against the real API, a trained bundle and the shipped
catalogue: the widget sends the page's `lang` with the strip's request, and the strip's heading and each card's
reason come back in German or Arabic, with the strip's own screen-reader words; an English page reads them as
written."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from assistant.demo.history import seed_history
from assistant.paths import resource_dir
from assistant.recommend.training import train_site
from assistant.timeutil import utcnow
from tests.browser.conftest import demo_shop
from tests.browser.helpers import watch
from tests.browser.test_tracking import DESKTOP_UA, PHONE_UA

HEADINGS = {"de": ("Für Sie ausgewählt", "Das könnte Ihnen auch gefallen"), "ar": ("اخترناه لك", "قد يعجبك أيضًا"),
            "en": ("Picked for you", "You might also like")}
NEXT = {"de": "Nächste Produkte", "ar": "المنتجات التالية", "en": "Next products"}
"""The strip's own screen-reader words (recs.js asks GET /strings for them, except on an English page)."""
ENGLISH_REASONS = {"Often bought together with an item you chose", "Similar to what you viewed", "Trending now",
                   "Popular with other shoppers", "Viewed by shoppers like you", "Often viewed next after this item"}


@pytest.fixture(scope="module")
def shop(chromium: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The demo shop with a history and a bundle trained on it (strips for every placement)."""
    folder = tmp_path_factory.mktemp("strips")
    (folder / "surveys").mkdir()

    def trained(session: Any, site: Any, models: Path) -> None:
        seed_history(session=session, site=site, now=utcnow(), visits=200)
        train_site(session=session, site=site, root=models, now=utcnow())

    flows = folder / "flows"
    shutil.copytree(resource_dir("flows"), flows)
    with demo_shop(folder, flows, prepare=trained, surveys=folder / "surveys") as base:
        yield base


def strip(page: Any, where: str) -> tuple[str, list[str]]:
    """The heading of the strip in `where` and its cards' reasons, once it has loaded."""
    page.locator(where).scroll_into_view_if_needed()  # strips load as they near the viewport
    page.locator(f"{where} .why").first.wait_for()
    return page.locator(f"{where} .title").inner_text(), page.locator(f"{where} .why").all_inner_texts()


@pytest.mark.parametrize("locale", ["de", "ar", "en"])
def test_the_home_and_product_strips_speak_the_pages_language(new_page: Callable[..., Any], shop: str,
                                                               locale: str) -> None:
    page = new_page(phone=locale == "ar", base_url=shop, user_agent=PHONE_UA if locale == "ar" else DESKTOP_UA)
    problems = watch(page)
    with page.expect_request(lambda r: "/api/v1/recommendations" in r.url) as asked:
        page.goto(f"/demo/?lang={locale}")
        page.locator("#picked").scroll_into_view_if_needed()
    assert f"lang={locale}" in asked.value.url
    home, reasons = strip(page, "#picked")
    assert home == HEADINGS[locale][0]
    assert reasons and (set(reasons) <= ENGLISH_REASONS) == (locale == "en"), reasons
    assert page.locator("#picked .arrow").last.get_attribute("aria-label") == NEXT[locale]
    page.goto("/demo/product/rs-002")  # the visit keeps the language
    related, reasons = strip(page, "#related")
    assert related == HEADINGS[locale][1]
    assert reasons and all((text in ENGLISH_REASONS or text.startswith(("Often bought with", "Similar to")))
                           == (locale == "en") for text in reasons), reasons
    problems.assert_none()
