"""The shop page comes first: hostile CSS, a slow or dead API and a strict CSP never break it."""

from __future__ import annotations

import json
from typing import Any

import pytest

from assistant.demo.shop import CSP
from tests.browser.helpers import Problems, box, complete, dialog, gave_up, wait_ready

# A shop stylesheet that does everything wrong; none of it may reach inside the widget.
HOSTILE_CSS = """
* { display: flex !important; margin: 3px !important; padding: 0 !important; box-sizing: content-box !important;
    font: italic 9px/1 serif !important; color: #f0f !important; background: #ff0 !important;
    letter-spacing: 4px !important; text-transform: uppercase !important; border: 2px dashed red !important; }
div { position: absolute !important; width: 12px !important; height: 12px !important; overflow: hidden !important;
      opacity: .4 !important; transform: rotate(8deg) !important; z-index: 0 !important; }
button, input { all: unset !important; }
img { display: none !important; }
section, ul, li, h3, p { display: inline !important; float: left !important; width: 20px !important; }
html { font-size: 4px !important; }
"""


def _with_hostile_css(route: Any) -> None:
    response = route.fetch()
    route.fulfill(response=response, body=response.text() + HOSTILE_CSS)


def test_hostile_page_css_does_not_reach_the_widget(page: Any, problems: Problems) -> None:
    page.route("**/static/demo/shop.css", _with_hostile_css)
    page.goto("/demo/")
    assert page.evaluate("getComputedStyle(document.body).fontStyle") == "italic", "the hostile CSS applies"
    launcher = page.locator(".launcher")
    bounds = box(launcher)
    assert bounds["width"] > 150 and bounds["height"] >= 44
    assert 1280 - 40 <= bounds["x"] + bounds["width"] <= 1280 and 860 - 40 <= bounds["y"] + bounds["height"] <= 860
    assert launcher.evaluate("b => getComputedStyle(b).fontSize") == "15px"
    host = page.locator("[data-assistant]").first
    assert host.evaluate("h => [getComputedStyle(h).opacity, getComputedStyle(h).transform]") == ["1", "none"]

    launcher.click()
    panel = dialog(page)
    wait_ready(page, panel)
    sheet = box(panel)
    assert sheet["width"] == 780 and abs(sheet["x"] + sheet["width"] / 2 - 640) <= 1, "a centered panel"
    assert panel.locator(".q").evaluate("q => getComputedStyle(q).fontSize") == "24px"
    options = [box(panel.locator("[role=radio]").nth(i)) for i in range(3)]
    assert len({round(o["y"]) for o in options}) == 1 and all(o["height"] >= 56 for o in options)

    titles = complete(page, panel, keyboard=False)
    page.mouse.move(0, 0)  # no card hovered (hover lifts a card by 2px)
    cards = [box(panel.locator(".card").nth(i)) for i in range(len(titles))]
    assert len(cards) >= 3
    assert len({round(c["y"]) for c in cards[:3]}) == 1, "three cards side by side"
    assert all(c["width"] > 200 and c["height"] > 250 for c in cards)
    image = box(panel.locator(".card img").first)
    assert image["width"] > 200 and image["height"] > 150
    chip = panel.locator(".chip").first
    assert chip.evaluate("c => getComputedStyle(c).textTransform") == "none"
    problems.assert_none()


def test_api_down_renders_nothing_and_throws_nothing(page: Any, problems: Problems) -> None:
    page.route("**/api/v1/**", lambda route: route.abort())
    page.goto("/demo/")
    page.wait_for_timeout(1500)
    assert page.locator("h1").is_visible()
    assert page.locator(".launcher").count() == 0
    problems.assert_none(network_failures_expected=True)


def test_api_answering_after_ten_seconds_renders_nothing(page: Any, problems: Problems) -> None:
    """The answer comes once the widget gave up on it (its timeout, 4 s: it aborts the request), however late."""
    held: list[Any] = []
    failed: list[Any] = []
    page.on("requestfailed", lambda request: failed.append(request))
    page.route("**/api/v1/flows*", lambda route: held.append(route))
    page.goto("/demo/")
    gave_up(page, held, failed)
    assert held, "the widget asked for its flows"
    flows = {"flows": [{"id": "running-shoes", "title": "Find your running shoe", "description": "",
                        "trigger": "button", "label": "Find my running shoe", "questions": 5}]}
    for route in held:
        try:
            route.fulfill(status=200, content_type="application/json", body=json.dumps(flows))
        except Exception:  # noqa: BLE001  (the widget gave up on this request long ago)
            pass
    page.wait_for_timeout(500)
    assert page.locator(".launcher").count() == 0, "a late answer is ignored"
    problems.assert_none(network_failures_expected=True)


@pytest.mark.parametrize("failure", ["down", "hangs"])
def test_api_failing_during_a_quiz_shows_a_message(page: Any, problems: Problems, failure: str) -> None:
    held: list[Any] = []
    if failure == "down":
        page.route("**/api/v1/quiz*", lambda route: route.abort())
    else:
        page.route("**/api/v1/quiz*", lambda route: held.append(route))  # never answered
    page.goto("/demo/")
    page.locator(".launcher").click()
    panel = dialog(page)
    panel.locator(".empty").wait_for(timeout=8000)
    assert "not available right now" in panel.inner_text()
    assert panel.get_by_role("button", name="Try again").is_visible()
    page.keyboard.press("Escape")
    panel.wait_for(state="hidden")
    problems.assert_none(network_failures_expected=True)


def test_works_under_a_strict_content_security_policy(page: Any, problems: Problems) -> None:
    page.add_init_script("""
        window.__violations = [];
        document.addEventListener('securitypolicyviolation',
            e => window.__violations.push(e.violatedDirective + ' ' + e.blockedURI), true);
    """)
    response = page.goto("/demo/")
    assert response.headers["content-security-policy"] == CSP
    assert "'unsafe-inline'" not in CSP and "'unsafe-eval'" not in CSP
    page.locator(".launcher").click()
    titles = complete(page, dialog(page), keyboard=False)
    assert titles
    assert page.evaluate("window.__violations") == []
    problems.assert_none()

    page.evaluate("""() => { const s = document.createElement('style');
                             s.textContent = 'body { color: red }'; document.head.appendChild(s); }""")
    page.wait_for_function("window.__violations.length > 0")
    assert page.evaluate("window.__violations")[0].startswith("style-src")


def test_every_demo_page_sends_the_policy_and_embeds_the_widget(page: Any, problems: Problems) -> None:
    for path in ["/demo/", "/demo/category/rain-jackets", "/demo/product/rj-002", "/demo/cart",
                 "/demo/search?q=merino"]:
        response = page.goto(path)
        assert response.status == 200, path
        assert response.headers["content-security-policy"] == CSP, path
        scripts = page.locator("script:not([type='application/ld+json']):not([type='application/json'])"
                               ":not([src$='/static/widget/recs.js'])")  # the widget's own lazy part
        assert scripts.count() == 1, path
        assert scripts.first.get_attribute("data-site") == "pk_demo"
        assert scripts.first.get_attribute("async") is not None
        assert page.locator("[style]:not([data-assistant]), [onclick], a[href^='javascript:']").count() == 0, path
    page.goto("/demo/product/rj-002")
    ld = json.loads(page.locator("script[type='application/ld+json']").text_content())
    assert ld["@type"] == "Product" and ld["sku"] == "rj-002"
    problems.assert_none()
