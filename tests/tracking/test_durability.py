"""Nothing acknowledged is lost: batches through gunicorn while a worker is killed with SIGKILL."""

from __future__ import annotations

import http.client
import json
import os
import signal
import threading
import time
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import Engine

from assistant.sites.models import Site
from benchmarks.common import gunicorn
from tests.tracking.test_events_api import CHROME

THREADS, BATCHES, SIZE = 4, 60, 20


def workers_of(master: int) -> list[int]:
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    return [int(pid) for pid in children]


def send_batches(port: int, thread: int, acknowledged: list[str], failed: list[int]) -> None:
    for number in range(BATCHES):
        ids = [f"dur-{thread}-{number:04d}-{i:02d}" for i in range(SIZE)]
        body = json.dumps({"visitor": f"durable-{thread:04d}", "events": [
            {"id": event_id, "type": "page_view", "page": "/demo/"} for event_id in ids]})
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        try:
            connection.request("POST", "/api/v1/events?site=pk_test", body=body,
                               headers={"Content-Type": "text/plain", "User-Agent": CHROME})
            response = connection.getresponse()
            response.read()
        except (OSError, http.client.HTTPException):  # a killed worker: reset, or a reply cut short
            failed.append(number)
            continue
        finally:
            connection.close()
        if 200 <= response.status < 300:
            acknowledged.extend(ids)
        else:
            failed.append(number)


def test_acknowledged_events_survive_a_killed_worker(database_url: str, engine: Engine, site: Site) -> None:
    env = {"DATABASE_URL": database_url, "ASSISTANT_RATE_LIMITS": "off", "ASSISTANT_RELOAD_FLOWS": "off"}
    acknowledged: list[str] = []
    failed: list[int] = []
    with gunicorn("assistant.app:create_app()", workers=3, env=env, probe="/api/v1/flows?site=pk_test") as (
            base, master):
        port = int(base.rsplit(":", 1)[1])
        threads = [threading.Thread(target=send_batches, args=(port, t, acknowledged, failed)) for t in range(THREADS)]
        for thread in threads:
            thread.start()
        while len(acknowledged) < THREADS * BATCHES * SIZE // 3:
            time.sleep(0.01)
        victim = workers_of(master.pid)[0]
        os.kill(victim, signal.SIGKILL)
        for thread in threads:
            thread.join(timeout=120)
        assert victim not in workers_of(master.pid)
    with engine.connect() as connection:
        stored = set(connection.execute(text("select client_id from event where site_id = :s"),
                                        {"s": site.id}).scalars())
    missing = set(acknowledged) - stored
    print(f"\n{len(acknowledged)} events acknowledged, {len(stored)} stored, {len(failed)} batches failed "
          f"in flight, {len(missing)} acknowledged events missing")
    assert len(acknowledged) > THREADS * BATCHES * SIZE // 2
    assert missing == set()
