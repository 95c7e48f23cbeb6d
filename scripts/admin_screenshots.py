"""Screenshots of the admin pages (login, dashboard, flows, preview, campaigns) on the demo data.

    .venv/bin/python scripts/admin_screenshots.py [--out docs/screenshots]
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

from playwright.sync_api import Page, sync_playwright
from sqlmodel import Session

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assistant.db import make_engine, session_scope  # noqa: E402
from assistant.demo.campaigns import seed_campaigns as seed_demo_campaigns  # noqa: E402
from assistant.promotions.campaigns import create_campaign, list_campaigns  # noqa: E402
from assistant.sites.service import get_site_by_key  # noqa: E402
from assistant.timeutil import utcnow  # noqa: E402
from assistant.tracking.service import record_events  # noqa: E402
from assistant.users.service import create_user  # noqa: E402
from scripts.screenshots import CHROMIUM, CHROMIUM_ARGS, demo_server  # noqa: E402

PASSWORD = "screenshot password"
CHROME = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36"
EXTRA: dict[str, Any] = {
    "name": "Newsletter welcome coupon", "placement": "any", "status": "draft", "priority": 0,
    "conditions": {"traffic_source": {"utm_source": "newsletter"}}, "caps": {"total": 2},
    "variants": [{"key": "a", "message": "Welcome{% if first_name %}, {{ first_name }}{% endif %}! "
                                         "Here is 10 % off your first order.",
                  "cta": {"kind": "coupon", "text": "Copy", "coupon": "HELLO10"}}]}
Arm = tuple[str, float, float]
"""A variant key, its share of visitors and its conversion rate in the simulated traffic."""


def main() -> None:
    """Log in as an admin and save one PNG per page."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    out = parser.parse_args().out
    with tempfile.TemporaryDirectory() as tmp, demo_server(Path(tmp)) as base, sync_playwright() as p:
        engine = make_engine(f"sqlite:///{Path(tmp) / 'demo.db'}")
        with session_scope(engine) as session:
            create_user(session=session, email="maria@trailhead.example", name="Maria", role="admin",
                        password=PASSWORD)
            ids = seed_campaigns(session)
        engine.dispose()
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 860})
        page.goto(f"{base}/admin/login")
        page.screenshot(path=str(out / "admin-login.png"))
        page.fill("#email", "maria@trailhead.example")
        page.fill("#password", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(f"{base}/admin/")
        page.screenshot(path=str(out / "admin-dashboard.png"), full_page=True)
        page.goto(f"{base}/admin/flows")
        page.screenshot(path=str(out / "admin-flows.png"), full_page=True)
        page.goto(f"{base}/admin/flows/running-shoes?terrain=trail&feet=wide&fit=any&budget_min=60&budget_max=120")
        page.screenshot(path=str(out / "admin-flow-preview.png"), full_page=True)
        capture_campaigns(page, base, ids, out)
        browser.close()


def seed_campaigns(session: Session) -> dict[str, int]:
    """The demo's campaigns and settings, a draft, and a week of tracked visitors; campaign ids by name."""
    site = get_site_by_key(session=session, key="pk_demo")
    seed_demo_campaigns(session=session, site=site)
    create_campaign(session=session, site=site, data=EXTRA)
    session.commit()
    ids = {c.name: c.pk for c in list_campaigns(session=session, site=site)}
    track_visitors(session, ids["Free shipping nudge"], [("product", 0.5, 0.15), ("plain", 0.5, 0.11)],
                   visitors=600, cart=(20, 74), placement="cart")
    track_visitors(session, ids["Pay in 3 for bigger baskets"], [("a", 0.9, 0.14), ("control", 0.1, 0.07)],
                   visitors=1400, cart=(150, 420), placement="checkout")
    return ids


def track_visitors(session: Session, campaign_id: int, arms: list[Arm], *, visitors: int,
                   cart: tuple[float, float], placement: str) -> None:
    """Visitors with carts who saw one arm of the campaign over the last days, some of whom bought."""
    site = get_site_by_key(session=session, key="pk_demo")
    chance = random.Random(campaign_id)
    now = utcnow()
    for number in range(visitors):
        key, _, rate = _arm(arms, chance.random())
        at = now - timedelta(days=chance.uniform(0.1, 6.5))
        value = round(chance.uniform(*cart), 2)
        shown = {"ref": str(campaign_id), "variant": key, "placement": placement}
        events: list[dict[str, Any]] = [{"type": "cart", "items": [{"sku": "rs-001", "price": value}]},
                                        {"type": "promo_impression", **shown}]
        if key != "control" and chance.random() < 0.25:
            events.append({"type": "promo_click", **shown})
        if chance.random() < rate:
            events.append({"type": "purchase", "order_id": uuid.uuid4().hex, "value": round(value + 12, 2)})
        batch = {"visitor": f"visitor-shot-{campaign_id}-{number:04d}",
                 "events": [{"id": uuid.uuid4().hex, "ts": at.timestamp() * 1000 + i, **e}
                            for i, e in enumerate(events)]}
        record_events(session=session, site=site, batch=batch, user_agent=CHROME, now=at)
    session.commit()


def _arm(arms: list[Arm], pick: float) -> Arm:
    """The arm a uniform random `pick` in [0, 1) falls into."""
    for arm in arms:
        pick -= arm[1]
        if pick < 0:
            return arm
    return arms[-1]


def capture_campaigns(page: Page, base: str, ids: dict[str, int], out: Path) -> None:
    """The campaign list, the editor with its preview, a refused template, results and settings."""
    nudge = ids["Free shipping nudge"]
    page.goto(f"{base}/admin/campaigns")
    page.screenshot(path=str(out / "admin-campaigns.png"), full_page=True)
    page.goto(f"{base}/admin/campaigns/{nudge}/edit")
    page.fill("#f-sample-cart-value", "59.90")
    page.fill("#f-sample-first-name", "Ada")
    page.click("aside button[value=preview]")
    page.wait_for_selector(".promo-card")
    page.wait_for_selector("#audience-result .num")
    page.screenshot(path=str(out / "admin-campaign-edit.png"), full_page=True)
    page.fill("#f-variants-0-message", "Only {{ price(free_shipping_gap) }} to go!\nAdd {{ items[0].title }")
    page.click("header button[value=save]")
    page.wait_for_selector("#problems")
    page.wait_for_selector("#audience-result .num")
    page.screenshot(path=str(out / "admin-campaign-error.png"), full_page=True)
    page.goto(f"{base}/admin/campaigns/{ids['Pay in 3 for bigger baskets']}/results")
    page.screenshot(path=str(out / "admin-campaign-results.png"), full_page=True)
    page.goto(f"{base}/admin/settings/promotions")
    page.screenshot(path=str(out / "admin-campaign-settings.png"), full_page=True)


if __name__ == "__main__":
    main()
