"""A marketer writes a campaign in the admin, previews it live, sets it live; a broken template is refused."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session

from assistant.db import make_engine
from assistant.promotions.campaigns import list_campaigns, set_status
from assistant.sites.service import get_site_by_key
from assistant.users.service import create_user
from tests.browser.test_promotions import text_of
from tests.browser.test_recommendations import fill_cart

PASSWORD = "a browser test password"
MESSAGE = "Only {{ price(free_shipping_gap) }} to go for free shipping (your cart: {{ price(cart_total) }})"


@pytest.fixture
def db(live_server: str, live_folder: Path) -> Iterator[Engine]:
    """An engine on the live server's database."""
    engine = make_engine(f"sqlite:///{live_folder / 'demo.db'}")
    yield engine
    engine.dispose()


@pytest.fixture
def marketer(db: Engine) -> str:
    """A marketer's email (password PASSWORD) in the live server's database."""
    email = f"mark-{uuid.uuid4().hex[:8]}@trailhead.example"
    with Session(db) as session:
        create_user(session=session, email=email, name="Mark", role="marketer", password=PASSWORD, all_sites=True)
        session.commit()
    return email


@pytest.fixture
def campaign_name(db: Engine) -> Iterator[str]:
    """A unique campaign name; the campaign is ended afterwards so other tests' carts do not see it."""
    name = f"Browser gap nudge {uuid.uuid4().hex[:6]}"
    yield name
    with Session(db) as session:
        site = get_site_by_key(session=session, key="pk_demo")
        for campaign in list_campaigns(session=session, site=site):
            if campaign.name == name:
                set_status(session=session, site=site, campaign_id=campaign.pk, status="ended")
        session.commit()


def errors_of(page: Any) -> list[str]:
    """Uncaught errors and console errors of `page` from now on (but the admin's missing favicon)."""
    found: list[str] = []
    page.on("pageerror", lambda exc: found.append(str(exc)))
    page.on("console", lambda msg: found.append(f"{msg.text} ({msg.location.get('url')})")
            if msg.type == "error" and not msg.location.get("url", "").endswith("/favicon.ico") else None)
    return found


def log_in(page: Any, email: str) -> None:
    page.goto("/admin/login")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(r"/admin/$"))


def free_shipping_threshold(page: Any) -> float:
    """The demo's threshold, set to 75 (the demo shop's own) on the settings page when there is none."""
    page.goto("/admin/settings/promotions")
    field = page.locator("#s-free_shipping_threshold")
    if not field.input_value():
        field.fill("75")
        page.get_by_role("button", name="Save settings").click()
        assert "Promotion settings saved." in page.locator(".flash").inner_text()
    return float(page.locator("#s-free_shipping_threshold").input_value())


def test_a_marketer_writes_previews_and_sets_a_campaign_live(new_page: Callable[..., Any], marketer: str,
                                                            campaign_name: str) -> None:
    page = new_page()
    problems = errors_of(page)
    log_in(page, marketer)
    threshold = free_shipping_threshold(page)
    page.get_by_role("navigation", name="Admin").get_by_role("link", name="Campaigns").click()
    page.get_by_role("link", name="New campaign").click()
    page.fill("#f-name", campaign_name)
    page.select_option("#f-placement", "cart")
    page.fill("#f-priority", "500")
    page.fill("#f-conditions", "cart_value: {min: 0.01, max: 74.99}")
    result = page.locator("#audience-result")  # counted by the page's script, again as the conditions change
    result.get_by_text(re.compile(r"visitors? seen in the last 7 days match these conditions")).wait_for()
    page.fill("#f-variants-0-message", MESSAGE)

    page.fill("#f-sample-cart-value", "60")  # the live preview follows as the marketer types
    card = page.locator("#preview .promo-text").first
    gap = threshold - 60
    expected = f"Only €{gap:.2f} to go for free shipping (your cart: €60.00)"
    page.wait_for_function("t => document.querySelector('#preview .promo-text')?.textContent === t", arg=expected)
    assert page.locator("#preview").get_by_text("matches the targeting").is_visible()
    page.fill("#f-sample-cart-value", "80")
    page.wait_for_function("() => document.querySelector('#preview').textContent.includes('does not match')")
    page.fill("#f-sample-cart-value", "70")
    page.locator("aside").get_by_role("button", name="Preview").click()  # the same without the script
    assert card.inner_text() == f"Only €{threshold - 70:.2f} to go for free shipping (your cart: €70.00)"

    page.locator("header").get_by_role("button", name="Save campaign").click()
    assert f"Saved “{campaign_name}”." in page.locator(".flash").inner_text()
    page.get_by_role("link", name="← Campaigns").click()
    row = page.locator("tr", has=page.get_by_role("link", name=campaign_name))
    assert row.locator(".badge").text_content() == "draft"
    row.get_by_role("button", name="Set live").click()
    assert f"“{campaign_name}” is live." in page.locator(".flash").inner_text()
    assert row.locator(".badge").text_content() == "live"

    answer = page.request.get("/api/v1/promotions", params={
        "site": "pk_demo", "placement": "cart", "visitor": f"visitor-{uuid.uuid4().hex[:12]}",
        "cart": "rs-001:1", "cart_value": "60"})
    assert answer.ok, answer.text()
    texts = [m["text"] for m in answer.json()["messages"]]
    assert texts == [f"Only €{gap:.2f} to go for free shipping (your cart: €60.00)"]

    shop = new_page()  # a shopper on the demo shop sees the campaign in the cart
    fill_cart(shop, "ac-003")  # €31.90
    shop.goto("/demo/cart")
    assert text_of(shop, ".cart-promo section.promo") == \
        f"Only €{threshold - 31.90:.2f} to go for free shipping (your cart: €31.90)"
    assert problems == []


def test_a_template_with_an_error_is_refused_with_the_error_shown(new_page: Callable[..., Any], marketer: str,
                                                                 campaign_name: str) -> None:
    page = new_page()
    problems = errors_of(page)
    log_in(page, marketer)
    page.goto("/admin/campaigns/new")
    page.fill("#f-name", campaign_name)
    page.fill("#f-variants-0-message", "Free shipping is close!\nOnly {{ price(free_shipping_gap) }")
    page.locator("header").get_by_role("button", name="Save campaign").click()

    summary = page.get_by_role("alert").filter(has_text="Not saved")
    assert "Not saved: 1 problem to fix." in summary.inner_text()
    error = page.locator("#f-variants-0-message-error")
    assert error.text_content() == "line 2: syntax error: unexpected '}'"
    assert page.locator("#f-variants-0-message").get_attribute("aria-invalid") == "true"
    assert page.locator("#f-variants-0-message").input_value().endswith("{{ price(free_shipping_gap) }")
    assert page.locator("#f-name").input_value() == campaign_name
    assert "line 2: syntax error" in page.locator("#preview .preview-error").inner_text()
    summary.get_by_role("link", name="Variant 1, message").click()
    assert page.evaluate("location.hash") == "#f-variants-0-message"
    page.goto("/admin/campaigns")
    assert page.get_by_role("link", name=campaign_name).count() == 0
    assert problems == []
