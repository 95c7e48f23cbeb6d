"""Engine and sessions: a SQLite file by default, PostgreSQL through DATABASE_URL."""

from __future__ import annotations

import fcntl
import math
import os
import sqlite3
import struct
import threading
import time
import weakref
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlmodel import Session, create_engine
from werkzeug.exceptions import ServiceUnavailable

if TYPE_CHECKING:
    from flask import Flask

CLI_LOCK_WAIT = 30.0
"""Seconds a SQLite writer outside a web request (CLI jobs, migrations) waits for another writer."""
STALL_AFTER = 0.1
"""Seconds a queued writer waits for SQLite's lock before telling the queue that the file is held from outside."""


class DatabaseBusy(ServiceUnavailable):
    """Another writer held the SQLite file longer than the request may wait: a 503 with Retry-After."""

    def __init__(self, waited: float) -> None:
        super().__init__(f"the database is busy (another writer held it for over {waited:g} s); try again shortly",
                         retry_after=max(1, math.ceil(waited)))


class DatabaseUnavailable(ServiceUnavailable):
    """PostgreSQL refused, did not answer within the connect timeout, or dropped the connection: a 503."""

    def __init__(self) -> None:
        super().__init__("the database is unavailable (unreachable or restarting); try again shortly",
                         retry_after=UNAVAILABLE_RETRY)


UNAVAILABLE_RETRY = 2
"""Seconds a client is asked to wait after DatabaseUnavailable: a restart takes a few; the widget keeps its events."""


def is_locked(exc: OperationalError) -> bool:
    """Whether `exc` is SQLite's "database is locked" (or busy), rather than a real fault."""
    return _locked_text(exc.orig)


def make_engine(url: str, *, lock_wait: float = CLI_LOCK_WAIT, connect_timeout: float | None = None) -> Engine:
    """Create an engine; SQLite gets WAL, foreign keys, a busy timeout of `lock_wait` s and a writers' queue;
    PostgreSQL gives up connecting after `connect_timeout` s (None: libpq's own rules, for the CLI)."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        # No pre-ping: it is a round trip on every checkout, a sixth of an event batch's. A connection
        # the server dropped fails its request once (503) and SQLAlchemy then replaces the whole pool; the
        # widget retries event batches. Recycling keeps connections younger than server idle timeouts.
        if connect_timeout is None:
            return create_engine(url, pool_recycle=1800)
        engine = create_engine(url, pool_recycle=1800, pool_timeout=connect_timeout)
        if parsed.get_driver_name() == "psycopg":
            from assistant.db_connect import bound_connections  # here: SQLite commands never load psycopg

            bound_connections(engine, connect_timeout)
        return engine
    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": lock_wait})
    event.listen(engine, "connect", _sqlite_pragmas)
    if parsed.database and parsed.database != ":memory:":
        _WRITER_QUEUES[engine] = _WriterQueue(Path(f"{parsed.database}-writers"), lock_wait)
    return engine


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def init_app(app: Flask, url: str, *, lock_wait: float = CLI_LOCK_WAIT, connect_timeout: float | None = None) -> None:
    """Create the app's engine, close the request session on teardown, answer a locked or unreachable database
    with 503."""
    state = app.extensions.setdefault("assistant", {})
    state["engine"] = make_engine(url, lock_wait=lock_wait, connect_timeout=connect_timeout)
    app.teardown_appcontext(_close_session)
    errors: tuple[type[Exception], ...] = (OperationalError, InterfaceError, *driver_errors())
    for error in errors:
        app.register_error_handler(error, _busy_or_fault)


def driver_errors() -> tuple[type[Exception], ...]:
    """The PostgreSQL driver's own errors, which code on a raw connection (engine.raw_connection()) sees unwrapped."""
    import psycopg  # here: only a web app registers handlers, and SQLite commands never load the driver

    return psycopg.OperationalError, psycopg.InterfaceError


