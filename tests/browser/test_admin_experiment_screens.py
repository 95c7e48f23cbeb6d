"""The flow experiment results, the bandit campaign form and its results, on a phone and a desktop, with data.

A flow experiment of two variants and a bandit campaign of three message variants and a control get a few
hundred visitors each (starts, completions, clicks, purchases, impressions); each page must fit the screen's
width (wide tables scroll inside their card) and show its numbers. Screenshots go to the test's temporary folder
unless EXPERIMENT_SCREENSHOTS names one (EXPERIMENT_SCREENSHOTS=docs/screenshots to renew those of
docs/experiments.md).
"""

from __future__ import annotations

import os
import random
import shutil
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import Session

from assistant.flows.models import QuizSession
from assistant.paths import resource_dir
from assistant.promotions.models import Campaign
from assistant.sites.models import Site
from assistant.timeutil import utcnow
from assistant.users.service import create_user
from tests.browser.conftest import DESKTOP, PHONE, demo_shop
from tests.browser.test_admin_campaigns import PASSWORD, log_in
from tests.browser.test_baskets_admin import WIDER_THAN_SCREEN
from tests.promotions.helpers import make_campaign, shown, track

EMAIL = "mara@trailhead.example"
EXPERIMENT = ("\nexperiment:\n  id: shorter-2026-12\n  variants:\n    - {flow: running-shoes, share: 50}\n"
              "    - {flow: running-shoes-quick, share: 50}\n")
# (visitors, completion, click, purchase) per arm: the quick variant completes more, sells a little more
ARMS = {"running-shoes": (240, 0.55, 0.30, 0.06), "running-shoes-quick": (232, 0.78, 0.41, 0.08)}
# (visitors, click, purchase) per campaign variant, as a bandit that moved traffic to "gap" would leave them
VARIANTS = {"control": (120, 0.0, 0.05), "gap": (230, 0.16, 0.09), "bundle": (80, 0.10, 0.06),
            "socks": (50, 0.05, 0.05)}


def quick_variant(flows: Path) -> None:
    """running-shoes with an experiment, and running-shoes-quick: the same flow without its last questions."""
    control = (flows / "running-shoes.yaml").read_text(encoding="utf-8")
    (flows / "running-shoes.yaml").write_text(control + EXPERIMENT, encoding="utf-8")
    head, _, questions = control.partition("\nquestions:\n")
    kept = "\n  - id: ".join(questions.split("\n  - id: ")[:2])  # the first question only
    tail = control[control.index("\nresults:"):] if "\nresults:" in control else ""
    lines = [line for line in head.splitlines() if not line.startswith(("id:", "title:", "locales:"))]
    (flows / "running-shoes-quick.yaml").write_text(
        "id: running-shoes-quick\nvariant_of: running-shoes\ntitle: Quick running shoe finder\n"
        + "\n".join(lines) + "\nquestions:\n" + kept + tail, encoding="utf-8")


def flow_visitors(session: Session, site: Site) -> None:
    """Quiz runs of the experiment, with their result clicks and purchases."""
    dice = random.Random(7)
    start = utcnow() - timedelta(days=6)
    for arm, (visitors, completion, click, purchase) in ARMS.items():
        for n in range(visitors):
            visitor, at = f"fx-{arm}-{n:04d}", start + timedelta(minutes=30 * n)
            finished = dice.random() < completion
            quiz = QuizSession(site_id=site.id, flow_id="running-shoes", visitor_id=visitor, finished=finished,
                               created_at=at, updated_at=at, experiment="shorter-2026-12",
                               variant=None if arm == "running-shoes" else arm)
            session.add(quiz)
            session.flush()
            events: list[dict[str, Any]] = []
            if finished and dice.random() < click / completion:
                events.append({"type": "quiz_result_click", "flow": "running-shoes", "quiz": quiz.id, "sku": "rs-1"})
            if dice.random() < purchase:
                events.append({"type": "purchase", "order_id": f"fx-{arm}-{n}", "value": 120})
            if events:
                track(session, site, visitor, at + timedelta(minutes=5), *events)
    session.commit()


def bandit_campaign(session: Session, site: Site) -> Campaign:
    """A live bandit campaign with three messages and a control, its impressions, clicks and purchases."""
    campaign = make_campaign(session, site, name="Free shipping nudge (bandit)", allocation={
        "mode": "bandit", "metric": "conversion", "min_share": 0.05}, variants=[
        {"key": "gap", "message": "Only {{ price(free_shipping_gap) }} to free shipping"},
        {"key": "bundle", "message": "Add socks and shipping is on us"},
        {"key": "socks", "message": "Runners add socks: free shipping sooner"},
        {"key": "control", "control": True}])
    campaign.serving_weights = {"control": 0.25, "gap": 0.58, "bundle": 0.12, "socks": 0.05}
    session.add(campaign)
    session.commit()
    dice = random.Random(11)
    start = utcnow() - timedelta(days=5)
    for key, (visitors, click, purchase) in VARIANTS.items():
        for n in range(visitors):
            events = [shown(campaign, key)]
            if dice.random() < click:
                events.append(shown(campaign, key, kind="promo_click"))
            if dice.random() < purchase:
                events.append({"type": "purchase", "order_id": f"bx-{key}-{n}", "value": round(dice.uniform(40, 160))})
            track(session, site, f"bx-{key}-{n:04d}", start + timedelta(minutes=17 * n), *events)
    return campaign


