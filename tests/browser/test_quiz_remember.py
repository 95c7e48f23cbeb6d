"""A flow with `remember: true`: the shopper's next visit opens at the first question not answered before,
says so, and Back shows the kept answer chosen."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from assistant.paths import resource_dir
from tests.browser.conftest import demo_shop
from tests.browser.helpers import Problems, answer_by_tap, dialog, settle, wait_ready, watch


@pytest.fixture(scope="module")
def remembering_shop(chromium: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The demo shop with its running-shoe finder set to `remember: true`."""
    folder = tmp_path_factory.mktemp("remember")
    flows = folder / "flows"
    shutil.copytree(resource_dir("flows"), flows)
    finder = flows / "running-shoes.yaml"
    text = finder.read_text()
    finder.write_text(text.replace("\ntitle:", "\nremember: true\ntitle:", 1))
    with demo_shop(folder, flows) as base:
        yield base


def test_the_next_visit_starts_where_the_last_one_left_off(new_page: Callable[..., Any],
                                                           remembering_shop: str) -> None:
    page = new_page(base_url=remembering_shop)
    problems: Problems = watch(page)
    page.goto("/demo/")
    page.locator(".launcher").click()
    panel = dialog(page)
    wait_ready(page, panel)
    assert panel.locator(".step").inner_text().startswith("Question 1 of")
    answer_by_tap(panel, 1)
    assert panel.locator(".step").inner_text().startswith("Question 2 of")

    page.evaluate("sessionStorage.clear()")  # a later visit: the same visitor id, no quiz to resume
    page.reload()
    page.locator(".launcher").click()
    panel = dialog(page)
    wait_ready(page, panel)
    assert panel.locator(".step").inner_text().startswith("Question 2 of")
    assert "1 answer from your last visit kept" in panel.locator(".kept").inner_text()
    before = panel.locator(".step").inner_text()
    panel.get_by_role("button", name="Back").click()
    settle(page, panel, before)
    assert panel.locator(".step").inner_text().startswith("Question 1 of")
    assert panel.locator("[role=radio]").nth(1).get_attribute("aria-checked") == "true"
    assert panel.locator(".kept").count() == 0, "the note shows once"
    problems.assert_none()