def busy_answer(exc: Exception) -> DatabaseBusy | DatabaseUnavailable | None:
    """The 503 for a database that is busy (SQLite locked past the busy timeout) or unavailable (PostgreSQL down,
    unreachable, or its connection lost), else None: any other error is a fault, a 500."""
    if isinstance(exc, OperationalError) and is_locked(exc):
        return DatabaseBusy(_lock_wait(get_engine()))
    if is_unavailable(exc):
        # The pool's other connections went with the server (a restart, a failover): drop them all now, or each
        # would fail one more request after the database is back. Connections in use are left to their requests.
        get_engine().dispose()
        return DatabaseUnavailable()
    return None


def is_unavailable(exc: Exception) -> bool:
    """Whether `exc` (SQLAlchemy's or the driver's own) says PostgreSQL cannot be reached or dropped the connection,
    rather than that a statement failed.

    psycopg raises OperationalError without an SQLSTATE for a refused, timed-out or lost connection, with class 08
    (connection exception) or 57P (admin shutdown, crash shutdown, cannot connect now) from the server, and
    InterfaceError for a connection already closed; SQLAlchemy marks a disconnect it saw as invalidated.
    A deadlock, a serialization failure or a cancelled statement stays a fault of its request.
    """
    if isinstance(exc, DBAPIError):
        if exc.connection_invalidated:
            return True
        exc = exc.orig  # type: ignore[assignment]
    if not type(exc).__module__.startswith("psycopg"):
        return False
    import psycopg

    if isinstance(exc, psycopg.InterfaceError):
        return True
    sqlstate = getattr(exc, "sqlstate", None)
    return isinstance(exc, psycopg.OperationalError) and (sqlstate is None or sqlstate.startswith(("08", "57P")))


def _lock_wait(engine: Engine) -> float:
    queue = _WRITER_QUEUES.get(engine)
    return queue.lock_wait if queue is not None else CLI_LOCK_WAIT


def _busy_or_fault(exc: Exception) -> DatabaseBusy | DatabaseUnavailable:
    busy = busy_answer(exc)
    if busy is None:
        raise exc
    return busy


def get_engine(app: Flask | None = None) -> Engine:
    """The engine of `app` (default: the current app)."""
    from flask import current_app  # here, not at the top: CLI commands use this module without Flask

    app = app or current_app
    try:
        return app.extensions["assistant"]["engine"]
    except KeyError:
        raise RuntimeError("db.init_app(app, url) was not called for this app") from None


def get_session() -> Session:
    """The session of the current request or app context, created on first use."""
    from flask import g

    if "db_session" not in g:
        g.db_session = Session(get_engine(), expire_on_commit=False)
    return g.db_session


