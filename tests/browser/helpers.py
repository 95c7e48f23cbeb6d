"""Driving the widget in a page: answer its questions by keyboard or by tapping, read its results."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

# Chromium logs a failed request (an aborted route) itself; that is the browser, not the page's code.
NETWORK_LOG = "Failed to load resource"

DEEP_ACTIVE = """() => {
  let node = document.activeElement;
  while (node && node.shadowRoot && node.shadowRoot.activeElement) node = node.shadowRoot.activeElement;
  if (!node) return null;
  return {tag: node.tagName.toLowerCase(), role: node.getAttribute('role'),
          cls: node.getAttribute('class') || '', type: node.getAttribute('type'),
          text: (node.textContent || '').trim().slice(0, 80),
          inPanel: !!node.closest('.panel'), inDialog: !!node.closest('[role=dialog]')};
}"""

SETTLED = """([panel, before]) => !panel.hasAttribute('aria-busy') && (
  panel.querySelector('.cards, .empty') ||
  (panel.querySelector('.step').textContent !== before && panel.querySelector('.q')))"""


@dataclass
class Problems:
    """What went wrong in a page: uncaught exceptions and console errors."""

    page_errors: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)

    def assert_none(self, *, network_failures_expected: bool = False) -> None:
        """No uncaught error and no console error (but the browser's own log of a blocked request)."""
        console = [m for m in self.console_errors
                   if not (network_failures_expected and m.startswith(NETWORK_LOG))]
        assert self.page_errors == [], self.page_errors
        assert console == [], console


def watch(page: Any) -> Problems:
    """Collect uncaught exceptions and console errors of `page` from now on."""
    found = Problems()
    page.on("pageerror", lambda exc: found.page_errors.append(str(exc)))
    page.on("console", lambda msg: found.console_errors.append(msg.text) if msg.type == "error" else None)
    return found


class Network:
    """The requests of a page (and its frames) from now on, to wait for it to go quiet instead of a fixed time."""

    def __init__(self, page: Any) -> None:
        self.page = page
        self.open: set[Any] = set()
        self.last = time.monotonic()
        page.on("request", lambda request: self._moved(self.open.add, request))
        page.on("requestfinished", lambda request: self._moved(self.open.discard, request))
        page.on("requestfailed", lambda request: self._moved(self.open.discard, request))

    def _moved(self, change: Callable[[Any], None], request: Any) -> None:
        change(request)
        self.last = time.monotonic()

    def quiet(self, ms: int = 250, *, at_most: float = 3.0, settled: bool = False) -> None:
        """Wait until no request is open and none began or ended for `ms` (the page's scripts ran on what came
        back), or `at_most` seconds: a page whose requests never settle is no failure here, unless `settled`
        asks for it. The quiet counts from now (what the last action starts has time to begin), or, with
        `settled`, from the last request that moved (a page already loaded)."""
        start = time.monotonic()
        if not settled:
            self.last = max(self.last, start)
        while self.open or time.monotonic() - self.last < ms / 1000:
            if time.monotonic() - start >= at_most:
                assert not settled, f"requests still open: {[r.url for r in self.open]}"
                return
            self.page.wait_for_timeout(50)


def gave_up(page: Any, held: list[Any], failed: list[Any], seconds: float = 15) -> None:
    """Wait until the page has aborted every request whose route is `held` (the widget's timeout, 4 s): the event, not
    a sleep of the timeout and more."""
    for _ in range(int(seconds * 10)):
        if held and all(route.request in failed for route in held):
            return
        page.wait_for_timeout(100)
    raise AssertionError(f"the widget never gave up on {[route.request.url for route in held]}")


def focused(page: Any) -> dict[str, Any] | None:
    """The focused element, looking inside shadow roots."""
    return page.evaluate(DEEP_ACTIVE)


def dialog(page: Any) -> Any:
    """The open quiz dialog."""
    return page.locator("section.panel.dialog:not([hidden])")


def tab_to(page: Any, css_class: str, *, limit: int = 150) -> None:
    """Press Tab until the element with `css_class` has the focus."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        now = focused(page)
        if now and css_class in now["cls"].split():
            return
    raise AssertionError(f"Tab never reached .{css_class}")


def wait_ready(page: Any, panel: Any) -> None:
    """Wait until the panel shows a question or the results."""
    page.wait_for_function(SETTLED, arg=[panel.element_handle(), "\u0000"])


def settle(page: Any, panel: Any, before: str) -> None:
    """Wait until the panel moved on from the step labelled `before`."""
    page.wait_for_function(SETTLED, arg=[panel.element_handle(), before])


def question_kind(panel: Any) -> str:
    """single, multi, range or scale: what the current question asks for."""
    for kind, selector in [("single", "[role=radiogroup]"), ("multi", ".check"), ("range", ".fields"),
                           ("scale", ".scale")]:
        if panel.locator(selector).count():
            return kind
    raise AssertionError("no question shown")


def answer_by_keyboard(page: Any, panel: Any, choice: int = 0, *, key: str = "Enter") -> None:
    """Answer the current question with Tab, arrows, Space and Enter only."""
    before = panel.locator(".step").inner_text()
    kind = question_kind(panel)
    if kind == "single":
        for _ in range(choice):
            page.keyboard.press("ArrowDown")
        page.keyboard.press(key)
    elif kind == "multi":
        for _ in range(choice):
            page.keyboard.press("Tab")
        page.keyboard.press("Space")
        for _ in range(10):
            now = focused(page)
            if now and now["tag"] == "button" and "ghost" not in now["cls"]:
                break
            page.keyboard.press("Tab")
        page.keyboard.press("Enter")
    elif kind == "range":
        page.keyboard.press("ArrowUp")
        page.keyboard.press("Enter")
    else:
        for _ in range(choice + 1):
            page.keyboard.press("ArrowRight")
        page.keyboard.press("Enter")
    settle(page, panel, before)


def answer_by_tap(panel: Any, choice: int = 0) -> None:
    """Answer the current question with taps (clicks)."""
    before = panel.locator(".step").inner_text()
    kind = question_kind(panel)
    if kind == "single":
        panel.locator("[role=radio]").nth(choice).click()
    else:
        if kind == "multi":
            panel.locator(".check").nth(choice).click()
        panel.locator(".actions .btn:not(.ghost)").click()
    settle(panel.page, panel, before)


def complete(page: Any, panel: Any, *, keyboard: bool, choices: dict[int, int] | None = None) -> list[str]:
    """Answer until the results show (choice per question number, default the first); their titles."""
    wait_ready(page, panel)
    for number in range(1, 15):
        if panel.locator(".cards").count():
            return result_titles(panel)
        choice = (choices or {}).get(number, 0)
        if keyboard:
            answer_by_keyboard(page, panel, choice, key="Enter" if number % 2 else "Space")
        else:
            answer_by_tap(panel, choice)
    raise AssertionError("the quiz never reached its results")


def result_titles(panel: Any) -> list[str]:
    """Titles of the result cards, best first."""
    return panel.locator(".card .name").all_inner_texts()


def box(locator: Any) -> dict[str, float]:
    """The bounding box of `locator` (which must be rendered) once its animations have finished."""
    locator.wait_for(state="visible")
    locator.evaluate("node => Promise.all(node.getAnimations().map(a => a.finished))")
    found = locator.bounding_box()
    assert found is not None, f"{locator} is not rendered"
    return found
