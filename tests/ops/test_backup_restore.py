"""docs/deploy.md's backup and restore, done: pg_dump -Fc of a database with real rows, pg_restore into a new
database, the same rows there, and the app serving a quiz and its events from the restored copy."""

from __future__ import annotations

import json
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, inspect, text
from sqlalchemy.engine import make_url
from sqlmodel import Session

from assistant import migrate
from assistant.app import create_app
from assistant.config import Settings
from assistant.db import make_engine
from assistant.demo.build import DEMO_KEY, build_demo
from assistant.demo.customers import seed_customers
from tests.conftest import _postgres_database, need
from tests.quiz_walk import Call, outside_control, take_quiz

ORIGIN = "https://shop.example"
BROWSER = {"Origin": ORIGIN, "User-Agent": "Mozilla/5.0 (X11; Linux x86_64) Chrome/131.0 Safari/537.36"}


def pg_tool(name: str) -> str:
    found = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"), key=lambda p: int(p.parts[-3]))
    need(bool(found), f"{name} is not installed (Debian's postgresql-client)")
    return str(found[-1])


def libpq(url: str) -> str:
    """The SQLAlchemy URL as pg_dump and pg_restore take it."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


@pytest.fixture
def source() -> Iterator[str]:
    """A migrated PostgreSQL database with the demo shop: its catalog, 600 customers' orders and some events."""
    for url in _postgres_database():
        migrate.upgrade(url)
        engine = make_engine(url)
        with Session(engine) as session:
            site = build_demo(session=session, origins=[ORIGIN])
            seed_customers(session=session, site=site, now=datetime(2026, 12, 1, tzinfo=UTC), customers=60)
            session.commit()
        with served(url) as client:
            events = [{"id": f"backup-{n:04d}", "type": "page_view", "ts": int(time.time() * 1000), "page": "/"}
                      for n in range(30)]
            sent = client.post(f"/api/v1/events?site={DEMO_KEY}", headers=BROWSER,
                               json={"visitor": "v-backup-1", "events": events})
            assert sent.get_json()["accepted"] == 30, sent.get_json()
        engine.dispose()
        yield url


@pytest.fixture
def target() -> Iterator[str]:
    """A new, empty database to restore into."""
    yield from _postgres_database()


@contextmanager
def served(url: str) -> Iterator[Any]:
    """A test client of the app on the database at `url`."""
    app = create_app(Settings(database_url=url, testing=True, models_dir=Path("/nonexistent-models")))
    try:
        yield app.test_client()
    finally:
        app.extensions["assistant"]["engine"].dispose()


def counts(engine: Engine) -> dict[str, int]:
    """Rows per table (every table of the schema, alembic_version included)."""
    with engine.connect() as connection:
        names = inspect(connection).get_table_names()
        return {name: connection.execute(text(f'SELECT count(*) FROM "{name}"')).scalar_one() for name in names}


def test_a_dump_restored_into_a_new_database_has_the_rows_and_serves(source: str, target: str, tmp_path: Path) -> None:
    dump = tmp_path / "assistant.dump"
    subprocess.run([pg_tool("pg_dump"), "-Fc", "--no-owner", "-f", str(dump), libpq(source)], check=True)
    subprocess.run([pg_tool("pg_restore"), "--no-owner", "--exit-on-error", "-d", libpq(target), str(dump)],
                   check=True)
    before, after = make_engine(source), make_engine(target)
    try:
        expected = counts(before)
        assert expected["product"] == 300 and expected["shop_order"] > 50 and expected["event"] == 30, expected
        assert counts(after) == expected
        migrate.require_current(after)  # the restored schema is this version's: nodes may serve from it
        with after.connect() as connection:  # sequences restored too: the next row gets a new id, not a clash
            ids = connection.execute(text("SELECT max(id) FROM event")).scalar_one()
    finally:
        before.dispose()
        after.dispose()
    with served(target) as client:
        assert client.get("/readyz").status_code == 200
        call = _call(client)
        asked, results = take_quiz(call, "running-shoes", outside_control(DEMO_KEY))
        assert asked and results["items"]
        status, stored = call("POST", "/events", {"visitor": "v-backup-2", "events": [
            {"id": "after-restore", "type": "page_view", "ts": int(time.time() * 1000), "page": "/"}]})
        assert (status, stored["accepted"]) == (200, 1), stored
    check = make_engine(target)
    with check.connect() as connection:
        assert connection.execute(text("SELECT id FROM event WHERE client_id = 'after-restore'")).scalar_one() > ids
    check.dispose()


def _call(client: Any) -> Call:
    def send(method: str, path: str, body: Any) -> tuple[int, Any]:
        sep = "&" if "?" in path else "?"
        answer = client.open(f"/api/v1{path}{sep}site={DEMO_KEY}", method=method, headers=BROWSER,
                             data=None if body is None else json.dumps(body), content_type="text/plain")
        return answer.status_code, answer.get_json()
    return send