def _close_session(_exc: BaseException | None) -> None:
    from flask import g

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

    Every wait is bounded by `lock_wait` seconds from the start of the transaction (DatabaseBusy).
    A holder kept out of SQLite by an outside writer for STALL_AFTER writes the time it will give up
    into the file; writers arriving then poll the flock until their own deadline instead of blocking.
    """

    def __init__(self, path: Path, lock_wait: float) -> None:
        self.path = path
        self.lock_wait = lock_wait
        self._threads = threading.Lock()  # flock does not exclude threads sharing one descriptor
        self._fd: int | None = None
        self._pid = 0

    @contextmanager
    def held(self, deadline: float) -> Iterator[None]:
        """Hold the lock for the block; DatabaseBusy when it is not ours by `deadline` (time.monotonic())."""
        if not self._threads.acquire(timeout=max(0.0, deadline - time.monotonic())):
            raise DatabaseBusy(self.lock_wait)
        try:
            if self._pid != os.getpid():  # a forked worker opens its own file description
                self._fd, self._pid = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600), os.getpid()
            assert self._fd is not None
            self._lock(self._fd, deadline)
            try:
                yield
            finally:
                fcntl.flock(self._fd, fcntl.LOCK_UN)
        finally:
            self._threads.release()

    def _lock(self, fd: int, deadline: float) -> None:
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return
            except BlockingIOError:
                pass
            if not self._stalled(fd):
                fcntl.flock(fd, fcntl.LOCK_EX)  # the holder is writing: our turn comes in milliseconds
                return
            if time.monotonic() >= deadline:
                raise DatabaseBusy(self.lock_wait)
            time.sleep(0.005)

    def stalled_until(self, until: float) -> None:
        """Tell waiting writers that the holder waits for an outside writer until `until` (time.time())."""
        assert self._fd is not None
        os.pwrite(self._fd, struct.pack("<d", until), 0)

    def _stalled(self, fd: int) -> bool:
        mark = os.pread(fd, 8, 0)
        return len(mark) == 8 and struct.unpack("<d", mark)[0] > time.time()


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
    deadline = time.monotonic() + queue.lock_wait
    with queue.held(deadline):
        _begin_by(session, queue, deadline)
        with _committed(session):
            yield


@contextmanager
def raw_write_transaction(engine: Engine) -> Iterator[tuple[Any, Callable[[], None]]]:
    """A DBAPI connection of the engine's pool for one short write outside any SQLAlchemy session, committed
    when the block ends and rolled back on error, and the function to call just before the block's first
    write; SQLite's "database is locked" after the busy timeout is DatabaseBusy (503), as in write_transaction.

    For a request whose whole work is a row or two (a quiz step): a session's set-up, commit and tear-down
    cost it more than its statements. On a SQLite file the first write takes the writers' queue and holds it
    to the commit, so a second worker's write waits on the flock (woken the moment it is free) instead of in
    SQLite's busy handler, which naps 1, 2, 5 ms between tries. The queue is taken at the write, not at the
    start: a step's read and its Python work happen outside it (taken from the start, with two busy workers,
    it served fewer requests: benchmarks/README.md, the quiz).
    """
    queue = _WRITER_QUEUES.get(engine)
    deadline = time.monotonic() + (queue.lock_wait if queue is not None else 0.0)
    turn = ExitStack()
    waiting = [queue is not None]

    def before_write() -> None:
        if waiting[0]:  # the first write of the block
            waiting[0] = False
            turn.enter_context(queue.held(deadline))  # type: ignore[union-attr]
            # begun here, bounded by the same deadline: SQLite's busy timeout alone would wait its whole length
            # after the flock, and writers queued behind would block on the flock without a deadline
            _begin_immediate(connection.dbapi_connection, queue, deadline)  # type: ignore[arg-type]

    connection = engine.raw_connection()
    try:
        try:
            try:
                yield connection.dbapi_connection, before_write
                connection.commit()
            except BaseException:
                connection.rollback()
                raise
            finally:
                turn.close()  # after the commit (or the rollback): the next writer's turn
        except sqlite3.OperationalError as exc:
            if _locked_text(exc):
                raise DatabaseBusy(_lock_wait(engine)) from None
            raise
    finally:
        connection.close()  # back to the pool


def _begin_by(session: Session, queue: _WriterQueue, deadline: float) -> None:
    """BEGIN IMMEDIATE on the session's connection (see _begin_immediate)."""
    _begin_immediate(session.connection().connection.dbapi_connection, queue, deadline)


def _begin_immediate(raw: Any, queue: _WriterQueue, deadline: float) -> None:
    """BEGIN IMMEDIATE, waiting for SQLite's lock no later than `deadline`; DatabaseBusy when it stays held.

    Called holding the writers' queue: a holder kept out by an outside writer for STALL_AFTER says so in the
    queue's file, so writers queued behind it poll until their own deadline instead of blocking on the flock
    (and then waiting SQLite's whole busy timeout on top)."""
    if raw.in_transaction:
        return
    try:
        _set_busy_timeout(raw, min(STALL_AFTER, deadline - time.monotonic()))
        try:
            raw.execute("BEGIN IMMEDIATE")
            return
        except sqlite3.OperationalError as exc:
            if not _locked_text(exc):
                raise
        queue.stalled_until(time.time() + deadline - time.monotonic())
        try:
            _set_busy_timeout(raw, deadline - time.monotonic())
            raw.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            if _locked_text(exc):
                raise DatabaseBusy(queue.lock_wait) from None
            raise
        finally:
            queue.stalled_until(0.0)
    finally:
        _set_busy_timeout(raw, queue.lock_wait)


def _set_busy_timeout(raw: Any, seconds: float) -> None:
    raw.execute(f"PRAGMA busy_timeout = {max(0, int(seconds * 1000))}")


def _locked_text(exc: BaseException | None) -> bool:
    text = str(exc).lower()
    return "database is locked" in text or "database table is locked" in text or "database is busy" in text


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
