"""The hostile messages, stored past the save check, served by gunicorn: every answer fast, no worker killed.

Each hostile message is a live campaign shown only to carts holding its own SKU (so each request renders
exactly that message, plus a harmless fallback), written to the database directly as a row saved before
the check existed would be. Two sync workers with a 10 s timeout answer the public /promotions call for a
small, a typical and a large cart, several at once, and the admin preview of each message. Before the
sandbox's bounds, the power towers held a worker until gunicorn killed it and the billion zeros
exhausted its memory.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import http.client
import json
import re
import shutil
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path

from sqlmodel import Session, col, update

from assistant import migrate
from assistant.db import make_engine
from assistant.promotions.models import Variant
from tests.conftest import need
from tests.factories import make_site, make_user
from tests.promotions.helpers import make_campaign
from tests.promotions.hostile_templates import HOSTILE
from tests.test_production_smoke import BIN, gunicorn, production_env

ORIGIN = "https://shop.example"
FAST = 3.0
"""Seconds an answer may take on a loaded, shared test machine (a render is bounded at 0.5 s)."""
FALLBACK = "Free shipping from 50 EUR"


def _store(url: str) -> None:
    engine = make_engine(url)
    with Session(engine) as session:
        site = make_site(session, origins=[ORIGIN])
        make_user(session, email="marketer@shop.example", role="marketer")
        for number, text in enumerate(HOSTILE.values()):
            campaign = make_campaign(session, site, name=f"Hostile {number}", priority=100 + number,
                                     conditions={"cart_contains": {"sku": f"hostile-{number}"}},
                                     variants=[{"key": "a", "message": "placeholder"}])
            session.execute(update(Variant).where(col(Variant.campaign_id) == campaign.pk).values(message=text))
        make_campaign(session, site, name="Fallback", priority=-1000, variants=[{"key": "a", "message": FALLBACK}])
        session.commit()
    engine.dispose()


@contextlib.contextmanager
def _gunicorn(env: dict[str, str], cwd: Path) -> Iterator[tuple[str, Path]]:
    """Two workers with a 10 s timeout, so a held worker would be killed within the test; base URL and log."""
    with gunicorn(env, cwd, "--timeout", "10") as base:
        yield base, cwd / "gunicorn.log"


def _promotions(base: str, number: int, cart_value: str) -> tuple[float, int, list[str]]:
    query = urllib.parse.urlencode({"site": "pk_test", "visitor": f"visitor-{uuid.uuid4().hex[:12]}",
                                    "placement": "cart", "cart": f"hostile-{number}:1", "cart_value": cart_value})
    request = urllib.request.Request(f"{base}/api/v1/promotions?{query}", headers={"Origin": ORIGIN})
    started = time.monotonic()
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            body = json.load(response)
            return time.monotonic() - started, response.status, [m.get("text", "") for m in body["messages"]]
    except urllib.error.HTTPError as exc:
        return time.monotonic() - started, exc.code, []
    except (ConnectionError, http.client.HTTPException, TimeoutError):  # a killed worker drops the connection
        return time.monotonic() - started, 0, []


class _Admin:
    """A logged-in marketer's browser: cookies kept by hand (production cookies are Secure; this is plain HTTP)."""

    def __init__(self, base: str) -> None:
        self.base, self.cookies = base, dict[str, str]()
        page = self.fetch("/admin/login")[1]
        self.fetch("/admin/login", {"csrf_token": _token(page), "email": "marketer@shop.example",
                                    "password": "correct horse battery"})

    def fetch(self, path: str, form: dict[str, str] | None = None) -> tuple[int, str]:
        """GET (or POST `form` to) `path`: the status and page."""
        data = urllib.parse.urlencode(form).encode() if form else None
        cookie = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        request = urllib.request.Request(f"{self.base}{path}", data=data, headers={"Cookie": cookie})
        try:
            response = urllib.request.build_opener(_NoRedirect).open(request, timeout=60)
        except urllib.error.HTTPError as exc:
            response = exc
        with contextlib.closing(response):
            for header in response.headers.get_all("Set-Cookie") or []:
                name, value = header.split(";", 1)[0].split("=", 1)
                self.cookies[name] = value
            return response.status, response.read().decode()


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


def _token(page: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found, page[:500]
    return found.group(1)


def test_hostile_messages_never_hold_or_kill_a_worker(tmp_path: Path) -> None:
    need(shutil.which("gunicorn", path=str(BIN)) is not None, f"gunicorn is not installed beside {sys.executable}")
    url = f"sqlite:///{tmp_path / 'shop.db'}"
    migrate.upgrade(url)
    _store(url)
    (tmp_path / "flows").mkdir()
    with _gunicorn(production_env(url, tmp_path), tmp_path) as (base, log_path):
        calls = [(n, value) for n in range(len(HOSTILE)) for value in ("0.00", "42.00", "6000.00")]
        with concurrent.futures.ThreadPoolExecutor(max_workers=6) as pool:
            warm = list(pool.map(lambda _: _promotions(base, -1, "10.00"), range(12)))  # each worker's first call
            answers = list(pool.map(lambda call: _promotions(base, *call), calls))
        assert [status for _, status, _ in warm] == [200] * 12
        admin = _Admin(base)
        new_page = admin.fetch("/admin/campaigns/new")[1]
        previews = []
        for text in HOSTILE.values():
            form = {"csrf_token": _token(new_page), "name": "x", "placement": "cart", "variants[0].key": "a",
                    "variants[0].message": text, "variants[0].weight": "1", "sample.cart_value": "6000"}
            started = time.monotonic()
            status, html = admin.fetch("/admin/campaigns/preview", form)
            previews.append((time.monotonic() - started, status, html))
        log = log_path.read_text()
    names = list(HOSTILE)
    outcomes = sorted(((round(seconds, 3), status, names[n], value)
                       for (n, value), (seconds, status, _) in zip(calls, answers, strict=True)), reverse=True)
    print(f"{len(answers)} /promotions answers, slowest: {outcomes[:3]}; "
          f"{len(previews)} previews, slowest {max(p[0] for p in previews):.3f} s")
    bad = [outcome for outcome in outcomes if outcome[0] > FAST or outcome[1] != 200]
    assert bad == [], bad
    for (_, _, texts) in answers:
        assert len(texts) == 1 and len(texts[0]) <= 4000, texts  # the fallback, or a harmless branch
    assert sum(texts == [FALLBACK] for _, _, texts in answers) >= len(HOSTILE)
    assert all(seconds < FAST and status == 200 and "Cannot be shown" in html for seconds, status, html in previews)
    assert "WORKER TIMEOUT" not in log and "SIGKILL" not in log and log.count("Booting worker") == 2, log
