"""Two nodes, as issue 18 runs them: two gunicorn instances (one worker each) on one PostgreSQL database, one
Redis server, and flow, rules and model folders both mount. What one node (or the nightly job) changes is
served by both within the delays docs/operations.md gives, and rate limits are counted across both.

A merchandiser publishes a flow in node A's admin over HTTP (login, the draft page, Publish); a campaign is
edited with the admin's own `update_campaign` and the rules file saved by hand, from this process. The nightly
job runs as cron would, `assistant train` in its own process.
"""

from __future__ import annotations

import contextlib
import html
import json
import re
import shutil
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from sqlmodel import Session

from assistant.db import make_engine
from assistant.demo.catalog import demo_rows
from assistant.flows import published
from assistant.merchandising.rules import CHECK_SECONDS as RULES_SECONDS
from assistant.promotions.campaigns import update_campaign
from assistant.recommend.serving import CHECK_SECONDS as BUNDLE_SECONDS
from assistant.sites.service import get_site_by_key
from tests.conftest import _postgres_database, need
from tests.ops.redis_server import redis_url
from tests.promotions.helpers import campaign_data, make_campaign
from tests.quiz_walk import outside_control, take_quiz
from tests.test_production_smoke import BIN, ORIGIN, api, gunicorn, production_env, run, write_catalog, write_flows

SLACK = 4.0
"""Room for a loaded machine on top of each documented delay."""
LIMIT = 6
"""Event batches a client may send per minute, across the nodes."""
PASSWORD = "a-long-test-passphrase-1"
TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


