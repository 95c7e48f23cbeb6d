"""Japanese product titles in a Japanese page on a phone: the quiz's result cards and a recommendation strip wrap
them inside the card (CJK breaks between characters, a long model number breaks too) and cut them at the card's
line budget, so no card grows sideways or pushes the page into a horizontal scroll."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import update

from assistant.catalog.models import Product
from assistant.catalog.versions import catalog_changed
from assistant.demo.history import seed_history
from assistant.paths import resource_dir
from assistant.recommend.training import train_site
from assistant.timeutil import utcnow
from tests.browser.conftest import demo_shop
from tests.browser.helpers import complete, dialog, watch
from tests.browser.test_tracking import PHONE_UA

TITLE = ("軽量トレイルランニングシューズ・ウルトラクッション・ワイドフィット・防水メッシュアッパー・反射材付き "
         "ModelNumberXR9000ULTRAWIDEGORETEXWATERPROOF2026EDITION")


@pytest.fixture(scope="module")
def shop(chromium: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The demo shop with every product titled by one long Japanese title and model number."""
    folder = tmp_path_factory.mktemp("cjk")
    (folder / "surveys").mkdir()

    def retitle(session: Any, site: Any, models: Path) -> None:
        session.exec(update(Product).where(Product.site_id == site.id)  # type: ignore[arg-type]
                     .values(title=Product.sku + " " + TITLE))
        catalog_changed(session=session, site_id=site.id)
        seed_history(session=session, site=site, now=utcnow(), visits=200)
        train_site(session=session, site=site, root=models, now=utcnow())  # the strips' catalog snapshot too

    flows = folder / "flows"
    shutil.copytree(resource_dir("flows"), flows)
    with demo_shop(folder, flows, prepare=retitle, surveys=folder / "surveys") as base:
        yield base


def clamped(names: Any, lines: int) -> list[dict[str, float]]:
    """Per title element: its height in lines, whether text was cut, and how far it reaches past its card."""
    return names.evaluate_all("""(nodes, lines) => nodes.map(node => {
        const style = getComputedStyle(node), card = node.closest('.card') || node.parentElement;
        return {lines: node.clientHeight / parseFloat(style.lineHeight), cut: node.scrollHeight > node.clientHeight,
                past: node.getBoundingClientRect().right - card.getBoundingClientRect().right,
                wide: node.scrollWidth - node.clientWidth};
    })""", lines)


def test_quiz_results_and_a_strip_keep_japanese_titles_inside_their_cards(new_page: Callable[..., Any],
                                                                          shop: str) -> None:
    page = new_page(phone=True, base_url=shop, user_agent=PHONE_UA)
    problems = watch(page)
    page.goto("/demo/?lang=ja")
    assert page.evaluate("document.documentElement.lang") == "ja"
    launcher = page.locator(".launcher")
    launcher.wait_for()
    launcher.click()
    panel = dialog(page)
    titles = complete(page, panel, keyboard=False)
    assert titles and all("トレイル" in title for title in titles), titles
    cards = clamped(panel.locator(".card .name"), 3)
    assert all(card["lines"] <= 3.05 and card["cut"] for card in cards), cards  # three lines, the rest cut
    assert all(card["past"] <= 0.5 and card["wide"] <= 0 for card in cards), cards  # nothing sideways
    assert panel.evaluate("node => node.scrollWidth <= node.clientWidth"), "the quiz panel scrolls sideways"

    page.goto("/demo/")  # the home page's strip picks from the catalog by the quiz's answers
    page.locator("#picked").scroll_into_view_if_needed()  # strips load as they near the viewport
    page.locator("#picked .name").first.wait_for()
    names = clamped(page.locator("#picked .name"), 2)
    assert all(card["lines"] <= 2.05 and card["cut"] for card in names), names
    assert all(card["past"] <= 0.5 and card["wide"] <= 0 for card in names), names
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), "the page scrolls sideways"
    problems.assert_none()
