"""The quiz is a lazy module: quiz.js and quiz.css load when a launcher is pointed at or pressed, or when an
inline flow nears the viewport, and the first question still shows within 300 ms of the press."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.browser.helpers import Problems, dialog, focused, tab_to, wait_ready, watch

QUIZ_FILES = ("/static/widget/quiz.js", "/static/widget/quiz.css")
BUDGET_MS = 300

# Taken by the page itself: the moment of the press (the launcher's pointerdown, or the keydown of Enter), and
# the moment a question is shown: in the DOM of a visible, styled panel that is no longer busy (mutation observers
# on the document and every shadow root of the widget, so the time is the widget's, not the next frame's).
TIMER = """
window.__press = null;
window.__shown = null;
for (const type of ['pointerdown', 'keydown']) {
  window.addEventListener(type, e => { if (window.__press === null && (type !== 'keydown' || e.key === 'Enter'))
    window.__press = performance.now(); }, true);
}
(() => {
  const options = {subtree: true, childList: true, attributes: true, characterData: true};
  const watched = new WeakSet();
  const watcher = new MutationObserver(() => {
    for (const host of document.querySelectorAll('[data-assistant]')) {
      const root = host.shadowRoot;
      if (!root) continue;
      if (!watched.has(root)) {
        watched.add(root);
        watcher.observe(root, options);
      }
      const q = root.querySelector('section.panel:not([hidden]):not([aria-busy]) h3.q');
      const visible = q && q.textContent && q.getClientRects().length;
      if (window.__shown === null && visible) window.__shown = performance.now();
    }
  });
  watcher.observe(document, options);
})();
"""

# The first animation frame with the question on screen.
QUESTION_PAINTED = """() => {
  for (const host of document.querySelectorAll('[data-assistant]')) {
    const q = host.shadowRoot && host.shadowRoot.querySelector('section.panel:not([hidden]):not([aria-busy]) h3.q');
    if (q && q.textContent && q.getClientRects().length) return performance.now();
  }
  return false;
}"""


def requests_of(page: Any) -> list[str]:
    """Paths of every request `page` makes from now on."""
    paths: list[str] = []
    page.on("request", lambda r: paths.append(urlsplit(r.url).path))
    return paths


def quiz_files(paths: list[str]) -> list[str]:
    return [p for p in paths if p in QUIZ_FILES]


def press_to_question(page: Any) -> tuple[float, float]:
    """Milliseconds from the press to the question shown, and to the first frame painted with it."""
    painted = page.wait_for_function(QUESTION_PAINTED, polling="raf").json_value()
    press, shown = page.evaluate("[window.__press, window.__shown]")
    assert press is not None and shown is not None, "the press and the question were seen"
    return shown - press, painted - press


def test_no_quiz_code_until_a_launcher_is_pointed_at(page: Any, problems: Problems) -> None:
    page.add_init_script("window.__before = Object.keys(window);")
    paths = requests_of(page)
    page.goto("/demo/")
    launcher = page.locator(".launcher")
    launcher.wait_for()
    page.wait_for_timeout(500)
    assert quiz_files(paths) == [], "a page with a launcher loads no quiz code by itself"

    with page.expect_request(re.compile(r"/static/widget/quiz\.js$")):
        launcher.hover()
    page.wait_for_function("typeof Assistant._quiz === 'function'")
    assert quiz_files(paths) == ["/static/widget/quiz.js"], "pointing at the launcher loads the script, once"
    assert dialog(page).count() == 0

    launcher.click()
    wait_ready(page, dialog(page))
    assert quiz_files(paths) == list(QUIZ_FILES)
    added = page.evaluate("Object.keys(window).filter(k => !window.__before.includes(k) && k !== '__before')")
    assert added == ["Assistant"], "quiz.js adds no global of its own"
    problems.assert_none()


def _inline_flow_at_the_end(route: Any) -> None:
    """The socks page with its inline flow moved below the footer, far out of view."""
    html = route.fetch().text()
    flow = '<div class="inline-flow" data-assistant-flow="sock-finder"></div>'
    assert flow in html
    route.fulfill(body=html.replace(flow, "").replace("</body>", flow + "</body>"),
                  content_type="text/html; charset=utf-8")


def test_an_inline_flow_loads_the_quiz_when_it_nears_the_viewport(page: Any, problems: Problems) -> None:
    page.route("**/demo/category/socks", _inline_flow_at_the_end)
    paths = requests_of(page)
    page.goto("/demo/category/socks")
    target = page.locator("[data-assistant-flow=sock-finder]")
    page.wait_for_function("typeof Assistant === 'function' && Assistant.version")
    page.wait_for_timeout(800)
    assert target.evaluate("t => t.getBoundingClientRect().top") > 2000, "the flow is far below the fold"
    assert quiz_files(paths) == [], "nothing loads for a flow out of view"

    target.scroll_into_view_if_needed()
    panel = target.locator("section.panel.inline")
    panel.get_by_role("button", name="Find my socks").click()
    wait_ready(page, panel)
    assert quiz_files(paths) == list(QUIZ_FILES)
    assert page.locator(".launcher").count() == 0
    problems.assert_none()


def press_and_time(new_page: Callable[..., Any], how: str) -> tuple[float, float]:
    """Open the quiz on the home page in a fresh context (nothing of the quiz cached) and time it."""
    page = new_page(phone=how == "tap")
    problems = watch(page)
    page.add_init_script(TIMER)
    page.goto("/demo/")
    launcher = page.locator(".launcher")
    launcher.wait_for()
    if how == "mouse":
        launcher.click()  # moves the pointer onto the launcher and presses at once
    elif how == "keyboard":
        tab_to(page, "launcher")
        page.keyboard.press("Enter")
    elif how == "tap":
        launcher.tap()
    else:  # Assistant('open') from the shop's code: nothing was loaded ahead
        page.evaluate("window.__press = performance.now(); Assistant('open', 'running-shoes')")
    elapsed = press_to_question(page)
    assert focused(page)["inDialog"], "focus is in the dialog once the question shows"
    problems.assert_none()
    page.context.close()
    return elapsed


@pytest.mark.parametrize("how", ["mouse", "keyboard", "tap", "script"])
def test_first_question_within_300_ms_of_the_press(new_page: Callable[..., Any], how: str) -> None:
    # The median of three cold runs: one stall of a busy shared machine is not the widget's doing. When the frame
    # is painted is up to the machine (software rendering on a shared CPU can take 100+ ms): printed, not asserted.
    runs = [press_and_time(new_page, how) for _ in range(3)]
    shown = sorted(run[0] for run in runs)[1]
    print(f"press to first question ({how}): shown {', '.join(f'{r[0]:.0f}' for r in runs)} ms (median {shown:.0f}); "
          f"first frame with it {', '.join(f'{r[1]:.0f}' for r in runs)} ms")
    assert shown < BUDGET_MS


@pytest.mark.parametrize("part", ["quiz.js", "quiz.css"])
def test_a_quiz_module_that_failed_to_load_loads_on_the_next_press(page: Any, problems: Problems, part: str) -> None:
    failed: list[str] = []

    def fail_once(route: Any) -> None:
        if failed:
            route.continue_()
        else:
            failed.append(route.request.url)
            route.abort()

    page.route(f"**/static/widget/{part}", fail_once)
    page.goto("/demo/")
    launcher = page.locator(".launcher")
    launcher.click()
    page.wait_for_timeout(500)
    assert failed and dialog(page).count() == 0, "no quiz without its code and styles, and no error"
    assert launcher.is_visible() and launcher.get_attribute("aria-expanded") == "false", "the launcher stays"
    launcher.click()
    wait_ready(page, dialog(page))
    assert launcher.get_attribute("aria-expanded") == "true"
    problems.assert_none(network_failures_expected=True)


@pytest.mark.parametrize("phone", [True, False], ids=["phone", "desktop"])
def test_the_quiz_makes_no_page_wider_than_its_window(new_page: Callable[..., Any], phone: bool) -> None:
    """Open as a dialog on the home page and inline on the socks page: the page never scrolls sideways."""
    page = new_page(phone=phone)
    problems = watch(page)
    page.goto("/demo/")
    page.locator(".launcher").click()
    wait_ready(page, dialog(page))
    assert _widths(page)[0] <= _widths(page)[1], _widths(page)
    page.goto("/demo/category/socks")
    target = page.locator("[data-assistant-flow=sock-finder]")
    target.scroll_into_view_if_needed()
    panel = target.locator("section.panel.inline")
    panel.get_by_role("button", name="Find my socks").click()
    wait_ready(page, panel)
    assert _widths(page)[0] <= _widths(page)[1], _widths(page)
    problems.assert_none()


def _widths(page: Any) -> list[int]:
    """The page's scroll width and the window's width."""
    return list(page.evaluate("() => [document.documentElement.scrollWidth, innerWidth]"))
