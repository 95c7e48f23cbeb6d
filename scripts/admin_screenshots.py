"""Screenshots of the admin pages (login, dashboard, flows, preview) on the demo data.

    .venv/bin/python scripts/admin_screenshots.py [--out docs/screenshots]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assistant.db import make_engine, session_scope  # noqa: E402
from assistant.users.service import create_user  # noqa: E402
from scripts.screenshots import CHROMIUM, CHROMIUM_ARGS, demo_server  # noqa: E402

PASSWORD = "screenshot password"


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
        browser.close()


if __name__ == "__main__":
    main()
