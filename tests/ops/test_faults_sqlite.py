"""SQLite held by another writer for five seconds, under a real gunicorn (two workers of four threads): each write
waits at most ASSISTANT_DB_LOCK_WAIT, then answers 503 JSON with Retry-After; reads and /healthz go on meanwhile;
once the writer lets go the same workers store what the clients send again, once each.

tests/api/test_database_busy.py covers the same through the test client (one process); this is the deployment:
separate worker processes, each with its own place in the writers' queue.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import sys
import threading
import time
import urllib.request
from pathlib import Path

from assistant import migrate
from assistant.db import make_engine, session_scope
from tests.conftest import need
from tests.factories import make_site
from tests.ops.test_faults_postgres import ORIGIN, send
from tests.test_production_smoke import gunicorn, production_env

BIN = Path(sys.executable).parent
LOCK_WAIT = 2.0
HOLD = 5.0
MARGIN = 0.7
THREADS = 3
"""Writers at once: fewer than one worker's four threads. gunicorn's workers do not balance, and a request one
worker accepted while its threads all wait for the lock queues behind them (a wait of its own, not the
database's: seen 4.0 s for a fifth writer, 1.7 s for /healthz behind four)."""


def test_writes_give_up_after_the_lock_wait_while_another_writer_holds_the_file(tmp_path: Path) -> None:
    need(shutil.which("gunicorn", path=str(BIN)) is not None, f"gunicorn is not installed beside {sys.executable}")
    database = tmp_path / "shop.db"
    url = f"sqlite:///{database}"
    migrate.upgrade(url)
    engine = make_engine(url)
    with session_scope(engine) as session:
        make_site(session, origins=[ORIGIN])
    engine.dispose()
    (tmp_path / "flows").mkdir()
    env = {**production_env(url, tmp_path), "ASSISTANT_RATE_LIMITS": "0", "ASSISTANT_DB_LOCK_WAIT": str(LOCK_WAIT)}
    with gunicorn(env, tmp_path, "--threads", "4", "--timeout", "30") as base:
        assert send(base, "evt-warm")[0] == 200
        holder = sqlite3.connect(database, isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")  # a backup, a shell, a long import
        held_at = time.monotonic()
        answers: list[tuple[int, dict[str, object], dict[str, str], float]] = []

        def write(n: int) -> None:
            answers.append(send(base, f"evt-held-{n}"))

        threads = [threading.Thread(target=write, args=(n,)) for n in range(THREADS)]
        for thread in threads:
            thread.start()
        time.sleep(0.3)
        health_took = _took(f"{base}/healthz")  # a free thread answers while the writers wait
        for thread in threads:
            thread.join()
        late = send(base, "evt-held-late")  # a writer arriving later waits its own bound too
        time.sleep(max(0.0, HOLD - (time.monotonic() - held_at)))
        holder.execute("ROLLBACK")
        holder.close()
        after = [send(base, f"evt-held-{n}") for n in range(THREADS)]
    print("SQLite held 5 s, lock wait 2 s, seconds per answer:", sorted(round(a[3], 2) for a in [*answers, late]))
    for status, body, headers, took in [*answers, late]:
        assert status == 503 and LOCK_WAIT - 0.1 < took < LOCK_WAIT + MARGIN, (status, body, took)
        assert int(headers["Retry-After"]) >= 1 and headers["Content-Type"] == "application/json"
        assert body["error"]["code"] == "service_unavailable" and "busy" in body["error"]["message"]  # type: ignore[index]
    assert health_took < 0.5, health_took
    assert [(status, body["accepted"]) for status, body, *_ in after] == [(200, 1)] * THREADS
    with sqlite3.connect(database) as reader:
        ids = [row[0] for row in reader.execute("SELECT client_id FROM event WHERE client_id LIKE 'evt-held-%'")]
    assert sorted(ids) == sorted(f"evt-held-{n}" for n in range(THREADS))


def _took(url: str) -> float:
    started = time.monotonic()
    with urllib.request.urlopen(url, timeout=10) as response:
        assert json.load(response) == {"status": "ok"}
    return time.monotonic() - started
