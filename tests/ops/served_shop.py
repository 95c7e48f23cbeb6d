"""A shop served the README's way for the metrics and log tests: production settings, a SQLite file, one site,
`gunicorn -c python:assistant.gunicorn_conf` with two workers (tests/test_production_smoke.py's helpers)."""

from __future__ import annotations

import concurrent.futures
import contextlib
import json
import shutil
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.conftest import need
from tests.test_production_smoke import BIN, ORIGIN, gunicorn, production_env, run

BROWSER = "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0"
"""A shopper's browser: urllib's own User-Agent is a bot's, whose events are dropped unstored."""


@dataclass(frozen=True)
class Shop:
    """A running server: its base URL, site key, folder and combined log (gunicorn's stdout and stderr)."""

    base: str
    key: str
    folder: Path

    @property
    def log(self) -> Path:
        return self.folder / "gunicorn.log"

    def log_lines(self) -> list[dict[str, Any]]:
        """The log's JSON lines (every line, in production's JSON format)."""
        return [json.loads(line) for line in self.log.read_text().splitlines() if line.startswith("{")]


@contextlib.contextmanager
def served_shop(folder: Path, **settings: str) -> Iterator[Shop]:
    """Migrate a SQLite file, create a site for ORIGIN, serve it with two workers (and `settings` as env)."""
    need(shutil.which("gunicorn", path=str(BIN)) is not None, f"gunicorn is not installed beside {sys.executable}")
    env = {**production_env(f"sqlite:///{folder / 'shop.db'}", folder), "ASSISTANT_RATE_LIMITS": "off", **settings}
    (folder / "flows").mkdir()  # ASSISTANT_FLOWS: the shop's flows, none to start with
    run(env, folder, "assistant", "db", "upgrade")
    key = run(env, folder, "assistant", "site", "create", "--name", "My shop", "--origin", ORIGIN).strip()
    with gunicorn(env, folder) as base:
        yield Shop(base, key, folder)


def call(url: str, *, data: bytes | None = None, headers: dict[str, str] | None = None) -> tuple[int, Any, str]:
    """One request on a new connection: status, headers, body text."""
    request = urllib.request.Request(url, data=data, headers={"Origin": ORIGIN, "Content-Type": "text/plain",
                                                              "User-Agent": BROWSER, **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, response.headers, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers, exc.read().decode()


def event_batch(valid: int, invalid: int) -> bytes:
    """A widget batch of `valid` product views and `invalid` events of no known type."""
    events: list[dict[str, Any]] = [{"id": f"e-{uuid.uuid4().hex}", "type": "product_view", "sku": f"SKU-{i}",
                                     "page": "/p"} for i in range(valid)]
    events += [{"id": f"e-{uuid.uuid4().hex}", "type": "no_such_type"} for _ in range(invalid)]
    return json.dumps({"visitor": f"v-{uuid.uuid4().hex[:16]}", "events": events}).encode()


def send_batches(shop: Shop, count: int, *, valid: int, invalid: int) -> list[int]:
    """POST `count` batches at once from six threads (so both workers take some); their statuses."""
    url = f"{shop.base}/api/v1/events?site={shop.key}"
    with concurrent.futures.ThreadPoolExecutor(6) as pool:
        return list(pool.map(lambda _: call(url, data=event_batch(valid, invalid))[0], range(count)))


def wait_for(predicate: Any, what: str, seconds: float = 30) -> None:
    """Poll `predicate` until it holds."""
    deadline = time.monotonic() + seconds
    while not predicate():
        assert time.monotonic() < deadline, f"waited {seconds} s for {what}"
        time.sleep(0.1)
