"""The admin's baskets pages in Chromium, on a phone and a desktop: the figures, the chart beside its table, the list,
one basket with its e-mail preview (images loaded, in a sandboxed frame), nothing wider than the screen, no error.

Eight weeks of baskets are made up for the demo site (reminded and holdout, recovered, clicked, a dead letter).
The screenshots of the README go to the test's temporary folder unless BASKET_SCREENSHOTS names one
(BASKET_SCREENSHOTS=docs/screenshots to renew them).
"""

from __future__ import annotations

import os
import random
import re
import shutil
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import Session, select

from assistant.baskets.models import Basket, BasketMessage
from assistant.baskets.settings import get_settings, save_settings
from assistant.catalog.models import Product
from assistant.paths import resource_dir
from assistant.sites.models import Site
from assistant.timeutil import utcnow
from assistant.users.service import create_user
from tests.browser.conftest import DESKTOP, PHONE, demo_shop
from tests.browser.test_admin_campaigns import PASSWORD, errors_of, log_in

NAMES = ("ana", "ben", "chloe", "dev", "eli", "fay", "gus", "hana", "ivo", "jun", "kim", "lea", "mo", "nia")


def made_up_baskets(session: Session, site: Site, _models: Path) -> None:
    """Eight weeks of the demo's baskets: a tenth in the holdout, reminded ones recovered more often."""
    rng = random.Random(16)
    save_settings(session=session, site=site, data={**get_settings(session=session, site=site).model_dump(mode="json"),
                                                    "holdout_share": 0.1})
    products = [p for p in session.exec(select(Product).where(Product.site_id == site.id)) if p.in_stock]
    now = utcnow().replace(second=0, microsecond=0)
    for number in range(160):
        opened = now - timedelta(days=56 * (number + 0.5) / 160, minutes=rng.randrange(600))
        holdout = number % 10 == 3
        picks = rng.sample(products, rng.choice((1, 1, 2, 3)))
        items = [{"sku": p.sku, "quantity": rng.choice((1, 1, 2)), "price": p.price} for p in picks]
        value = sum(round(i["price"] * 100) * i["quantity"] for i in items)
        first = opened + timedelta(hours=1)
        basket = Basket(site_id=site.pk, visitor_id=10_000 + number, customer_id=f"demo-{number:04d}",
                        email=f"{NAMES[number % len(NAMES)]}.{number}@example.com", items=items, value_minor=value,
                        currency=site.currency, cart_updated_at=opened, opened_at=opened, holdout=holdout)
        _outcome(basket, rng, number, first, now)
        session.add(basket)
        session.flush()
        if not holdout and basket.step:
            _messages(session, basket, number)
    session.flush()


def _outcome(basket: Basket, rng: random.Random, number: int, first: Any, now: Any) -> None:
    if first > now:  # the newest: waiting for their first reminder
        basket.next_step_at = first
        return
    basket.step, basket.first_reminder_at = 1, first
    recovered = rng.random() < (0.12 if basket.holdout else 0.24)
    if not basket.holdout and rng.random() < 0.3:
        basket.clicked_at = first + timedelta(minutes=rng.randrange(5, 300))
    if recovered:
        at = first + timedelta(hours=rng.randrange(2, 120))
        basket.recovered_at = at if at < now else now
        basket.recovered_value_minor = basket.value_minor
        basket.closed_at, basket.closed_reason = basket.recovered_at, "purchased"
    elif number % 23 == 5:
        basket.closed_at, basket.closed_reason = first + timedelta(hours=3), "unsubscribed"
    elif first + timedelta(days=1) < now:
        basket.step = 2
        basket.closed_at, basket.closed_reason = first + timedelta(days=1), "finished"
    else:
        basket.next_step_at = first + timedelta(hours=23)


def _messages(session: Session, basket: Basket, number: int) -> None:
    for step in range(1, basket.step + 1):
        dead = number % 37 == 7 and step == basket.step
        sent_at = None if dead else (basket.first_reminder_at or utcnow()) + timedelta(hours=23 * (step - 1))
        session.add(BasketMessage(
            site_id=basket.site_id, basket_id=basket.id or 0, step=step, channel="smtp",
            idempotency_key=f"basket-{basket.id}-step-{step}", to_address=basket.email, subject="Your cart",
            html="<p>…</p>", text_body="…", status="dead" if dead else "sent", attempts=6 if dead else 1,
            sent_at=sent_at, last_error="550 5.1.1 mailbox unavailable" if dead else None))


