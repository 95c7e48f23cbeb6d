"""Nothing acknowledged is lost: batches through gunicorn while a worker is killed with SIGKILL at its commit.

The worker is not killed at an arbitrary moment (which would almost never fall between a commit and its
answer): a fault point (assistant.faults) holds the first worker that reaches it, and the test kills that one.
Just after the commit, the batch is stored but never answered: the client's resend must find it a duplicate,
stored once. Just before the commit nothing may have been answered: were the answer sent before the commit (a
write-behind), the client would hold an acknowledgement for events that died with the worker, and this test
fails. (On PostgreSQL a batch of one visit is stored by one statement that commits on its own, before that
point: its resend is a duplicate too.)
"""

from __future__ import annotations

import http.client
import json
import os
import signal
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine

from assistant.sites.models import Site
from benchmarks.common import gunicorn
from tests.tracking.test_events_api import CHROME

THREADS, BATCHES, SIZE = 4, 15, 20


def workers_of(master: int) -> list[int]:
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    return [int(pid) for pid in children]


def post(port: int, body: str) -> dict[str, Any] | None:
    """POST a batch; its answer, or None when there was none (a killed worker) or it was not a 2xx."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        connection.request("POST", "/api/v1/events?site=pk_test", body=body,
                           headers={"Content-Type": "text/plain", "User-Agent": CHROME})
        response = connection.getresponse()
        answer = response.read()
    except (OSError, http.client.HTTPException):  # a killed worker: reset, or a reply cut short
        return None
    finally:
        connection.close()
    return json.loads(answer) if 200 <= response.status < 300 else None


def send_batches(port: int, thread: int, acknowledged: list[str], failed: list[str]) -> None:
    for number in range(BATCHES):
        ids = [f"dur-{thread}-{number:04d}-{i:02d}" for i in range(SIZE)]
        body = json.dumps({"visitor": f"durable-{thread:04d}", "events": [
            {"id": event_id, "type": "page_view", "page": "/demo/"} for event_id in ids]})
        if post(port, body) is None:
            failed.append(body)
        else:
            acknowledged.extend(ids)


def client_ids(engine: Engine, site: Site) -> list[str]:
    """The client ids of every event stored for `site`."""
    with engine.connect() as connection:
        return list(connection.execute(text("select client_id from event where site_id = :s"),
                                       {"s": site.id}).scalars())


def caught(fault: Path, master: Any) -> int:
    """The pid of the worker held at the fault point, once it wrote it."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        written = fault.read_text() if fault.exists() else ""
        if written.endswith("\n"):
            return int(written)
        assert master.poll() is None, "gunicorn exited"
        time.sleep(0.01)
    raise AssertionError("no worker reached the fault point")


@pytest.mark.parametrize("moment", ["before_commit", "after_commit"])
def test_acknowledged_events_survive_a_worker_killed_at_its_commit(
        database_url: str, engine: Engine, site: Site, tmp_path: Path, moment: str) -> None:
    fault = tmp_path / "fault.pid"
    env = {"DATABASE_URL": database_url, "ASSISTANT_RATE_LIMITS": "off", "ASSISTANT_RELOAD_FLOWS": "off",
           "ASSISTANT_FAULT_POINT": f"events.{moment}", "ASSISTANT_FAULT_FILE": str(fault)}
    acknowledged: list[str] = []
    failed: list[str] = []
    with gunicorn("assistant.app:create_app()", workers=3, env=env, probe="/api/v1/flows?site=pk_test") as (
            base, master):
        port = int(base.rsplit(":", 1)[1])
        threads = [threading.Thread(target=send_batches, args=(port, t, acknowledged, failed)) for t in range(THREADS)]
        for thread in threads:
            thread.start()
        victim = caught(fault, master)
        os.kill(victim, signal.SIGKILL)
        for thread in threads:
            thread.join(timeout=120)
        assert victim not in workers_of(master.pid)
        before_resend = set(client_ids(engine, site))
        resent = [post(port, body) for body in failed]  # what the widget does with an unanswered batch
    rows = client_ids(engine, site)
    missing = set(acknowledged) - before_resend
    print(f"\nkilled at {moment}: {len(acknowledged)} events acknowledged, {len(before_resend)} stored, "
          f"{len(failed)} batches unanswered, {len(missing)} acknowledged events missing")
    assert missing == set(), "acknowledged, then lost with the worker"
    assert failed, "the killed worker's batch went unanswered"
    assert None not in resent and len(rows) == len(set(rows)) == THREADS * BATCHES * SIZE, "every event stored once"
    if moment == "after_commit":
        duplicates = [answer["duplicates"] for answer in resent if answer]
        assert SIZE in duplicates, "the unanswered batch had been committed: its resend is a duplicate"
