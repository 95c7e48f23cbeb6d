"""The widget on the demo shop: keyboard, phone, changing answers, inline flows, one global."""

from __future__ import annotations

import json
import re
from typing import Any

from tests.browser.helpers import (
    Problems,
    answer_by_tap,
    box,
    complete,
    dialog,
    focused,
    result_titles,
    settle,
    tab_to,
    wait_ready,
    watch,
)


def _open_launcher_by_keyboard(page: Any) -> Any:
    page.locator(".launcher").wait_for()
    tab_to(page, "launcher")
    page.keyboard.press("Enter")
    panel = dialog(page)
    panel.wait_for()
    return panel


def test_quiz_by_keyboard_only(page: Any, problems: Problems) -> None:
    page.goto("/demo/")
    panel = _open_launcher_by_keyboard(page)
    assert panel.get_attribute("role") == "dialog"
    assert panel.get_attribute("aria-modal") == "true"
    title = page.locator(f"#{panel.get_attribute('aria-labelledby')}")
    assert title.inner_text() == "Find your running shoe"
    wait_ready(page, panel)
    assert focused(page)["inDialog"], "focus moves into the dialog when it opens"
    assert re.fullmatch(r"Question 1 of \d", panel.locator(".step").inner_text())
    assert panel.locator("[role=radiogroup] [role=radio]").count() >= 2
    assert panel.locator("[aria-live]").count() == 1

    titles = complete(page, panel, keyboard=True)

    assert 1 <= len(titles) <= 6
    cards = panel.locator(".card")
    assert cards.first.locator(".chip").count() >= 1, "every result says why it matches"
    assert re.fullmatch(r"€\d+\.\d\d", cards.first.locator(".price").inner_text())
    href = cards.first.locator(".name a").get_attribute("href")
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+/demo/product/rs-\d+", href)
    assert "products match" in panel.locator("[aria-live]").inner_text()
    assert page.evaluate("localStorage.getItem('assistant:visitor')")
    problems.assert_none()


def test_focus_is_trapped_and_escape_returns_it(page: Any, problems: Problems) -> None:
    page.goto("/demo/")
    panel = _open_launcher_by_keyboard(page)
    wait_ready(page, panel)
    for key in ["Tab"] * 12 + ["Shift+Tab"] * 12:
        page.keyboard.press(key)
        assert focused(page)["inDialog"], f"focus left the dialog after {key}"
    page.keyboard.press("Escape")
    panel.wait_for(state="hidden")
    assert "launcher" in focused(page)["cls"].split()
    assert page.locator(".launcher").get_attribute("aria-expanded") == "false"
    problems.assert_none()


def test_the_launcher_shows_keyboard_focus(page: Any, problems: Problems) -> None:
    page.goto("/demo/")
    launcher = page.locator(".launcher")
    launcher.wait_for()
    resting = launcher.evaluate("b => getComputedStyle(b).boxShadow")
    tab_to(page, "launcher")
    launcher.evaluate("b => Promise.all(b.getAnimations().map(a => a.finished))")  # the shadow's transition
    ring = launcher.evaluate("b => getComputedStyle(b).boxShadow")
    assert ring != resting and "0px 0px 0px 4px" in ring, "a focus ring, not only the resting shadow"
    problems.assert_none()


def test_quiz_on_a_phone(new_page: Any) -> None:
    page = new_page(phone=True)
    problems = watch(page)
    page.goto("/demo/category/running-shoes")
    launcher = box(page.locator(".launcher"))
    assert launcher["x"] + launcher["width"] <= 390 and launcher["y"] + launcher["height"] <= 844
    page.locator(".launcher").tap()
    panel = dialog(page)
    titles = complete(page, panel, keyboard=False)

    sheet = box(panel)
    assert (sheet["x"], sheet["width"]) == (0, 390), "a bottom sheet spans the phone's width"
    assert abs(sheet["y"] + sheet["height"] - 844) <= 1, "and sits on the bottom edge"
    assert sheet["height"] <= 0.93 * 844
    cards = [box(panel.locator(".card").nth(i)) for i in range(len(titles))]
    assert len({round(c["x"]) for c in cards}) == 1, "one card per row"
    assert all(c["width"] > 300 and c["height"] > 80 for c in cards)
    image = box(panel.locator(".card img").first)
    assert image["width"] >= 80 and image["height"] >= 80
    problems.assert_none()


def test_going_back_and_changing_an_answer_changes_the_results(page: Any, problems: Problems) -> None:
    page.goto("/demo/category/running-shoes")
    page.locator(".launcher").click()
    panel = dialog(page)
    first = complete(page, panel, keyboard=False)

    while not panel.locator(".step").inner_text().startswith("Question 1 of"):
        before = panel.locator(".step").inner_text()
        panel.get_by_role("button", name="Back").click()
        settle(page, panel, before)
    assert panel.locator("[role=radio]").nth(0).get_attribute("aria-checked") == "true"
    answer_by_tap(panel, 1)
    second = complete(page, panel, keyboard=False)

    assert first and second and first != second
    problems.assert_none()


