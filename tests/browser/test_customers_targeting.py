"""Issue 14's browser test: a marketer targets "at risk" customers, previews the campaign as one of them, and that
customer sees it on the demo's cart page while a champion does not.

The shop's two years of orders come in through the history import and its figures from the nightly job's own
compute_site_figures (tests/customer_history.py); the shoppers are browsers that identify as those customers.
"""

from __future__ import annotations

import re
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
from assistant.paths import resource_dir
from assistant.timeutil import utcnow
from assistant.tracking.models import Visitor
from assistant.users.service import create_user
from tests.browser.conftest import demo_shop
from tests.browser.test_admin_campaigns import PASSWORD, errors_of, log_in
from tests.browser.test_recommendations import fill_cart
from tests.browser.test_tracking import DESKTOP_UA
from tests.customer_history import load_customer_history

MESSAGE = "We miss you! Here is 15 % off your next order: WINBACK15"


@pytest.fixture(scope="module")
def shop(chromium: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Engine]]:
    """The demo shop with a history of customers and their nightly figures; its base URL and an engine on it."""
    folder = tmp_path_factory.mktemp("customers")
    flows = folder / "flows"
    shutil.copytree(resource_dir("flows"), flows)

    def history(session: Session, site: Any, _models: Path) -> None:
        report = load_customer_history(session=session, site=site, folder=folder, now=utcnow())
        assert report.churn_scored and report.segments.get("at_risk", 0) >= 5, report.line()

    with demo_shop(folder, flows, prepare=history) as base:
        engine = make_engine(f"sqlite:///{folder / 'demo.db'}")
        yield base, engine
        engine.dispose()


@pytest.fixture
def marketer(shop: tuple[str, Engine]) -> str:
    email = f"mark-{uuid.uuid4().hex[:8]}@trailhead.example"
    with Session(shop[1]) as session:
        create_user(session=session, email=email, name="Mark", role="marketer", password=PASSWORD, all_sites=True)
        session.commit()
    return email


def first_customer(page: Any, segment: str) -> str:
    """The most valuable customer of `segment` on the Customers page, opened: their key."""
    page.goto(f"/admin/customers?segment={segment}")
    link = page.locator("#list td.who a").first
    key = link.inner_text()
    link.click()
    page.wait_for_url(re.compile(r"/admin/customers/"))
    assert page.locator("h1 .chip.seg").inner_text().lower() == segment.replace("_", " ")
    return key


def as_customer(new_page: Callable[..., Any], base: str, engine: Engine, customer: str) -> Any:
    """A shopper's browser on the demo shop that identified as `customer` (the shop's login would do it)."""
    page = new_page(base_url=base, user_agent=DESKTOP_UA)  # a headless browser's own counts as a bot
    page.goto("/demo/")
    page.wait_for_function("() => window.Assistant && window.Assistant.identify")
    page.evaluate("id => window.Assistant.identify(id)", customer)
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:  # the widget sends its queue every 3 s
        with Session(engine) as session:
            if session.exec(select(Visitor).where(Visitor.customer_id == customer)).first() is not None:
                return page
        time.sleep(0.25)
    raise AssertionError(f"the identify of {customer} never reached the server")


def test_a_campaign_for_customers_at_risk_reaches_them_and_not_a_champion(new_page: Callable[..., Any],
                                                                           shop: tuple[str, Engine],
                                                                           marketer: str) -> None:
    base, engine = shop
    page = new_page(base_url=base)
    problems = errors_of(page)
    log_in(page, marketer)
    page.get_by_role("navigation", name="Admin").get_by_role("link", name="Customers").click()
    assert page.locator("#segments canvas").is_visible()
    at_risk = first_customer(page, "at_risk")
    champion = first_customer(page, "champions")

    page.get_by_role("navigation", name="Admin").get_by_role("link", name="Campaigns").click()
    page.get_by_role("link", name="New campaign").click()
    page.fill("#f-name", f"Win back {uuid.uuid4().hex[:6]}")
    page.select_option("#f-placement", "cart")
    page.fill("#f-priority", "900")
    page.fill("#f-conditions", "segment: {name: at_risk}")
    page.fill("#f-variants-0-message", MESSAGE)
    page.fill("#f-sample-customer", at_risk)  # preview as one of them: their figures fill the sample
    page.locator("#preview .as-customer").wait_for()
    assert page.locator("#preview .badge").inner_text() == "matches the targeting"
    assert page.locator("#preview .promo-text").first.inner_text() == MESSAGE
    page.locator("aside").get_by_role("button", name="Preview").click()  # the same round trip without the script
    assert page.locator("#preview .as-customer").inner_text().startswith(f"{at_risk}: at risk, churn risk")
    assert page.locator("#preview").get_by_text("matches the targeting").is_visible()
    page.fill("#f-sample-customer", champion)
    page.wait_for_function("k => document.querySelector('#preview .as-customer')?.textContent.startsWith(k + ':')",
                           arg=champion)
    assert page.locator("#preview .badge").inner_text() == "does not match the targeting"

    page.locator("header").get_by_role("button", name="Save campaign").click()
    assert "Saved" in page.locator(".flash").inner_text()
    page.get_by_role("link", name="← Campaigns").click()
    row = page.locator("tr", has=page.get_by_text("Win back"))
    row.get_by_role("button", name="Set live").click()
    assert row.locator(".badge").text_content() == "live"

    slipping = as_customer(new_page, base, engine, at_risk)
    fill_cart(slipping, "ac-003")
    slipping.goto("/demo/cart")
    slipping.locator(".cart-promo").get_by_text(MESSAGE).wait_for()

    loyal = as_customer(new_page, base, engine, champion)
    fill_cart(loyal, "ac-003")
    with loyal.expect_response(lambda r: "/api/v1/promotions" in r.url) as answer:
        loyal.goto("/demo/cart")
    assert answer.value.ok
    assert MESSAGE not in [m["text"] for m in answer.value.json()["messages"]]
    loyal.wait_for_timeout(300)
    assert MESSAGE not in loyal.locator("body").inner_text()
    assert problems == []