class Admin:
    """A browser on one node's admin: the session cookie carried by hand (production marks it Secure, and this
    is plain HTTP on loopback), the CSRF token read from each form."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.cookie = ""

    def request(self, path: str, form: dict[str, str] | None = None) -> tuple[int, str]:
        data = urllib.parse.urlencode(form).encode() if form is not None else None
        request = urllib.request.Request(f"{self.base}{path}", data=data, headers={"Cookie": self.cookie})
        opener = urllib.request.build_opener(NoRedirect)
        try:
            response = opener.open(request, timeout=30)
        except urllib.error.HTTPError as exc:
            response = exc
        cookie = response.headers.get("Set-Cookie")
        if cookie:
            self.cookie = cookie.split(";", 1)[0]
        return response.status, response.read().decode()

    def token(self, path: str) -> str:
        status, page = self.request(path)
        assert status == 200, (path, status, page[:500])
        found = TOKEN.search(page)
        assert found, page[:500]
        return html.unescape(found.group(1))

    def log_in(self, email: str) -> None:
        form = {"csrf_token": self.token("/admin/login"), "email": email, "password": PASSWORD}
        status, page = self.request("/admin/login", form)
        assert status == 302, (status, page[:500])


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


@pytest.fixture(scope="module")
def postgres_url() -> Iterator[str]:
    """A fresh PostgreSQL database for this module."""
    yield from _postgres_database()


@pytest.fixture(scope="module")
def cluster(postgres_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """Two running nodes on shared state: their API calls, the site key, the shared folders."""
    need((BIN / "assistant").exists() and shutil.which("gunicorn", path=str(BIN)) is not None,
         f"assistant and gunicorn are not installed beside {sys.executable}")
    shared = tmp_path_factory.mktemp("shared")
    write_catalog(shared / "products.csv")
    write_flows(shared / "flows")
    (shared / "rules").mkdir()
    (shared / "rules" / "merchandising.yaml").write_text("rules: []\n")
    with redis_url(shared / "redis") as redis, contextlib.ExitStack() as stack:
        env = {**production_env(postgres_url, shared), "ASSISTANT_MERCH_RULES": str(shared / "rules" /
               "merchandising.yaml"), "ASSISTANT_MODELS": str(shared / "models"), "ASSISTANT_REDIS_URL": redis,
               "ASSISTANT_EVENT_LIMIT_CLIENT": f"{LIMIT}/minute"}
        run(env, shared, "assistant", "db", "upgrade")
        key = run(env, shared, "assistant", "site", "create", "--name", "My shop", "--origin", ORIGIN).strip()
        run(env, shared, "assistant", "catalog", "import", "products.csv", "--site", key)
        run(env, shared, "assistant", "train", "--site", key)
        run(env, shared, "assistant", "admin", "create-user", "--email", "merch@myshop.example", "--role",
            "merchandiser", "--site", key, "--password", PASSWORD)
        bases = []
        for name in ("node-a", "node-b"):
            home = shared / name
            home.mkdir()
            bases.append(stack.enter_context(gunicorn({**env, "HOME": str(home)}, home, "-w", "1")))
        yield {"calls": [api(base, key) for base in bases], "bases": bases, "key": key, "shared": shared,
               "env": env, "url": postgres_url}


def within(seconds: float, check: Callable[[], bool], what: str) -> float:
    """Wait until `check` holds (polling every 0.1 s), at most `seconds` plus SLACK; how long it took."""
    started = time.monotonic()
    while not check():
        assert time.monotonic() - started < seconds + SLACK, f"not within {seconds} s (+{SLACK} s): {what}"
        time.sleep(0.1)
    return time.monotonic() - started


def titles(call: Any) -> dict[str, str]:
    status, listed = call("GET", "/flows", None)
    assert status == 200, listed
    return {flow["id"]: flow["title"] for flow in listed["flows"]}


def test_a_published_flow_reaches_both_nodes_and_a_broken_file_keeps_its_last_good_version(
        cluster: dict[str, Any]) -> None:
    calls, folder = cluster["calls"], cluster["shared"] / "flows"
    assert titles(calls[0]) == titles(calls[1])
    shoes, packs = folder / "running-shoes.yaml", folder / "backpacks.yaml"
    good_packs = titles(calls[0])["backpacks"]
    packs.write_text(packs.read_text().replace("questions:", "questions: [", 1))  # saved by hand, broken
    admin = Admin(cluster["bases"][0])  # node A
    admin.log_in("merch@myshop.example")
    draft = f"/admin/flows/running-shoes/draft?site={cluster['key']}"
    status, page = admin.request(draft, {"csrf_token": admin.token(draft), "action": "publish",
                                         "text": shoes.read_text().replace("title: My shop - ", "title: Published - ",
                                                                           1)})
    assert status == 302, (status, page[:1000])
    took = within(published.CHECK_SECONDS, lambda: all(
        titles(c)["running-shoes"].startswith("Published - ") for c in calls), "the publication on both nodes")
    assert all(titles(c)["backpacks"] == good_packs for c in calls)  # rescanned with it, refused, last good kept
    for node in ("node-a", "node-b"):
        log = (cluster["shared"] / node / "gunicorn.log").read_text()
        assert "keeping the last good version of flow 'backpacks'" in log, log[-2000:]
    print(f"flow publication served by both nodes after {took:.1f} s")


def test_a_rules_edit_reaches_both_nodes(cluster: dict[str, Any]) -> None:
    calls = cluster["calls"]
    visitor = outside_control(cluster["key"])
    _, results = take_quiz(calls[0], "rain-jackets", visitor)
    brands = {row["sku"]: row.get("brand") for row in demo_rows()}
    top = brands[results["items"][0]["product"]["sku"]]
    (cluster["shared"] / "rules" / "merchandising.yaml").write_text(
        f"rules:\n  - exclude: {{brand: {json.dumps(top)}}}\n    placements: [quiz_results]\n")

    def shown(call: Any) -> set[str]:
        status, answer = call("GET", f"/quiz/{results['quiz']}/results", None)
        assert status == 200, answer
        return {brands[item["product"]["sku"]] for item in answer["items"]}

    took = within(RULES_SECONDS, lambda: all(top not in shown(c) and shown(c) for c in calls), "the rules edit")
    print(f"rules edit served by both nodes after {took:.1f} s")


def test_a_campaign_edit_reaches_both_nodes_at_once(cluster: dict[str, Any]) -> None:
    calls, key = cluster["calls"], cluster["key"]
    engine = make_engine(cluster["url"])
    try:
        with Session(engine) as session:
            site = get_site_by_key(session=session, key=key)
            campaign = make_campaign(session, site, variants=[{"key": "a", "message": "Free delivery today"}])

            def texts(call: Any) -> list[str]:
                status, answer = call("GET", f"/promotions?placement=cart&visitor={outside_control(key)}", None)
                assert status == 200, answer
                return [m["text"] for m in answer["messages"]]

            assert all(texts(c) == ["Free delivery today"] for c in calls)
            update_campaign(session=session, site=site, campaign_id=campaign.pk, data=campaign_data(
                name=campaign.name, variants=[{"key": "a", "message": "Free delivery all week"}]))
            session.commit()
            assert all(texts(c) == ["Free delivery all week"] for c in calls)  # the next request, no delay
    finally:
        engine.dispose()


def test_a_new_bundle_reaches_both_nodes(cluster: dict[str, Any]) -> None:
    calls, bases, key = cluster["calls"], cluster["bases"], cluster["key"]
    before = (cluster["shared"] / "models" / key / "CURRENT").read_text()
    assert all(served(base)[key] == before for base in bases)
    run(cluster["env"], cluster["shared"], "assistant", "train", "--site", key)  # node A's cron
    after = (cluster["shared"] / "models" / key / "CURRENT").read_text()
    assert after != before

    def everywhere() -> bool:
        for call in calls:
            call("GET", f"/recommendations?placement=home&visitor={outside_control(key)}", None)
        return all(served(base)[key] == after for base in bases)

    took = within(BUNDLE_SECONDS, everywhere, "the new bundle on both nodes")
    print(f"new bundle served by both nodes after {took:.1f} s")


def served(base: str) -> dict[str, Any]:
    """The bundle versions a node's /readyz says it serves (503 while a new current bundle is not loaded yet)."""
    try:
        with urllib.request.urlopen(f"{base}/readyz", timeout=10) as response:
            return dict(json.load(response)["bundles"])
    except urllib.error.HTTPError as exc:
        body = json.load(exc)
        assert exc.code == 503 and body["checks"]["bundles"].startswith("not loaded yet"), body
        return dict(body["bundles"])


def test_rate_limits_are_counted_across_both_nodes(cluster: dict[str, Any]) -> None:
    bases, key = cluster["bases"], cluster["key"]

    def send(base: str) -> int:
        body = {"visitor": outside_control(key), "events": [{"id": f"e-{time.monotonic_ns()}", "type": "page_view",
                                                              "url": "https://www.myshop.example/"}]}
        request = urllib.request.Request(f"{base}/api/v1/events?site={key}", data=json.dumps(body).encode(),
                                         headers={"Origin": ORIGIN, "Content-Type": "text/plain"}, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return int(response.status)
        except urllib.error.HTTPError as exc:
            return int(exc.code)

    statuses = [send(bases[n % 2]) for n in range(LIMIT)]  # three on each node: each alone is under the limit
    assert all(s < 400 for s in statuses), statuses
    assert [send(base) for base in bases] == [429, 429]
