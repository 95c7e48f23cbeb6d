"""A merchandiser edits a flow as a draft, replays the recorded sessions against it and publishes it.

On a demo shop of its own (publishing rewrites its flows folder), with 400 recorded runs of the running-shoe
finder. The screenshots of docs/flows.md go to the test's temporary folder unless FLOW_SCREENSHOTS names one
(FLOW_SCREENSHOTS=docs/screenshots to renew them).
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from sqlmodel import Session

from assistant.catalog.index import build_index
from assistant.db import make_engine
from assistant.flows.answers import give_answer, next_question
from assistant.flows.quiz_store import insert_quiz
from assistant.flows.registry import read_flow
from assistant.flows.replay import recorded_answers, replay_sessions
from assistant.flows.schema import Flow
from assistant.paths import resource_dir
from assistant.rawsql import RawSQL
from assistant.sites.models import Site
from assistant.users.service import create_user
from tests.browser.conftest import DESKTOP, PHONE, demo_shop
from tests.browser.test_admin_campaigns import PASSWORD, errors_of, log_in

EMAIL = "mia@trailhead.example"
WIDER_THAN_SCREEN = "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
NARROWING = ("        filter: {gender: [women, unisex]}", "        filter: {gender: [women]}")
"""The edit: women's fit no longer includes unisex models (so wide feet, only made unisex, find nothing)."""


def record_runs(session: Session, site: Site, flow: Flow, runs: int = 400) -> None:
    """`runs` complete quiz sessions through `flow` with seeded random answers, stored as the API stores them."""
    rng = np.random.default_rng(7)
    sql = RawSQL(session)
    for _ in range(runs):
        answers: list[tuple[str, Any]] = []
        while (question := next_question(flow, answers)) is not None:
            if question.type == "range":
                low = float(rng.choice([60, 80, 100]))
                value: Any = [low, float(rng.choice([160, 220]))]
            else:
                value = question.answers[int(rng.integers(len(question.answers)))].id
            answers = give_answer(flow, answers, question.id, value)
        insert_quiz(sql, site_id=site.pk, flow_id=flow.id, visitor_id=None, page="/demo/",
                    answers=[[qid, v] for qid, v in answers], finished=True)


@pytest.fixture
def draft_shop(chromium: Path, tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """A demo shop with recorded runs and a merchandiser; yields its URL and its flows folder."""
    flows = tmp_path / "flows"
    shutil.copytree(resource_dir("flows"), flows)
    flow = read_flow(flows / "running-shoes.yaml")[0].flow
    assert flow is not None

    def prepare(session: Session, site: Site, _models: Path) -> None:
        record_runs(session, site, flow)
        create_user(session=session, email=EMAIL, name="Mia", role="merchandiser", password=PASSWORD, all_sites=True)

    with demo_shop(tmp_path, flows, prepare=prepare) as base:
        yield base, flows


@pytest.fixture
def shots(tmp_path: Path) -> Path:
    """Where screenshots go: the test's temporary folder, or the folder FLOW_SCREENSHOTS names."""
    folder = Path(os.environ.get("FLOW_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def expected(folder: Path, draft_text: str) -> tuple[int, int, list[str]]:
    """Sessions changed, their count, and the newly empty paths, worked out by flows.replay on the same data."""
    engine = make_engine(f"sqlite:///{folder / 'demo.db'}")
    live = read_flow(folder / "flows" / "running-shoes.yaml")[0].flow
    draft_path = folder / "check.draft.yaml"
    draft_path.write_text(draft_text)
    draft = read_flow(draft_path)[0].flow
    assert live is not None and draft is not None
    with Session(engine) as session:
        recorded = recorded_answers(RawSQL(session), site_id=1, flow_id="running-shoes", days=30)
        report = replay_sessions(live, draft, recorded, build_index(session.connection(), 1), days=30)
    engine.dispose()
    return report.changed, report.sessions, [p.label for p in report.newly_empty()]


@pytest.mark.parametrize("device", ["desktop", "phone"])
def test_draft_replay_publish(browser: Any, draft_shop: tuple[str, Path], shots: Path, device: str) -> None:
    base, flows = draft_shop
    context = browser.new_context(base_url=base, **(PHONE if device == "phone" else DESKTOP))
    context.set_default_timeout(15_000)
    page = context.new_page()
    problems = errors_of(page)
    log_in(page, EMAIL)
    page.goto("/admin/flows/running-shoes")
    page.get_by_role("link", name="Edit as a draft").click()
    page.wait_for_url(re.compile(r"/admin/flows/running-shoes/draft$"))
    editor = page.get_by_role("textbox", name="Flow file")
    live_text = editor.input_value()
    assert NARROWING[0] in live_text
    editor.fill(live_text.replace("type: single", "type: singel", 1))
    page.get_by_role("button", name="Replay").click()
    assert re.search(r"\d error\(s\)", page.locator("#checks-title").inner_text())
    assert "type: input should be" in page.locator(".problems").inner_text()
    assert page.get_by_role("button", name="Publish").is_disabled()

    draft = live_text.replace(*NARROWING)
    page.get_by_role("textbox", name="Flow file").fill(draft)
    page.get_by_label("Replay the last").select_option("30")
    page.get_by_role("button", name="Replay").click()
    changed, sessions, empty = expected(flows.parent, draft)
    assert sessions == 400 and changed > 0 and empty
    report = page.locator("#replay")
    assert f"{sessions} recorded sessions" in report.locator("h2").inner_text()
    assert report.locator("[data-figure=changed]").inner_text() == str(changed)
    assert report.locator("[data-figure=newly-empty]").inner_text() == str(len(empty))
    assert report.locator("table.newly-empty tbody td:first-child").all_inner_texts() == empty
    assert "fit" in page.locator(".changes").inner_text()
    assert page.evaluate(WIDER_THAN_SCREEN) <= 0, "the page is wider than the screen"
    if device == "desktop":
        page.screenshot(path=str(shots / "admin-flow-draft-desktop.png"), full_page=True)
    else:  # a phone's full page is many screens long: its first screen, and the report's
        page.screenshot(path=str(shots / "admin-flow-draft-phone.png"))
        report.scroll_into_view_if_needed()
        page.evaluate("() => document.getElementById('replay').scrollIntoView()")
        page.screenshot(path=str(shots / "admin-flow-replay-phone.png"))

    page.get_by_role("button", name="Publish").click()
    page.wait_for_url(re.compile(r"/admin/flows/running-shoes$"))
    assert "Published running-shoes.yaml" in page.locator(".flash").inner_text()
    history = page.locator("#history table tbody tr").first.inner_text()
    assert EMAIL in history and f"{changed} of {sessions} sessions changed over 30 days" in history
    assert (flows / "running-shoes.yaml").read_bytes() == draft.encode()  # LF, as the file was, not the form's CRLF
    assert "changed outside the admin" not in page.locator("#history").inner_text()
    assert page.evaluate(WIDER_THAN_SCREEN) <= 0, "the page is wider than the screen"
    assert problems == []
    context.close()
