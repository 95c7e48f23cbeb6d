"""Screenshots of the survey results pages (desktop and phone) on the demo shop with seeded responses.

    .venv/bin/python scripts/survey_screenshots.py [--out docs/screenshots] [--responses 3000]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from playwright.sync_api import Page, sync_playwright

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assistant.db import make_engine, session_scope  # noqa: E402
from assistant.sites.service import get_site_by_key  # noqa: E402
from assistant.users.service import create_user  # noqa: E402
from benchmarks.survey_results import seed_responses  # noqa: E402
from scripts.screenshots import CHROMIUM, CHROMIUM_ARGS, demo_server  # noqa: E402

PASSWORD = "screenshot password"
SURVEY = "post-purchase-nps"


def main() -> None:
    """Seed responses, log in as a marketer and save the list and one survey at desktop and phone width."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    parser.add_argument("--responses", type=int, default=3000)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, demo_server(Path(tmp)) as base, sync_playwright() as p:
        engine = make_engine(f"sqlite:///{Path(tmp) / 'demo.db'}")
        with session_scope(engine) as session:
            create_user(session=session, email="lena@trailhead.example", name="Lena", role="marketer",
                        password=PASSWORD, all_sites=True)
            seed_responses(session, get_site_by_key(session=session, key="pk_demo"), options.responses,
                           survey_id=SURVEY, shown_per_response=2.6)
        engine.dispose()
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for name, viewport in (("desktop", {"width": 1280, "height": 900}), ("phone", {"width": 390, "height": 844})):
            page = browser.new_page(viewport=viewport, device_scale_factor=1 if name == "desktop" else 2)
            page.emulate_media(reduced_motion="reduce")   # charts drawn at once, not mid-animation
            log_in(page, base)
            if name == "desktop":
                page.goto(f"{base}/admin/surveys")
                page.screenshot(path=str(options.out / "admin-surveys.png"), full_page=True)
            page.goto(f"{base}/admin/surveys/{SURVEY}")
            page.wait_for_timeout(300)
            page.screenshot(path=str(options.out / f"admin-survey-{name}.png"), full_page=name == "desktop")
            page.close()
        browser.close()


def log_in(page: Page, base: str) -> None:
    """Log in as the seeded marketer."""
    page.goto(f"{base}/admin/login")
    page.fill("#email", "lena@trailhead.example")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/admin/")


if __name__ == "__main__":
    main()
