"""Nineteen hostile host pages: whatever the shop's own scripts break, no error of the widget reaches the page.

Each page breaks some globals before the widget loads (an init script: shop code runs first), then a shop script
drives the public API, the launcher is pointed at and pressed, and the tab is hidden. Where a broken global makes
a feature impossible the widget gives it up silently; where it does not, tracking still reaches the server. Every
page also runs under the demo's strict Content-Security-Policy.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.browser.helpers import NETWORK_LOG, Network

# Runs first on every page: records unhandled rejections where the test can read them without page code.
RECORD_REJECTIONS = """
window.addEventListener('unhandledrejection', function (event) {
  var root = document.documentElement, reason = event.reason;
  root.setAttribute('data-rejections', (root.getAttribute('data-rejections') || '') + '|' +
    (reason && reason.message ? reason.message : String(reason)));
});
"""

# The shop's own code, once the page has loaded: every public entry point, as a shop would call it; then exit
# intent (which loads the promotions) and a hidden tab (visibilitychange, pagehide). It marks <html> when done, for
# the test to read without page code (a page.evaluate would need the builtins these pages break). `AFTER` is
# where a page breaks globals only once the widget has loaded.
SHOP_CALLS = """
window.addEventListener('load', function () {
  setTimeout(function () {
    AFTER
    var A;
    try { A = window.Assistant; } catch (err) { /* this page's own getter */ }
    if (A && A.version) {
      A('track', 'add_to_cart', {sku: 'rj-002', price: 129.9, quantity: 1});
      A('identify', 'cust-7', {plan: 'gold'});
      A.track('newsletter_signup', {source: 'footer'});
      A.identify('cust-7');
      A.setCart([{sku: 'rj-002', price: 129.9, quantity: 1}], {value: 129.9, currency: 'EUR'});
      A.consent(true);
      A('open', 'running-shoes');
      A.close();
      A.open('no-such-flow');
      A.flush();
    }
    setTimeout(function () {
      document.dispatchEvent(new MouseEvent('mouseout', {clientY: -1, relatedTarget: null}));
    }, 300);
    setTimeout(function () {
      Object.defineProperty(document, 'visibilityState', {value: 'hidden', configurable: true});
      document.dispatchEvent(new Event('visibilitychange'));
      window.dispatchEvent(new Event('pagehide'));
      document.documentElement.setAttribute('data-done', '');
    }, 1000);
  }, 200);
});
"""

# name: (what the shop's scripts break, whether tracking still reaches the server)
HOSTILE: dict[str, tuple[str, bool]] = {
    "Array.prototype.filter is null": ("Array.prototype.filter = null;", True),
    "Array.prototype.map is null": ("Array.prototype.map = null;", True),
    "Array.prototype.forEach is null": ("Array.prototype.forEach = null;", True),
    "Array.prototype.indexOf is null": ("Array.prototype.indexOf = null;", True),
    "Object.keys and Object.assign replaced": (
        "Object.keys = function () { throw new Error('host keys'); }; Object.assign = null;", True),
    "JSON.stringify and JSON.parse replaced": (
        "JSON.stringify = function () { return '{broken'; };"
        "JSON.parse = function () { throw new SyntaxError('host parse'); };", False),
    "Function.prototype.bind broken": (
        "Function.prototype.bind = function () { throw new Error('host bind'); };", True),
    "a read-only window.Assistant": (
        "Object.defineProperty(window, 'Assistant', {value: Object.freeze(function () {}), writable: false,"
        " configurable: false});", True),
    "a window.Assistant whose getter throws": (
        "Object.defineProperty(window, 'Assistant', {get: function () { throw new Error('host getter'); },"
        " set: function () { throw new Error('host setter'); }, configurable: false});", True),
    "URL replaced": ("window.URL = function () { throw new TypeError('host URL'); };", True),
    "URLSearchParams replaced": (
        "window.URLSearchParams = function () { throw new TypeError('host URLSearchParams'); };", True),
    "fetch is undefined": ("window.fetch = undefined;", False),
    "fetch throws synchronously": ("window.fetch = function () { throw new Error('host fetch'); };", False),
    "fetch rejects": ("window.fetch = function () { return Promise.reject(new TypeError('host fetch')); };", False),
    "Promise.prototype.then throws": (
        "Promise.prototype.then = function () { throw new Error('host then'); };", False),
    "window.Promise replaced": ("window.Promise = function () { throw new Error('host Promise'); };", False),
    "localStorage and sessionStorage throw (Safari private mode)": (
        "Object.defineProperty(window, 'localStorage', {get: function () {"
        "  throw new DOMException('The operation is insecure.', 'SecurityError'); }});"
        "Object.defineProperty(window, 'sessionStorage', {get: function () {"
        "  throw new DOMException('The operation is insecure.', 'SecurityError'); }});", True),
    "document.cookie throws": (
        "Object.defineProperty(Document.prototype, 'cookie', {get: function () { throw new Error('host cookie'); },"
        " set: function () { throw new Error('host cookie'); }});", True),
    "navigator.sendBeacon is missing": (
        "Object.defineProperty(Navigator.prototype, 'sendBeacon', {value: undefined});", True),
}


def test_there_are_nineteen_hostile_pages() -> None:
    assert len(HOSTILE) == 19


def visit(new_page: Callable[..., Any], breaks: str, *, after: str = "") -> tuple[Any, list[str], list[str]]:
    """The demo's home page with `breaks` run before any other script (and `after` once the widget has loaded);
    its errors, and the bodies of its /events requests the server answered with a 200."""
    page = new_page(user_agent="Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
                               "Chrome/126.0.0.0 Safari/537.36")  # a headless agent's events are dropped as a bot's
    errors: list[str] = []
    stored: list[str] = []
    page.on("pageerror", lambda exc: errors.append(f"pageerror: {exc}"))
    page.on("console", lambda msg: errors.append(f"console: {msg.text}")
            if msg.type == "error" and not msg.text.startswith(NETWORK_LOG) else None)
    page.on("response", lambda res: stored.append(res.request.post_data or "")
            if "/api/v1/events" in res.url and res.status == 200 else None)
    page.add_init_script(RECORD_REJECTIONS + breaks + SHOP_CALLS.replace("AFTER", after))
    network = Network(page)
    page.goto("/demo/")
    page.locator("html[data-done]").wait_for(state="attached")
    launcher = page.locator(".launcher")
    if launcher.count():
        launcher.hover()
        launcher.click()
        network.quiet()  # the quiz module, its flow and first question came and were shown
        page.keyboard.press("Escape")
    network.quiet()
    rejections = page.locator("html").get_attribute("data-rejections")
    if rejections:
        errors.append(f"unhandled rejections: {rejections}")
    return page, errors, stored


def tracked(page: Any, stored: list[str], event: str) -> bool:
    """Whether a batch holding an `event` was stored (the queue is sent again within 3 s)."""
    for _ in range(50):
        if any(f'"{event}"' in body for body in stored):
            return True
        page.wait_for_timeout(100)
    return False


@pytest.mark.parametrize("when", ["before", "after"])
@pytest.mark.parametrize("name", list(HOSTILE))
def test_a_hostile_host_page_gets_no_error_from_the_widget(new_page: Callable[..., Any], name: str,
                                                           when: str) -> None:
    """Broken before the widget loads, or after it (then the references it took at load keep it tracking)."""
    breaks, tracks = HOSTILE[name]
    page, errors, stored = visit(new_page, "", after=breaks) if when == "after" else visit(new_page, breaks)
    assert errors == []
    if tracks or when == "after":
        # the shop's own calls cannot reach a window.Assistant it made unreadable; the page view still goes out
        event = "page_view" if "Assistant" in name else "newsletter_signup"
        assert tracked(page, stored, event), f"tracking stopped: {len(stored)} batches stored"


def test_the_checks_see_an_error_of_a_normal_page(new_page: Callable[..., Any]) -> None:
    """The harness itself: an ordinary page tracks and shows its launcher, and a thrown error is seen."""
    page, errors, stored = visit(new_page, "")
    assert errors == [] and page.locator(".launcher").count() == 1 and tracked(page, stored, "newsletter_signup")
    _, errors, _ = visit(new_page, "setTimeout(function () { throw new Error('shop bug'); }, 0);"
                                   "Promise.reject(new Error('lost'));")
    assert any("shop bug" in e for e in errors) and any("lost" in e for e in errors), errors
