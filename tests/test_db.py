"""write_transaction: commits at the end of the block, rolls back on error, queues SQLite writers."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from assistant import migrate
from assistant.db import _WRITER_QUEUES, DatabaseBusy, make_engine, write_transaction
from assistant.rawsql import writing
from assistant.sites.models import Site
from tests.factories import make_site


def names(engine: Engine) -> list[str]:
    with Session(engine) as session:
        return list(session.exec(select(Site.name).order_by(Site.name)))


def test_the_block_commits(engine: Engine, session: Session) -> None:
    site = make_site(session)
    with Session(engine) as writer, write_transaction(writer):
        writer.get_one(Site, site.id).name = "Renamed"
    assert names(engine) == ["Renamed"]


def test_an_error_rolls_back(engine: Engine, session: Session) -> None:
    site = make_site(session)
    with Session(engine) as writer, pytest.raises(RuntimeError), write_transaction(writer):
        writer.get_one(Site, site.id).name = "Renamed"
        writer.flush()
        raise RuntimeError("boom")
    assert names(engine) == ["Test shop"]


def test_sqlite_writers_wait_their_turn(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'queue.db'}"
    migrate.upgrade(url)
    engine = make_engine(url)
    with Session(engine, expire_on_commit=False) as session:
        site_id = make_site(session).id
    order: list[str] = []
    inside = threading.Event()

    def first() -> None:
        with Session(engine) as writer, write_transaction(writer):
            order.append("first in")
            inside.set()
            time.sleep(0.2)  # the second writer must be waiting, not writing, all this while
            writer.get_one(Site, site_id).name = "First"
            order.append("first out")

    def second() -> None:
        inside.wait()
        with Session(engine) as writer, write_transaction(writer):
            order.append("second in")
            writer.get_one(Site, site_id).name += " then second"

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert order == ["first in", "first out", "second in"]
    assert names(engine) == ["First then second"]
    engine.dispose()


def test_a_raw_write_takes_the_writers_queue_at_its_first_write_until_its_commit(tmp_path: Path) -> None:
    """A quiz step reads and works outside the queue, then queues (on the flock, not SQLite's busy naps) from its
    write to its commit."""
    url = f"sqlite:///{tmp_path / 'raw.db'}"
    migrate.upgrade(url)
    engine = make_engine(url)
    with Session(engine, expire_on_commit=False) as session:
        site_id = make_site(session).id
    free: list[bool] = []

    queue = _WRITER_QUEUES[engine]

    def queue_is_free() -> bool:
        """Whether another writer (a thread here, like a second worker) gets the queue within 50 ms."""
        got: list[bool] = []

        def other() -> None:
            try:
                with queue.held(time.monotonic() + 0.05):
                    got.append(True)
            except DatabaseBusy:
                got.append(False)

        thread = threading.Thread(target=other)
        thread.start()
        thread.join()
        return got == [True]

    with writing(engine) as sql:
        sql.run("SELECT name FROM site WHERE id = ?", (site_id,)).fetchone()
        free.append(queue_is_free())
        sql.run("UPDATE site SET name = ? WHERE id = ?", ("Raw", site_id))
        free.append(queue_is_free())
    free.append(queue_is_free())
    assert free == [True, False, True]
    assert names(engine) == ["Raw"]
    engine.dispose()
