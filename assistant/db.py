"""Engine and sessions: a SQLite file by default, PostgreSQL through DATABASE_URL."""

from __future__ import annotations

import fcntl
import os
import threading
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from flask import Flask, current_app, g
from sqlalchemy import event
from sqlalchemy.engine import Engine, make_url
from sqlmodel import Session, create_engine


def make_engine(url: str) -> Engine:
    """Create an engine; SQLite gets WAL, foreign keys, a busy timeout and a writers' queue."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        # No pre-ping: it is a round trip on every checkout, a sixth of an event batch's. A connection
        # the server dropped fails its request once and SQLAlchemy then replaces the whole pool; the
        # widget retries event batches. Recycling keeps connections younger than server idle timeouts.
        return create_engine(url, pool_recycle=1800)
    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
    event.listen(engine, "connect", _sqlite_pragmas)
    if parsed.database and parsed.database != ":memory:":
        _WRITER_QUEUES[engine] = _WriterQueue(Path(f"{parsed.database}-writers"))
    return engine


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def init_app(app: Flask, url: str) -> None:
    """Create the app's engine and close the request session on teardown."""
    state = app.extensions.setdefault("assistant", {})
    state["engine"] = make_engine(url)
    app.teardown_appcontext(_close_session)


def get_engine(app: Flask | None = None) -> Engine:
    """The engine of `app` (default: the current app)."""
    app = app or current_app
    try:
        return app.extensions["assistant"]["engine"]
    except KeyError:
        raise RuntimeError("db.init_app(app, url) was not called for this app") from None


def get_session() -> Session:
    """The session of the current request or app context, created on first use."""
    if "db_session" not in g:
        g.db_session = Session(get_engine(), expire_on_commit=False)
    return g.db_session


def _close_session(_exc: BaseException | None) -> None:
    session = g.pop("db_session", None)
    if session is not None:
        session.close()


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """A session for CLI work: commit on success, roll back on error."""
    with Session(engine, expire_on_commit=False) as session, _committed(session):
        yield session


class _WriterQueue:
    """An exclusive flock shared by every process that writes one SQLite file, taken per transaction.

    SQLite lets one connection write at a time. A second writer waits in SQLite's busy handler,
    which sleeps 1, 2, 5, ... ms between tries while the CPU idles; under load that sleeping, not
    the writing, bounded ingest (see benchmarks/README.md). A blocked flock wakes the moment the
    lock is released. It only orders the writers that take it: correctness still rests on
    SQLite's own locking, so a writer that skips it (a CLI job) is merely slower to get in.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._threads = threading.Lock()  # flock does not exclude threads sharing one descriptor
        self._fd: int | None = None
        self._pid = 0

    @contextmanager
    def held(self) -> Iterator[None]:
        """Hold the lock for the block."""
        with self._threads:
            if self._pid != os.getpid():  # a forked worker opens its own file description
                self._fd, self._pid = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600), os.getpid()
            assert self._fd is not None
            fcntl.flock(self._fd, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(self._fd, fcntl.LOCK_UN)


_WRITER_QUEUES: weakref.WeakKeyDictionary[Engine, _WriterQueue] = weakref.WeakKeyDictionary()


@contextmanager
def write_transaction(session: Session) -> Iterator[None]:
    """A write transaction on `session` that commits when the block ends and rolls back on error.

    On a SQLite file it waits its turn in the writers' queue first and begins IMMEDIATE, so reads
    inside the block see the state the writes build on; on PostgreSQL it is a plain transaction.
    """
    bind = session.get_bind()
    queue = _WRITER_QUEUES.get(bind) if isinstance(bind, Engine) else None
    if queue is None:
        with _committed(session):
            yield
        return
    with queue.held():
        begin_immediate(session)
        with _committed(session):
            yield


def begin_immediate(session: Session) -> None:
    """On SQLite, begin the session's transaction now and with the write lock, unless one is open.

    The Python driver begins a transaction only before its first write, so a savepoint or a read
    before that would run outside one; and a read transaction cannot always upgrade to a writer.
    """
    connection = session.connection()
    if connection.dialect.name == "sqlite" and not connection.connection.dbapi_connection.in_transaction:  # type: ignore[union-attr]
        connection.exec_driver_sql("BEGIN IMMEDIATE")


@contextmanager
def _committed(session: Session) -> Iterator[None]:
    try:
        yield
        session.commit()
    except BaseException:
        session.rollback()
        raise