def test_start_over_and_resume_after_closing(page: Any, problems: Problems) -> None:
    page.goto("/demo/")
    page.locator(".launcher").click()
    panel = dialog(page)
    wait_ready(page, panel)
    answer_by_tap(panel, 0)
    step = panel.locator(".step").inner_text()
    page.keyboard.press("Escape")
    page.locator(".launcher").click()
    assert panel.locator(".step").inner_text() == step, "closing keeps the shopper's place"
    page.reload()
    page.locator(".launcher").click()
    wait_ready(page, dialog(page))
    assert dialog(page).locator(".step").inner_text() == step, "a reload resumes the quiz"
    problems.assert_none()


def test_visitor_id_is_sent_when_a_quiz_starts(page: Any, problems: Problems) -> None:
    page.goto("/demo/")
    with page.expect_request(lambda r: r.method == "POST" and r.url.split("?")[0].endswith("/quiz")) as sent:
        page.locator(".launcher").click()
    body = json.loads(sent.value.post_data)
    assert body["flow"] == "running-shoes" and body["page"] == "/demo/"
    assert body["visitor"] == page.evaluate("localStorage.getItem('assistant:visitor')")
    assert not sent.value.headers.get("content-type", "").startswith("application/json"), "no CORS preflight"
    problems.assert_none()


def test_inline_flow_with_multi_and_scale_questions(page: Any, problems: Problems) -> None:
    page.goto("/demo/category/socks")
    panel = page.locator("[data-assistant-flow=sock-finder] section.panel.inline")
    panel.get_by_role("button", name="Find my socks").click()
    wait_ready(page, panel)
    assert panel.locator("input[type=checkbox]").count() == 2
    continue_button = panel.locator(".actions .btn:not(.ghost)")
    assert continue_button.is_disabled(), "a required multi question needs a choice"
    panel.locator(".check").nth(1).click()
    before = panel.locator(".step").inner_text()
    continue_button.click()
    settle(page, panel, before)

    slider = panel.locator("input[type=range]")
    slider.focus()
    assert slider.get_attribute("aria-valuetext") == "€18", "starts in the middle, in the currency"
    page.keyboard.press("ArrowRight")
    assert slider.get_attribute("aria-valuetext") == "€20"
    assert panel.locator("output").inner_text() == "€20"
    page.keyboard.press("Enter")
    settle(page, panel, "Question 2 of 2")

    titles = result_titles(panel)
    assert 1 <= len(titles) <= 4
    assert "made for hiking" in panel.locator(".card").first.inner_text()
    assert page.locator(".launcher").count() == 0
    problems.assert_none()


def test_exactly_one_global(page: Any, problems: Problems) -> None:
    page.add_init_script("window.__before = Object.keys(window);")
    page.goto("/demo/")
    page.locator(".launcher").wait_for()
    added = page.evaluate("Object.keys(window).filter(k => !window.__before.includes(k) && k !== '__before')")
    assert added == ["Assistant"]
    assert page.evaluate("typeof Assistant.open + ' ' + typeof Assistant.close") == "function function"
    problems.assert_none()


def test_queued_calls_are_replayed(page: Any, problems: Problems) -> None:
    page.add_init_script("""
        window.Assistant = function () { (window.Assistant.q = window.Assistant.q || []).push(arguments); };
        window.Assistant('open', 'running-shoes');
    """)
    page.goto("/demo/")
    panel = dialog(page)
    wait_ready(page, panel)
    page.evaluate("Assistant.close()")
    panel.wait_for(state="hidden")
    page.evaluate("Assistant('no-such-command'); Assistant.open('no-such-flow'); Assistant.open()")
    problems.assert_none()


def test_relaxed_answers_are_explained(page: Any, problems: Problems) -> None:
    page.goto("/demo/category/running-shoes")
    page.locator(".launcher").click()
    panel = dialog(page)
    for text in ["Roads and paved paths", "Half marathon and beyond", "My feet roll inward", "Women's"]:
        wait_ready(page, panel)
        before = panel.locator(".step").inner_text()
        panel.get_by_role("radio", name=text).click()
        settle(page, panel, before)
    panel.get_by_label("To (€)").fill("80")
    panel.get_by_role("button", name="Show my matches").click()
    panel.locator(".cards").wait_for()

    assert panel.locator(".note").inner_text().startswith("We widened: ")
    assert panel.locator(".miss").first.inner_text().startswith("Not quite: ")
    problems.assert_none()