@pytest.fixture(scope="module")
def experiment_shop(chromium: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, int]]:
    """The demo shop with the flow experiment and the bandit campaign; yields its base URL and the campaign's id."""
    folder = tmp_path_factory.mktemp("experiment-screens")
    flows = folder / "flows"
    shutil.copytree(resource_dir("flows"), flows)
    quick_variant(flows)
    made: list[int] = []

    def prepare(session: Session, site: Site, models: Path) -> None:
        flow_visitors(session, site)
        made.append(bandit_campaign(session, site).pk)
        create_user(session=session, email=EMAIL, name="Mara", role="admin", password=PASSWORD, all_sites=True)

    with demo_shop(folder, flows, prepare=prepare) as base:
        yield base, made[0]


@pytest.fixture
def shots(tmp_path: Path) -> Path:
    """Where screenshots go: the test's temporary folder, or the folder EXPERIMENT_SCREENSHOTS names."""
    folder = Path(os.environ.get("EXPERIMENT_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def clip(page: Any, device: str) -> dict[str, float]:
    """The page's top (the figures and the comparisons; the methods may fall off), to keep each file small."""
    height = page.evaluate("() => document.documentElement.scrollHeight")
    top = 2600 if device == "phone" else 1200
    return {"x": 0, "y": 0, "width": page.viewport_size["width"], "height": min(height, top)}


def fits(page: Any, what: str) -> None:
    assert page.evaluate(WIDER_THAN_SCREEN) <= 0, f"{what} is wider than the screen"


@pytest.mark.parametrize("device", ["phone", "desktop"])
def test_experiment_pages_on_a_phone_and_a_desktop(browser: Any, experiment_shop: tuple[str, int], shots: Path,
                                                   device: str) -> None:
    base, campaign = experiment_shop
    phone = {**PHONE, "device_scale_factor": 1}  # the same layout as a phone's, at a quarter of the file size
    context = browser.new_context(base_url=base, **(phone if device == "phone" else DESKTOP))
    context.set_default_timeout(10_000)
    page = context.new_page()
    refused: list[str] = []  # the admin's strict CSP: no inline style or script on these pages either
    page.on("console", lambda m: refused.append(m.text) if "Content Security Policy" in m.text else None)
    log_in(page, EMAIL)

    page.goto("/admin/flows/running-shoes/experiment")
    rows = page.locator("table.arms tbody tr")
    assert rows.count() == 2 and "running-shoes-quick" in rows.nth(1).inner_text()
    assert page.locator("#sequential .verdict").count() == 3
    assert page.locator(".sequential-note").count() == 2  # the shared note: the always-valid and the fixed test
    fits(page, "the flow experiment page")
    page.screenshot(path=str(shots / f"admin-flow-experiment-{device}.png"), full_page=True, clip=clip(page, device))

    page.goto(f"/admin/campaigns/{campaign}/results")
    assert page.locator("table.arms tbody tr").count() == 4
    assert "It maximizes conversions and keeps each message variant at 5 %" in page.locator(".bandit-note").inner_text()
    assert page.locator(".sequential-note").count() == 2
    fits(page, "the campaign results page")
    page.screenshot(path=str(shots / f"admin-campaign-bandit-{device}.png"), full_page=True, clip=clip(page, device))
    cells = page.locator("table.arms td").evaluate_all("cells => cells.filter(c => c.scrollWidth > c.clientWidth + 1)"
                                                       ".map(c => c.textContent)")
    assert cells == [], f"cut off: {cells}"

    page.goto(f"/admin/campaigns/{campaign}/edit")
    assert page.locator("#f-allocation-mode").input_value() == "bandit"
    page.wait_for_load_state("networkidle")
    page.evaluate("() => document.fonts.ready.then(() => true)")  # a label that wraps in a fallback font
    fits(page, "the campaign form")
    section = page.locator("#f-allocation")
    boxes = [section.locator(f"#f-allocation-{name}").bounding_box() for name in ("mode", "metric", "min-share")]
    section.screenshot(path=str(shots / f"admin-campaign-bandit-form-{device}.png"))
    if device == "desktop":  # the three fields of the allocation line up
        assert len({round(box["y"]) for box in boxes if box}) == 1, boxes
    assert refused == [], refused
    context.close()
