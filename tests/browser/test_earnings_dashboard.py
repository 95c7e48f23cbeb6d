"""The earnings dashboard of the demo's 90 days in Chromium, on a phone and a desktop: the lift and its interval and
the quiz funnel read from the page equal the figures computed from the aggregates; charts drawn beside their
tables, nothing wider than the screen, no console error; the monthly report prints without the admin's navigation.

The screenshots of the README go to the test's temporary folder unless EARNINGS_SCREENSHOTS names one
(EARNINGS_SCREENSHOTS=docs/screenshots to renew them).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import Session

from assistant.analytics.aggregates import compute_earnings
from assistant.analytics.earnings import Asked, Overview, earnings_overview
from assistant.analytics.path_outcomes import site_judge
from assistant.db import make_engine
from assistant.demo.campaigns import seed_campaigns
from assistant.demo.earnings_history import DAYS, seed_demo_earnings
from assistant.flows.registry import FlowRegistry
from assistant.insight.nightly import compute_site_figures
from assistant.paths import resource_dir
from assistant.sites.models import Site
from assistant.sites.service import get_site_by_key
from assistant.timeutil import utcnow
from assistant.users.service import create_user
from tests.browser.conftest import DESKTOP, PHONE, demo_shop
from tests.browser.test_admin_campaigns import PASSWORD, errors_of, log_in

WIDER_THAN_SCREEN = "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"


@pytest.fixture(scope="module")
def earnings_shop(chromium: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Overview]]:
    """A demo shop with its 90 days computed into the aggregates; yields its base URL and the expected figures."""
    folder = tmp_path_factory.mktemp("earnings")
    flows = folder / "flows"
    shutil.copytree(resource_dir("flows"), flows)
    surveys = folder / "surveys"
    surveys.mkdir()

    def prepare(session: Session, site: Site, _models: Path) -> None:
        seed_campaigns(session=session, site=site)
        create_user(session=session, email="owner@trailhead.example", name="Owner", role="marketer",
                    password=PASSWORD, all_sites=True)

    with demo_shop(folder, flows, prepare=prepare, surveys=surveys) as base:
        engine = make_engine(f"sqlite:///{folder / 'demo.db'}")
        now = utcnow()
        with Session(engine, expire_on_commit=False) as session:
            site = get_site_by_key(session=session, key="pk_demo")
            seed_demo_earnings(session=session, site=site, now=now, flows_dir=flows)
            session.commit()
            compute_site_figures(session=session, site=site, now=now)  # the segments, as `assistant demo` has them
            session.commit()
            compute_earnings(session=session, site=site, now=now, days=DAYS + 1,
                             judge=site_judge(session=session, site=site, flows_dir=flows))
            session.commit()
            order = {f.id: [Asked(q.id, q.text, bool(q.when)) for q in f.questions]
                     for f in FlowRegistry(flows, reload=False).flows()}
            expected = earnings_overview(session=session, site=site, first=now.date() - timedelta(days=89),
                                         last=now.date(), question_order=order)
        engine.dispose()
        yield base, expected


@pytest.fixture
def shots(tmp_path: Path) -> Path:
    """Where screenshots go: the test's temporary folder, or the folder EARNINGS_SCREENSHOTS names."""
    folder = Path(os.environ.get("EARNINGS_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.mark.parametrize("device", ["phone", "desktop"])
def test_the_dashboard_reads_the_lift_and_the_funnel(browser: Any, earnings_shop: tuple[str, Overview], shots: Path,
                                                     device: str) -> None:
    base, expected = earnings_shop
    context = browser.new_context(base_url=base, **(PHONE if device == "phone" else DESKTOP))
    context.set_default_timeout(10_000)
    page = context.new_page()
    problems = errors_of(page)
    log_in(page, "owner@trailhead.example")
    page.goto("/admin/earnings")
    rpv = expected.revenue_per_visitor
    assert rpv is not None and rpv.relative.value is not None and rpv.relative.low is not None
    row = page.locator("tr[data-metric=revenue_per_visitor]")
    lift = row.locator(".lift-cell").inner_text()
    assert f"{100 * rpv.relative.value:+.1f} %" in lift
    assert f"{100 * rpv.relative.low:+.1f} to {100 * (rpv.relative.high or 0):+.1f} %" in lift
    assert rpv.relative.low > 0 and "Higher with the assistant" in row.inner_text()  # the demo's modest lift shows
    assert "only honest measure" in page.locator(".honest").inner_text()
    assert page.locator("#segments tbody tr").count() == len(expected.segments) > 0

    shoes = next(f for f in expected.funnels if f["flow"] == "running-shoes")
    table = page.locator("table.funnel[data-flow=running-shoes] tbody tr")
    read = [(r.locator("td").nth(0).inner_text().split("\n")[0].split(" asked after")[0].strip(),
             int(r.locator("td").nth(1).inner_text().replace(",", ""))) for r in table.all()]
    assert read == [(s["step"], s["quizzes"]) for s in shoes["steps"]]
    assert read[0][0] == "Started" and read[1][0] == "Where do you run most?" and read[-1][0] == "Bought"
    assert read[0][1] > read[-1][1] > 0

    page.wait_for_function("() => [...document.querySelectorAll('canvas[data-earnings-chart]')]"
                           ".every(c => window.Chart && Chart.getChart(c))")
    assert page.evaluate(WIDER_THAN_SCREEN) <= 0, "the page is wider than the screen"
    page.wait_for_timeout(400)  # the charts' animation
    page.screenshot(path=str(shots / f"admin-earnings-{device}.png"), full_page=True,
                    clip=None if device == "desktop" else {"x": 0, "y": 0, "width": 390, "height": 2400})
    assert problems == [], problems
    context.close()


def test_the_monthly_report_prints_without_the_navigation(browser: Any, earnings_shop: tuple[str, Overview],
                                                          shots: Path) -> None:
    base, _ = earnings_shop
    context = browser.new_context(base_url=base, **DESKTOP)
    page = context.new_page()
    problems = errors_of(page)
    log_in(page, "owner@trailhead.example")
    month = utcnow().strftime("%Y-%m")
    page.goto(f"/admin/earnings/report?month={month}")
    assert page.locator("header.top").is_visible()
    page.emulate_media(media="print")
    assert not page.locator("header.top").is_visible() and not page.locator("[data-print]").is_visible()
    assert "Earned by the assistant" in page.locator("[data-figure=earned]").inner_text()
    page.screenshot(path=str(shots / "admin-earnings-report-print.png"), full_page=True)
    assert problems == [], problems
    context.close()
