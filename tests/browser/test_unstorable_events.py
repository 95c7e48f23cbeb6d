"""In Chromium, on PostgreSQL: an event no database can store costs only itself; every later event is stored.

A link whose URL holds a NUL (the widget tracks the `q` it reads from the URL) and a shop calling
`Assistant.track` with half an emoji once made every `/events` call of that visitor a 500, and the
widget retried the same batch for good: nothing the visitor did afterwards was stored.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from assistant.db import make_engine
from assistant.paths import resource_dir
from assistant.tracking.models import Event, Visitor
from tests.browser.conftest import demo_shop
from tests.browser.helpers import watch
from tests.browser.test_tracking import DESKTOP_UA, EVENTS, QUEUE, until
from tests.conftest import _postgres_database


@pytest.fixture(scope="module")
def pg_shop(chromium: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Engine]]:
    """The demo shop on a fresh PostgreSQL database: its base URL, and an engine to read what it stored."""
    folder = tmp_path_factory.mktemp("pg-shop")
    shutil.copytree(resource_dir("flows"), folder / "flows")
    for url in _postgres_database():
        with demo_shop(folder, folder / "flows", database_url=url) as base:
            engine = make_engine(url)
            yield base, engine
            engine.dispose()


@pytest.fixture
def shopper(browser: Any, pg_shop: tuple[str, Engine]) -> Iterator[Any]:
    """A desktop page on the PostgreSQL shop, with a real browser's user agent, every /events answer noted."""
    context = browser.new_context(base_url=pg_shop[0], user_agent=DESKTOP_UA)
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.answers = []  # type: ignore[attr-defined]
    page.on("response", lambda r: page.answers.append(r.status) if "/api/v1/events" in r.url else None)
    yield page
    context.close()


def stored(engine: Engine, page: Any) -> list[Event]:
    """Every event stored for the page's visitor."""
    anon_id = page.evaluate("localStorage.getItem('assistant:visitor')")
    with Session(engine) as session:
        visitor = session.exec(select(Visitor).where(Visitor.anon_id == anon_id)).first()
        return [] if visitor is None else list(session.exec(select(Event).where(Event.visitor_id == visitor.id)))


def drained(page: Any) -> Callable[[], bool]:
    """Whether the widget's queue is empty, after asking it to send what it holds."""
    def check() -> bool:
        page.evaluate("Assistant.flush()")
        return page.evaluate(QUEUE) == []
    return check


def test_a_link_with_a_nul_costs_only_its_own_search_event(shopper: Any, pg_shop: tuple[str, Engine]) -> None:
    problems = watch(shopper)
    shopper.goto("/demo/")
    shopper.evaluate("""document.body.insertAdjacentHTML('afterbegin',
                        '<a id="nul" href="/demo/search?q=a%00b">a NUL</a>')""")
    shopper.click("#nul")
    shopper.wait_for_url("**/demo/search?q=a%00b")
    refusal = shopper.content()  # the shop's 400 page, the widget on it: it tracks the page and the (refused) query
    shopper.goto("/demo/category/socks")
    shopper.goto("/demo/search?q=merino")
    until(shopper, drained(shopper), "the widget's queue to drain")
    events = stored(pg_shop[1], shopper)
    pages = sorted(e.page for e in events if e.type == "page_view")
    assert pages == ["/demo/", "/demo/category/socks", "/demo/search?q=a%00b", "/demo/search?q=merino"]
    assert [e.data for e in events if e.type == "search"] == [{"query": "merino"}]  # the NUL one was refused
    assert shopper.answers and max(shopper.answers) < 500, shopper.answers
    assert not problems.page_errors, problems.page_errors
    assert "We could not read that link" in refusal


def test_a_cut_emoji_from_the_shop_costs_only_its_own_events(shopper: Any, pg_shop: tuple[str, Engine]) -> None:
    problems = watch(shopper)
    shopper.goto("/demo/")
    shopper.evaluate("""() => {
        const cut = '😀'.slice(0, 1);  // half an emoji, as shop code that cuts a title at a length makes it
        Assistant.track('review', {title: 'Great ' + cut});
        Assistant.identify('customer-1', {name: 'Ada ' + cut});
        Assistant.track('search', {query: cut});
        for (let n = 0; n < 10; n++) Assistant.track('later', {n: n});
    }""")
    until(shopper, drained(shopper), "the widget's queue to drain")
    shopper.goto("/demo/category/socks")
    shopper.evaluate("Assistant.track('after_reload', {n: 10})")
    until(shopper, drained(shopper), "the widget's queue to drain again")
    events = stored(pg_shop[1], shopper)
    later = sorted(e.data["props"]["n"] for e in events if e.type == "custom" and e.data.get("name") != "review")
    assert later == list(range(11))
    assert not [e for e in events if e.type in ("identify", "search") or e.data.get("name") == "review"]
    assert sorted(e.page for e in events if e.type == "page_view") == ["/demo/", "/demo/category/socks"]
    assert shopper.answers and max(shopper.answers) < 500, shopper.answers
    assert not problems.page_errors, problems.page_errors


def test_a_refused_body_leaves_the_queue_and_a_batch_too_big_goes_in_halves(shopper: Any,
                                                                           pg_shop: tuple[str, Engine]) -> None:
    shopper.goto("/demo/")
    until(shopper, drained(shopper), "the widget's queue to drain")
    sizes: list[int] = []

    def answer(route: Any) -> None:  # more than one event: 413; event 0: a 400 without a list; the rest: the server
        events = json.loads(route.request.post_data)["events"]
        sizes.append(len(events))
        if len(events) > 1:
            route.fulfill(status=413, content_type="application/json",
                          body='{"error": {"code": "request_entity_too_large", "field": null, "message": "big"}}')
        elif events[0]["props"]["n"] == 0:
            route.fulfill(status=400, content_type="application/json",
                          body='{"error": {"code": "invalid", "field": "body", "message": "not JSON"}}')
        else:
            route.continue_()

    shopper.route(EVENTS, answer)
    shopper.evaluate("for (let n = 0; n < 4; n++) Assistant.track('later', {n: n})")
    until(shopper, drained(shopper), "the widget's queue to drain")
    assert sizes[:3] == [4, 2, 1]  # halved until one event, which the server refused: dropped, not retried
    events = stored(pg_shop[1], shopper)
    assert sorted(e.data["props"]["n"] for e in events if e.type == "custom") == [1, 2, 3]
