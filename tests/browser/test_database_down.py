"""In Chromium: PostgreSQL stopped while a shopper browses. The widget shows nothing wrong and throws nothing; the
API answers what it cannot serve from memory 503 with Retry-After at once (every event batch); the events the
widget queued meanwhile arrive once the database is back, each stored exactly once.

The shop's pages come from the shop's own servers, not from the assistant's database: while the database is down
the test serves the demo pages as they were fetched before (a shop's page cache), so only the widget's calls reach
the assistant, which runs in the project's live-server fixture on a throwaway cluster the test stops and starts.
"""

from __future__ import annotations

import shutil
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from assistant.db import make_engine
from assistant.paths import resource_dir
from tests.browser.conftest import demo_shop
from tests.browser.helpers import watch
from tests.browser.test_tracking import DESKTOP_UA, QUEUE, until
from tests.ops.pg_cluster import Cluster, throwaway_cluster

PAGES = ["/demo/", "/demo/category/rain-jackets", "/demo/product/rj-002", "/demo/product/rs-001",
         "/demo/search?q=merino", "/demo/category/socks"]
WIDGET_TEXT = """() => [...document.querySelectorAll('*')].filter(e => e.shadowRoot)
                     .map(e => e.shadowRoot.textContent).join(' ')"""


@pytest.fixture(scope="module")
def down_shop(chromium: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Cluster]]:
    """The demo shop on a throwaway PostgreSQL cluster: its base URL and the cluster."""
    folder = tmp_path_factory.mktemp("db-down")
    shutil.copytree(resource_dir("flows"), folder / "flows")
    with throwaway_cluster() as cluster, demo_shop(folder, folder / "flows", database_url=cluster.url) as base:
        yield base, cluster


def cached_pages(base: str) -> dict[str, bytes]:
    """The demo pages as the shop's cache holds them (fetched while the database is up)."""
    pages = {}
    for path in PAGES:
        with urllib.request.urlopen(f"{base}{path}", timeout=10) as response:
            pages[path] = response.read()
    return pages


def shop_cache(route: Any, base: str, pages: dict[str, bytes]) -> None:
    """The shop's own server while the assistant's database is down: its cached pages; its images are left out."""
    body = pages.get(route.request.url.removeprefix(base))
    if body is None:
        route.fulfill(status=204)
    else:
        route.fulfill(status=200, content_type="text/html; charset=utf-8", body=body)


def stored_counts(url: str, ids: list[str]) -> dict[str, int]:
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(text("SELECT client_id, count(*) FROM event WHERE client_id = ANY(:ids) "
                                           "GROUP BY client_id"), {"ids": ids})
            return {row[0]: row[1] for row in rows}
    finally:
        engine.dispose()


def test_the_widget_stays_silent_and_its_events_arrive_once_the_database_is_back(
        browser: Any, down_shop: tuple[str, Cluster]) -> None:
    base, cluster = down_shop
    pages = cached_pages(base)
    context = browser.new_context(base_url=base, user_agent=DESKTOP_UA)
    context.set_default_timeout(10_000)
    page = context.new_page()
    problems = watch(page)
    api_answers: list[tuple[int, str | None, float, str]] = []
    page.on("requestfinished", lambda r: api_answers.append(
        (r.response().status, r.response().headers.get("retry-after"), r.timing["responseEnd"], r.url))
        if "/api/v1/" in r.url and r.response() else None)
    page.goto(PAGES[0])
    page.wait_for_function("() => window.Assistant && window.Assistant.version")

    def drained() -> bool:
        page.evaluate("Assistant.flush()")
        return page.evaluate(QUEUE) == []

    until(page, drained, "the first page's events to be stored")
    page.wait_for_timeout(300)  # its other calls
    cluster.stop()
    try:
        context.route(f"{base}/demo/**", lambda route: shop_cache(route, base, pages))
        api_answers.clear()
        for path in PAGES[1:]:
            page.goto(path)
            page.wait_for_timeout(800)  # the widget's calls on load: flows, strips, promotions, events
            page.evaluate("Assistant.track('add_to_cart', {sku: 'rj-002', price: 129.9, quantity: 1})")
            page.evaluate("Assistant.flush()")
            page.wait_for_timeout(200)
        queued = [event["id"] for event in page.evaluate(QUEUE)]
        shown = page.evaluate(WIDGET_TEXT)
    finally:
        cluster.start()
    assert len(queued) >= 2 * (len(PAGES) - 1), queued  # a page view and an add to cart a page, at least
    assert {status for status, *_ in api_answers} <= {200, 503}, api_answers  # what memory serves, or 503
    events = [(status, retry) for status, retry, _ms, url in api_answers if "/api/v1/events" in url]
    assert events and all(status == 503 and int(retry or 0) >= 1 for status, retry in events), api_answers
    assert max(ms for _status, _retry, ms, _url in api_answers) < 1500, api_answers  # ms from the request to its end
    for word in ("error", "wrong", "503", "unavailable"):
        assert word not in shown.lower(), shown
    problems.assert_none(network_failures_expected=True)
    print(f"database down: {len(queued)} events queued, {len(events)} event batches answered 503 in at most "
          f"{max(ms for _status, _retry, ms, _url in api_answers):.0f} ms")

    context.unroute(f"{base}/demo/**")
    page.goto(PAGES[0])  # the next page: the widget sends what it kept
    until(page, drained, "the widget's queue to drain once the database is back")
    counts = stored_counts(cluster.url, queued)
    assert counts == {event_id: 1 for event_id in queued}, counts
    problems.assert_none(network_failures_expected=True)
    context.close()
