"""Every admin page works under the admin's strict Content-Security-Policy (no inline script or style, no eval).

A logged-in admin crawls the admin from its front page over every link and GET form it shows (one page per view),
on the demo shop with campaigns, customers, baskets, surveys and 90 days of earnings, so the charts, previews and
scripts all run; any CSP violation (the browser's console message or a securitypolicyviolation event, in the page
or its frames) fails the test, as does an admin GET view the crawl never reached.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import pytest
from sqlmodel import Session
from werkzeug.exceptions import HTTPException
from werkzeug.routing import MapAdapter

from assistant.admin import ADMIN_CSP
from assistant.analytics.aggregates import compute_earnings
from assistant.analytics.path_outcomes import site_judge
from assistant.app import create_app
from assistant.config import Settings
from assistant.db import make_engine
from assistant.demo.campaigns import seed_campaigns
from assistant.demo.customers import seed_customers
from assistant.demo.earnings_history import DAYS, seed_demo_earnings
from assistant.insight.nightly import compute_site_figures
from assistant.paths import resource_dir
from assistant.sites.models import Site
from assistant.sites.service import get_site_by_key
from assistant.timeutil import utcnow
from assistant.users.service import create_user
from tests.browser.conftest import DESKTOP, demo_shop
from tests.browser.helpers import Network
from tests.browser.test_admin_campaigns import PASSWORD, log_in
from tests.browser.test_baskets_admin import made_up_baskets

EMAIL = "admin@trailhead.example"
DOWNLOADS = {"admin.campaigns_export", "admin.survey_csv"}
"""Admin GET views that answer a file to save, not a page (no policy applies to a download)."""
UNREACHED = {
    "admin.logout": "a form's POST, not a page",
}
"""Admin GET views a crawl of links cannot reach, and why."""
WATCH = """
    window.__violations = [];
    document.addEventListener('securitypolicyviolation',
        e => window.__violations.push(e.violatedDirective + ' ' + (e.blockedURI || 'inline')), true);
"""


@pytest.fixture(scope="module")
def admin_shop(chromium: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The demo shop with everything the admin shows; yields its base URL."""
    folder = tmp_path_factory.mktemp("admin-csp")
    flows = folder / "flows"
    shutil.copytree(resource_dir("flows"), flows)

    def prepare(session: Session, site: Site, models: Path) -> None:
        seed_campaigns(session=session, site=site)
        seed_customers(session=session, site=site, now=utcnow())
        made_up_baskets(session, site, models)
        create_user(session=session, email=EMAIL, name="Admin", role="admin", password=PASSWORD, all_sites=True)

    with demo_shop(folder, flows, prepare=prepare) as base:
        engine = make_engine(f"sqlite:///{folder / 'demo.db'}")
        now = utcnow()
        with Session(engine, expire_on_commit=False) as session:
            site = get_site_by_key(session=session, key="pk_demo")
            seed_demo_earnings(session=session, site=site, now=now, flows_dir=flows)
            session.commit()
            compute_site_figures(session=session, site=site, now=now)
            session.commit()
            compute_earnings(session=session, site=site, now=now, days=DAYS + 1,
                             judge=site_judge(session=session, site=site, flows_dir=flows))
            session.commit()
        engine.dispose()
        yield base


def admin_routes(tmp_path: Path) -> MapAdapter:
    """The app's URL map, to name the view of each crawled path."""
    (tmp_path / "flows").mkdir()
    app = create_app(Settings(database_url=f"sqlite:///{tmp_path / 'routes.db'}", flows_dir=tmp_path / "flows",
                              testing=True))
    app.extensions["assistant"]["engine"].dispose()
    return app.url_map.bind("localhost")


def admin_get_views(routes: MapAdapter) -> set[str]:
    return {rule.endpoint for rule in routes.map.iter_rules()
            if rule.endpoint.startswith("admin.") and "GET" in (rule.methods or ())}


def view_of(routes: MapAdapter, path: str) -> tuple[str, tuple[Any, ...]] | None:
    try:
        endpoint, args = routes.match(path, method="GET")
    except HTTPException:
        return None
    return str(endpoint), tuple(sorted(args.items()))


def visit(page: Any, url: str, refused: list[str], network: Network) -> str:
    """Open `url`, wait for its scripts and requests to settle, fail on any violation; the page's policy."""
    response = page.goto(url)
    assert response is not None and response.status == 200, (url, response and response.status)
    policy = str(response.headers.get("content-security-policy", ""))
    script_src = policy.split("script-src")[1].split(";")[0] if "script-src" in policy else ""
    assert "'unsafe-inline'" not in script_src and "'unsafe-eval'" not in script_src, (url, policy)
    assert "frame-ancestors 'none'" in policy, (url, policy)
    network.quiet(at_most=15, settled=True)  # as networkidle, 250 ms of quiet instead of 500 (no later timer)
    violations = [v for frame in page.frames for v in (frame.evaluate("window.__violations || []") or [])]
    assert violations == [] and refused == [], (url, violations, refused)
    return policy


def targets(page: Any) -> list[str]:
    """Where the page leads: its links and the actions of its GET forms (a monthly report, a search)."""
    found: list[str] = page.eval_on_selector_all(
        "a[href], form[method=get i]", "els => els.map(e => e.getAttribute(e.tagName === 'A' ? 'href' : 'action'))")
    return [urljoin(page.url, href) for href in found if href]


def test_every_admin_page_runs_under_the_strict_policy(browser: Any, admin_shop: str, tmp_path: Path) -> None:
    routes = admin_routes(tmp_path)
    context = browser.new_context(base_url=admin_shop, **DESKTOP)
    context.set_default_timeout(15_000)
    context.add_init_script(WATCH)
    page = context.new_page()
    network = Network(page)
    refused: list[str] = []
    page.on("console", lambda m: refused.append(m.text) if "Content Security Policy" in m.text else None)
    page.on("pageerror", lambda exc: refused.append(f"page error: {exc}"))
    visited = {"/admin/login": visit(page, "/admin/login", refused, network)}
    seen = {("admin.login", ())}
    log_in(page, EMAIL)
    # the Flows page links a flow's experiment page only while it runs one, and the demo's flows run none
    queue = ["/admin/", "/admin/flows/running-shoes/experiment"]
    while queue:
        url = queue.pop(0)
        view = view_of(routes, urlsplit(url).path)
        if view is None or view in seen or view[0] in DOWNLOADS or any(v == view[0] for v, _ in seen):
            continue
        seen.add(view)
        visited[url] = visit(page, url, refused, network)
        for target in targets(page):
            split = urlsplit(target)
            if split.netloc == urlsplit(admin_shop).netloc and split.path.startswith("/admin"):
                queue.append(split.path + (f"?{split.query}" if split.query else ""))
    context.close()
    reached = {view for view, _ in seen}
    missing = admin_get_views(routes) - reached - set(UNREACHED) - DOWNLOADS
    assert not missing, f"admin views the crawl never reached: {sorted(missing)}"
    assert sum(policy == ADMIN_CSP for policy in visited.values()) > len(visited) / 2
    print(f"{len(visited)} admin pages, no CSP violation:", sorted(visited))
