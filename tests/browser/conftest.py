"""Browser fixtures: the demo shop served from a thread, and Debian's Chromium driven by Playwright.

These tests never download a browser: they use /usr/bin/chromium, skip when it is missing, and
fail instead under CI=true. They run on their own SQLite database only (not the PostgreSQL
variant of tests/conftest.py), since what they test is the page, not the storage.
"""

from __future__ import annotations

import logging
import shutil
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import Session
from werkzeug.serving import make_server

from assistant import migrate
from assistant.app import create_app
from assistant.config import Settings
from assistant.db import make_engine, session_scope
from assistant.demo.build import build_demo
from assistant.paths import resource_dir
from assistant.sites.models import Site
from tests.browser.helpers import Problems, watch
from tests.conftest import need

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
DESKTOP = {"viewport": {"width": 1280, "height": 860}}
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True,
         "has_touch": True}

# A test-only flow shown inline on the socks page: covers multi and scale questions.
SOCK_FLOW = """\
id: sock-finder
title: Find your socks
description: Two quick questions and we pick the pair for your next run or hike.
entry: {pages: ["/demo/category/socks"], trigger: inline, label: Find my socks}
scope: {category: Socks}
questions:
  - id: activity
    text: What will you wear them for?
    type: multi
    answers:
      - {id: running, text: Running, filter: {activity: [running]}, reason: made for running}
      - {id: hiking, text: Hiking, filter: {activity: [hiking]}, reason: made for hiking}
  - id: price
    text: How much would you spend on a pair?
    type: scale
    field: price
    min: 8
    max: 26
    step: 2
    unit: EUR
    reason: close to your price
results: {count: 4}
"""


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test of this folder as a browser test."""
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def chromium() -> Path:
    """The system Chromium (skip without it; fail under CI=true)."""
    need(CHROMIUM.exists(), f"Chromium not found at {CHROMIUM} (apt-get install chromium)")
    return CHROMIUM


@pytest.fixture(scope="session")
def live_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The live server's folder: its flows, its SQLite database (demo.db) and its (empty) models folder."""
    return tmp_path_factory.mktemp("browser")


def buffered(app: Any) -> Callable[[dict[str, Any], Any], list[bytes]]:
    """`app` with each response body read, and closed, before it is sent.

    Werkzeug's server skips the body's close() when the browser drops the connection (a test that
    navigates while a static file is still loading), and the open file then fails a later test with
    a ResourceWarning.
    """
    def wsgi(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        body = app(environ, start_response)
        try:
            return [b"".join(body)]
        finally:
            if hasattr(body, "close"):
                body.close()

    return wsgi


@contextmanager
def demo_shop(folder: Path, flows: Path, *, prepare: Callable[[Session, Site, Path], object] | None = None,
              database_url: str | None = None, surveys: Path | None = None,
              control_share: float | None = 0.0) -> Iterator[str]:
    """The app with the demo shop on a SQLite database in `folder`, on a free port of 127.0.0.1; yields its base URL.

    Its recommendation models live in `folder`/models (none unless `prepare(session, site, models)` trains
    some), so an instance/models of the working copy never leaks in. `database_url` (an empty database)
    replaces the SQLite file, for the tests that are about storage; `surveys` replaces the shipped survey folder.
    The demo holds out 5 % of its visitors (the control group sees nothing of the assistant); the browsers of
    these tests have random visitor ids, so the shop holds out none (`control_share`) unless a test asks, and
    None keeps the demo's own share.
    """
    url = database_url or f"sqlite:///{folder / 'demo.db'}"
    migrate.upgrade(url)
    settings = Settings(database_url=url, flows_dir=flows, models_dir=folder / "models", testing=True)
    app = create_app(replace(settings, surveys_dir=surveys) if surveys else settings)
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    server = make_server("127.0.0.1", 0, buffered(app), threaded=True)
    base = f"http://127.0.0.1:{server.server_port}"
    extensions = app.extensions["assistant"]
    extensions["settings"] = replace(extensions["settings"], public_url=base)  # reminders' links and images
    engine = make_engine(url)
    try:
        with session_scope(engine) as session:
            site = build_demo(session=session, origins=[base])
            if control_share is not None:
                site.control_share = control_share
            if prepare is not None:
                prepare(session, site, folder / "models")
    except BaseException:  # the socket closed here, or its ResourceWarning fails whichever test comes next
        server.server_close()
        app.extensions["assistant"]["engine"].dispose()
        raise
    finally:
        engine.dispose()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield base
    finally:
        server.shutdown()
        thread.join(5)
        server.server_close()
        app.extensions["assistant"]["engine"].dispose()


@pytest.fixture(scope="session")
def live_server(chromium: Path, live_folder: Path) -> Iterator[str]:
    """The app with the demo shop (no shopping history, no trained models, no surveys); yields its base URL.

    The shipped surveys would add a survey after a demo purchase to the pages of every other test (and its
    events to the ones that count them, when it shows in time): the survey tests have their own shop."""
    flows = live_folder / "flows"
    shutil.copytree(resource_dir("flows"), flows)
    (flows / "sock-finder.yaml").write_text(SOCK_FLOW, encoding="utf-8")
    no_surveys = live_folder / "surveys"
    no_surveys.mkdir()
    with demo_shop(live_folder, flows, surveys=no_surveys) as base:
        yield base


@pytest.fixture(scope="session")
def browser(chromium: Path) -> Iterator[Any]:
    """One headless Chromium for the session."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(chromium), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def new_page(browser: Any, live_server: str) -> Iterator[Callable[..., Any]]:
    """Make a page in a fresh context (desktop unless phone=True), with its base URL set."""
    contexts = []

    def make(*, phone: bool = False, **options: Any) -> Any:
        settings = {**(PHONE if phone else DESKTOP), "base_url": live_server, **options}
        context = browser.new_context(**settings)
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page: Callable[..., Any]) -> Any:
    """A desktop page."""
    return new_page()


@pytest.fixture
def problems(page: Any) -> Problems:
    """Uncaught errors and console errors of `page`, collected from now on."""
    return watch(page)