@pytest.fixture(scope="module")
def admin_shop(chromium: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """A demo shop of its own with eight weeks of baskets; yields its base URL and folder."""
    folder = tmp_path_factory.mktemp("basket-admin")
    flows, surveys = folder / "flows", folder / "surveys"
    shutil.copytree(resource_dir("flows"), flows)
    surveys.mkdir()
    with demo_shop(folder, flows, prepare=made_up_baskets, surveys=surveys) as base:
        from assistant.db import make_engine

        engine = make_engine(f"sqlite:///{folder / 'demo.db'}")
        with Session(engine) as session:
            create_user(session=session, email="mara@trailhead.example", name="Mara", role="marketer",
                        password=PASSWORD, all_sites=True)
            session.commit()
        engine.dispose()
        yield base, folder


@pytest.fixture
def shots(tmp_path: Path) -> Path:
    """Where screenshots go: the test's temporary folder, or the folder BASKET_SCREENSHOTS names."""
    folder = Path(os.environ.get("BASKET_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def clip(page: Any, device: str) -> dict[str, float] | None:
    """A phone's screenshot stops after about two screens (the whole page is a long scroll); a desktop's is whole."""
    if device != "phone":
        return None
    height = page.evaluate("() => document.documentElement.scrollHeight")
    return {"x": 0, "y": 0, "width": page.viewport_size["width"], "height": min(height, 1800)}


WIDER_THAN_SCREEN = "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"


@pytest.mark.parametrize("device", ["phone", "desktop"])
def test_the_baskets_pages_on_a_phone_and_a_desktop(browser: Any, admin_shop: tuple[str, Path], shots: Path,
                                                    device: str) -> None:
    base, _ = admin_shop
    context = browser.new_context(base_url=base, **(PHONE if device == "phone" else DESKTOP))
    context.set_default_timeout(10_000)
    page = context.new_page()
    problems = errors_of(page)
    log_in(page, "mara@trailhead.example")
    page.goto("/admin/baskets")
    counts = dict(zip(page.locator(".status-count span:last-child").all_text_contents(),
                      page.locator(".status-count .num").all_inner_texts(), strict=True))
    assert list(counts) == ["waiting", "holdout", "sent", "clicked", "recovered", "unsubscribed", "failed", "closed"]
    assert sum(int(n) for n in counts.values()) == 160
    assert int(counts["recovered"]) > 0 and int(counts["failed"]) > 0
    assert re.search(r"[+−-]\d+\.\d points", page.locator(".lift").inner_text())
    page.wait_for_function("() => { const c = document.querySelector('canvas[data-basket-chart]');"
                           " return c && c.width > 0 && window.Chart && Chart.getChart(c); }")
    assert page.locator("table.weeks tbody tr").count() >= 8
    assert page.locator("table.baskets tbody tr").count() == 25
    assert page.evaluate(WIDER_THAN_SCREEN) <= 0, "the page is wider than the screen"
    page.wait_for_timeout(400)  # the chart's animation
    page.screenshot(path=str(shots / f"admin-baskets-{device}.png"), full_page=True, clip=clip(page, device))

    page.locator("table.baskets tbody tr").filter(has=page.locator(".status-sent")).first.locator("a").click()
    page.wait_for_url(re.compile(r"/admin/baskets/\d+$"))
    frame = page.frame_locator("iframe.email-frame")
    frame.locator("img").first.wait_for()
    loaded = frame.locator("body").evaluate(
        "body => [...body.querySelectorAll('img')].map(i => i.complete && i.naturalWidth > 0)")
    assert loaded and all(loaded), f"every image of the e-mail loads: {loaded}"
    assert page.locator("iframe.email-frame").get_attribute("sandbox") == ""
    first_item = page.locator("table.items tbody td").first.inner_text().split("\n")[0].split(" ")[0]
    assert first_item in frame.locator("body").inner_text()
    assert page.evaluate(WIDER_THAN_SCREEN) <= 0, "the basket page is wider than the screen"
    if device == "phone":  # the preview, a screen of it
        page.locator("#preview").scroll_into_view_if_needed()
        page.screenshot(path=str(shots / f"admin-basket-preview-{device}.png"))
    else:
        page.screenshot(path=str(shots / f"admin-basket-preview-{device}.png"), full_page=True)

    page.goto("/admin/baskets/settings")
    assert page.locator("#s-cart_url").input_value() == f"{base}/demo/cart"
    assert page.evaluate(WIDER_THAN_SCREEN) <= 0, "the settings page is wider than the screen"
    page.screenshot(path=str(shots / f"admin-baskets-settings-{device}.png"), full_page=True, clip=clip(page, device))
    assert problems == [], problems
    context.close()


def test_try_again_in_the_browser(browser: Any, admin_shop: tuple[str, Path]) -> None:
    base, _ = admin_shop
    context = browser.new_context(base_url=base, **DESKTOP)
    page = context.new_page()
    log_in(page, "mara@trailhead.example")
    page.goto("/admin/baskets")
    rows = page.locator("table.dead-letters tbody tr")
    before = rows.count()
    assert before > 0
    rows.first.get_by_role("button", name=re.compile("Try again")).click()
    assert "goes out again" in page.locator(".flash").first.inner_text()
    assert page.locator("table.dead-letters tbody tr").count() == before - 1
    context.close()


