"""SQLite held by another writer past the wait: a 503 with Retry-After within the bound, never a 500
after 30 s, and the event stored once the writer lets go and the client sends it again."""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from sqlmodel import Session, select

from assistant import migrate
from assistant.app import create_app
from assistant.config import ConfigError, Settings
from assistant.db import DatabaseBusy, get_engine, make_engine, write_transaction
from assistant.sites.models import Site
from assistant.tracking.models import Event
from tests.admin.test_auth import csrf
from tests.factories import make_site, make_user
from tests.flows.test_engine import SHOES

WAIT = 1.0
MARGIN = 0.7
CHROME = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36"


@pytest.fixture
def database(tmp_path: Path) -> Path:
    path = tmp_path / "busy.db"
    migrate.upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture
def busy_app(database: Path, tmp_path: Path) -> Iterator[Flask]:
    """The app on a SQLite file, waiting at most WAIT seconds for another writer."""
    (tmp_path / "flows").mkdir()
    app = create_app(Settings(database_url=f"sqlite:///{database}", flows_dir=tmp_path / "flows", testing=True,
                              db_lock_wait=WAIT))
    with Session(get_engine(app), expire_on_commit=False) as session:
        make_site(session)
        make_user(session, email="ada@shop.example")
    yield app
    get_engine(app).dispose()


