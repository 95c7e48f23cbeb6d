"""PostgreSQL stopped or unreachable under a real gunicorn: each request answers 503 JSON with Retry-After within
about a second (ASSISTANT_DB_CONNECT_TIMEOUT, 1 s), no worker hangs, and the same workers serve normally once the
database is back, storing what the client sends again exactly once."""

from __future__ import annotations

import json
import shutil
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from assistant import migrate
from assistant.db import make_engine, session_scope
from tests.conftest import need
from tests.factories import make_site
from tests.ops.pg_cluster import Cluster, Relay, throwaway_cluster
from tests.test_production_smoke import gunicorn, production_env

BIN = Path(sys.executable).parent
ORIGIN = "https://shop.example"
CHROME = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36"
"""A browser's User-Agent: the API keeps no events of a client that says it is a robot (urllib does)."""
BOUND = 1.5
"""Seconds a request may take while the database is away: the 1 s connect timeout and the request's own work."""


@pytest.fixture(scope="module")
def cluster() -> Iterator[Cluster]:
    need(shutil.which("gunicorn", path=str(BIN)) is not None, f"gunicorn is not installed beside {sys.executable}")
    with throwaway_cluster() as started:
        migrate.upgrade(started.url)
        engine = make_engine(started.url)
        with session_scope(engine) as session:
            make_site(session, origins=[ORIGIN])
        engine.dispose()
        yield started


def served(database_url: str, folder: Path) -> Any:
    """gunicorn as production runs it (two workers of four threads) on `database_url`; its base URL."""
    (folder / "flows").mkdir(exist_ok=True)
    env = {**production_env(database_url, folder), "ASSISTANT_RATE_LIMITS": "0"}
    return gunicorn(env, folder, "--threads", "4", "--timeout", "30")


def send(base: str, event_id: str) -> tuple[int, dict[str, Any], dict[str, str], float]:
    """One event batch as the widget sends it: status, body, headers and the wall time taken."""
    batch = {"visitor": "visitor-faults", "events": [{"id": event_id, "type": "page_view",
                                                      "ts": time.time() * 1000, "page": "/"}]}
    request = urllib.request.Request(f"{base}/api/v1/events?site=pk_test", data=json.dumps(batch).encode(),
                                     headers={"Origin": ORIGIN, "Content-Type": "text/plain", "User-Agent": CHROME},
                                     method="POST")
    started = time.monotonic()
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.load(response), dict(response.headers), time.monotonic() - started
    except urllib.error.HTTPError as exc:
        return exc.code, json.load(exc), dict(exc.headers), time.monotonic() - started


def stored(url: str) -> list[str]:
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            return [row[0] for row in connection.execute(text("SELECT client_id FROM event ORDER BY client_id"))]
    finally:
        engine.dispose()


def assert_unavailable(answers: list[tuple[int, dict[str, Any], dict[str, str], float]]) -> None:
    for status, body, headers, took in answers:
        assert status == 503, (status, body)
        assert took < BOUND, f"{took:.2f} s"
        assert int(headers["Retry-After"]) >= 1 and headers["Content-Type"] == "application/json"
        assert body["error"]["code"] == "service_unavailable" and "database is unavailable" in body["error"]["message"]
        assert "Traceback" not in json.dumps(body)


def test_a_stopped_database_answers_503_at_once_and_the_workers_recover(cluster: Cluster, tmp_path: Path) -> None:
    with served(cluster.url, tmp_path) as base:
        assert send(base, "evt-before")[0] == 200  # the workers hold pooled connections
        cluster.stop()
        try:
            answers = [send(base, f"evt-down-{n}") for n in range(6)]  # pooled connections, then refused ones
        finally:
            cluster.start()
        assert_unavailable(answers)
        print("stopped database, seconds per answer:", [round(a[3], 3) for a in answers])
        back = [send(base, f"evt-down-{n}") for n in range(6)]  # the widget sends its queued batches again
        assert [status for status, *_ in back] == [200] * 6, back
        assert [body["accepted"] for _, body, *_ in back] == [1] * 6
    assert stored(cluster.url).count("evt-down-0") == 1


def test_an_unreachable_database_answers_503_within_the_connect_timeout(cluster: Cluster, tmp_path: Path) -> None:
    relay = Relay(cluster.port)
    url = cluster.url.replace(f":{cluster.port}/", f":{relay.port}/")
    try:
        with served(url, tmp_path) as base:
            assert send(base, "evt-reach-before")[0] == 200
            relay.swallow()
            answers = [send(base, f"evt-reach-{n}") for n in range(6)]
            relay.relay()
            assert_unavailable(answers)
            print("unreachable database, seconds per answer:", [round(a[3], 3) for a in answers])
            assert max(took for *_, took in answers[-4:]) >= 0.9  # these waited for the connect timeout, not less
            back = [send(base, f"evt-reach-{n}") for n in range(6)]
            assert [status for status, *_ in back] == [200] * 6, back
    finally:
        relay.close()
    assert stored(cluster.url).count("evt-reach-0") == 1


def test_only_connection_errors_count_as_unavailable() -> None:
    """A lost or refused connection is the database's absence; a deadlock is a fault of the request (a 500)."""
    import psycopg
    from sqlalchemy.exc import OperationalError

    from assistant.db import is_unavailable

    assert is_unavailable(psycopg.errors.AdminShutdown("terminating connection due to administrator command"))
    assert is_unavailable(psycopg.OperationalError("connection failed: Connection refused"))
    assert is_unavailable(psycopg.InterfaceError("the connection is closed"))
    assert is_unavailable(OperationalError("SELECT 1", {}, psycopg.errors.ConnectionTimeout("timeout expired")))
    assert not is_unavailable(psycopg.errors.DeadlockDetected("deadlock detected"))
    assert not is_unavailable(psycopg.errors.UndefinedTable("relation \"event\" does not exist"))
    assert not is_unavailable(OperationalError("SELECT 1", {}, Exception("no such table: event")))


def test_engine_connections_carry_the_bounds(cluster: Cluster) -> None:
    """The web app's engine: every connection has tcp_user_timeout (a partition fails a pooled connection's query
    instead of leaving it to the kernel's retransmissions); the pool waits no longer than the connect timeout."""
    engine = make_engine(cluster.url, connect_timeout=0.5)
    try:
        with engine.connect() as connection:
            raw = connection.connection.dbapi_connection
            assert "tcp_user_timeout=500" in raw.info.dsn  # type: ignore[union-attr]
            assert connection.execute(text("SELECT 1")).scalar() == 1
        assert engine.pool.timeout() == 0.5  # type: ignore[attr-defined]
    finally:
        engine.dispose()