@pytest.fixture
def outside_writer(database: Path) -> Iterator[sqlite3.Connection]:
    """Another program holding the SQLite write lock (a backup, a shell, a long import)."""
    holder = sqlite3.connect(database, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    yield holder
    if holder.in_transaction:
        holder.execute("ROLLBACK")
    holder.close()


BATCH = json.dumps({"visitor": "visitor-0001",
                    "events": [{"id": "evt-00001", "type": "page_view", "ts": time.time() * 1000, "page": "/"}]})


def send_events(app: Flask) -> tuple[int, dict[str, object], dict[str, str], float]:
    started = time.monotonic()
    response = app.test_client().post("/api/v1/events?site=pk_test", data=BATCH, content_type="text/plain",
                                      headers={"User-Agent": CHROME})
    return response.status_code, response.get_json(), dict(response.headers), time.monotonic() - started


def stored(app: Flask) -> list[str]:
    with Session(get_engine(app)) as session:
        return list(session.exec(select(Event.client_id)))


def test_events_answer_503_with_retry_after_and_are_stored_on_retry(
        busy_app: Flask, outside_writer: sqlite3.Connection) -> None:
    status, body, headers, took = send_events(busy_app)
    assert status == 503 and took < WAIT + MARGIN, (status, took)
    assert int(headers["Retry-After"]) >= 1 and headers["Content-Type"] == "application/json"
    assert body["error"]["code"] == "service_unavailable"  # type: ignore[index]
    assert "busy" in body["error"]["message"]  # type: ignore[index]
    outside_writer.execute("COMMIT")
    assert stored(busy_app) == []
    status, body, _headers, _took = send_events(busy_app)  # the widget sends the same batch again
    assert status == 200 and body["accepted"] == 1 and stored(busy_app) == ["evt-00001"]


def test_concurrent_requests_each_answer_within_the_bound(busy_app: Flask, outside_writer: sqlite3.Connection) -> None:
    answers: list[tuple[int, float]] = []

    def one() -> None:
        status, _body, _headers, took = send_events(busy_app)
        answers.append((status, took))

    threads = [threading.Thread(target=one) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [status for status, _ in answers] == [503] * 4
    assert max(took for _, took in answers) < WAIT + MARGIN, answers


def test_writers_of_other_processes_each_give_up_by_their_own_deadline(
        database: Path, outside_writer: sqlite3.Connection) -> None:
    """Two engines stand for two worker processes: each has its own flock on the writers' file."""
    engines = [make_engine(f"sqlite:///{database}", lock_wait=WAIT) for _ in range(2)]
    took: list[float] = []

    def write(engine: object, delay: float) -> None:
        time.sleep(delay)
        started = time.monotonic()
        with pytest.raises(DatabaseBusy), Session(engine) as session, write_transaction(session):  # type: ignore[arg-type]
            session.add(Site(key="pk_other", name="x", allowed_origins=[], currency="EUR"))
        took.append(time.monotonic() - started)

    threads = [threading.Thread(target=write, args=(engine, 0.3 * n)) for n, engine in enumerate(engines * 2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for engine in engines:
        engine.dispose()
    assert len(took) == 4 and max(took) < WAIT + MARGIN, took


def test_an_admin_write_answers_503_too(busy_app: Flask, outside_writer: sqlite3.Connection) -> None:
    client = busy_app.test_client()
    token = csrf(client)
    started = time.monotonic()
    response = client.post("/admin/login", data={"email": "ada@shop.example", "password": "correct horse battery",
                                                 "csrf_token": token})
    assert response.status_code == 503 and time.monotonic() - started < WAIT + MARGIN
    assert int(response.headers["Retry-After"]) >= 1


def test_lock_wait_setting() -> None:
    assert Settings.from_env({}).db_lock_wait == 5.0
    assert Settings.from_env({"ASSISTANT_DB_LOCK_WAIT": "2.5"}).db_lock_wait == 2.5
    for bad in ("0", "61", "nan", "1e3", "٣"):
        with pytest.raises(ConfigError, match="ASSISTANT_DB_LOCK_WAIT"):
            Settings.from_env({"ASSISTANT_DB_LOCK_WAIT": bad})


def test_a_writer_stuck_behind_an_outside_lock_does_not_hold_up_the_queue(
        database: Path, outside_writer: sqlite3.Connection) -> None:
    """A CLI job (30 s wait) queued first and stuck: a web worker's writer still answers within its own bound,
    and the job's write lands once the outside writer lets go."""
    patient, web = make_engine(f"sqlite:///{database}"), make_engine(f"sqlite:///{database}", lock_wait=WAIT)
    done = threading.Event()

    def long_job() -> None:
        with Session(patient) as session, write_transaction(session):
            session.add(Site(key="pk_job", name="job", allowed_origins=[], currency="EUR"))
        done.set()

    job = threading.Thread(target=long_job)
    job.start()
    time.sleep(0.3)  # the job holds the writers' queue and waits in SQLite for the outside writer
    started = time.monotonic()
    with pytest.raises(DatabaseBusy), Session(web) as session, write_transaction(session):
        session.add(Site(key="pk_web", name="web", allowed_origins=[], currency="EUR"))
    took = time.monotonic() - started
    outside_writer.execute("COMMIT")
    job.join(timeout=10)
    with Session(web) as session:
        keys = list(session.exec(select(Site.key)))
    patient.dispose()
    web.dispose()
    assert took < WAIT + MARGIN and done.is_set() and keys == ["pk_job"], (took, keys)


@pytest.fixture
def quiz_app(database: Path, tmp_path: Path) -> Iterator[Flask]:
    """busy_app with a flow to take."""
    (tmp_path / "flows").mkdir()
    (tmp_path / "flows" / "shoes.yaml").write_text(SHOES)
    app = create_app(Settings(database_url=f"sqlite:///{database}", flows_dir=tmp_path / "flows", testing=True,
                              db_lock_wait=WAIT))
    with Session(get_engine(app), expire_on_commit=False) as session:
        make_site(session)
    yield app
    get_engine(app).dispose()


def test_quiz_steps_answer_503_and_store_the_answer_on_retry(quiz_app: Flask, database: Path) -> None:
    """The quiz's writes take no SQLAlchemy session (rawsql.writing) but queue and give up like the others."""
    client = quiz_app.test_client()
    origin = {"Origin": "https://shop.example"}
    started = client.post("/api/v1/quiz?site=pk_test", json={"flow": "shoes"}, headers=origin)
    assert started.status_code == 201, started.get_json()
    quiz = started.get_json()["quiz"]
    answer = {"question": "terrain", "value": "trail"}
    holder = sqlite3.connect(database, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        for path, body in [("/api/v1/quiz", {"flow": "shoes"}), (f"/api/v1/quiz/{quiz}/answers", answer)]:
            began = time.monotonic()
            response = client.post(f"{path}?site=pk_test", json=body, headers=origin)
            assert response.status_code == 503 and time.monotonic() - began < WAIT + MARGIN, (path, response.data)
            assert int(response.headers["Retry-After"]) >= 1
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert client.get(f"/api/v1/quiz/{quiz}?site=pk_test", headers=origin).get_json()["answers"] == []
    retried = client.post(f"/api/v1/quiz/{quiz}/answers?site=pk_test", json=answer, headers=origin)
    assert retried.status_code == 200, retried.get_json()
    with sqlite3.connect(database) as reader:  # acknowledged means committed, as another connection sees it
        stored = reader.execute("SELECT answers FROM quiz_session WHERE id = ?", (quiz,)).fetchone()[0]
    assert json.loads(stored) == [["terrain", "trail"]]
