"""Plain SQL on a session's DBAPI connection, for the few paths every request of a kind takes.

SQLAlchemy compiles a statement, processes each value by type and builds result objects: on the
event ingest, the catalog import and every quiz step that cost more than the work itself
(benchmarks/ingest.py, catalog_import.py, quiz.py). These paths go to the driver's cursor of the
session's connection instead, inside the session's transaction, with `?` placeholders turned
into `%s` for PostgreSQL. Only the two databases the project supports; their tests run on both.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any, Self

from sqlalchemy.engine import Engine
from sqlmodel import Session

from assistant.db import raw_write_transaction


class RawSQL:
    """A DBAPI cursor on the session's connection, in the session's transaction."""

    def __init__(self, session: Session) -> None:
        connection = session.connection()
        self.postgres = connection.dialect.name == "postgresql"
        self.cursor = connection.connection.dbapi_connection.cursor()  # type: ignore[union-attr]

    before_write: Callable[[], None] | None = None
    """Called before the first INSERT, UPDATE or DELETE (a write block's turn in SQLite's writers' queue)."""

    @classmethod
    def on(cls, cursor: Any, *, postgres: bool, before_write: Callable[[], None] | None = None) -> Self:
        """A RawSQL on a DBAPI cursor of a connection outside any session."""
        found = cls.__new__(cls)
        found.postgres, found.cursor, found.before_write = postgres, cursor, before_write
        return found

    def sql(self, statement: str) -> str:
        """`statement` with the driver's placeholders."""
        return statement.replace("?", "%s") if self.postgres else statement

    def run(self, statement: str, params: tuple[Any, ...] = ()) -> Any:
        """Execute `statement` (with `?` placeholders); the cursor, to fetch from."""
        if self.before_write is not None and statement.startswith(("INSERT", "UPDATE", "DELETE")):
            self.before_write()
            self.before_write = None
        self.cursor.execute(self.sql(statement), params)
        return self.cursor

    def time(self, value: datetime) -> Any:
        """`value` as the column stores it: a datetime for PostgreSQL, SQLAlchemy's SQLite DATETIME text else."""
        if self.postgres:
            return value
        return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")

    def json_param(self, value: Any) -> str:
        """`value` for a JSON column, as SQLAlchemy's JSON type writes it (cast with `?::json` on PostgreSQL)."""
        return json.dumps(value)

    def json_value(self, stored: Any) -> Any:
        """A JSON column as read: PostgreSQL's driver decodes it, SQLite gives the text."""
        return json.loads(stored) if isinstance(stored, str | bytes) and not self.postgres else stored


@contextmanager
def pooled(engine: Engine) -> Iterator[RawSQL]:
    """A cursor on a connection of the engine's pool, for one read outside any session: a request that
    only reads a row (a quiz's results) skips the session's set-up and tear-down, a third of its cost."""
    connection = engine.raw_connection()
    try:
        yield RawSQL.on(connection.cursor(), postgres=engine.dialect.name == "postgresql")
    finally:
        connection.close()  # back to the pool, which rolls back what was read


@contextmanager
def writing(engine: Engine) -> Iterator[RawSQL]:
    """A cursor on a connection of the engine's pool for one short write outside any session, committed when the
    block ends (db.raw_write_transaction; a locked SQLite file is DatabaseBusy): a quiz step's answer is
    stored before it is acknowledged, without a session's set-up, commit and tear-down."""
    with raw_write_transaction(engine) as (connection, before_write):
        yield RawSQL.on(connection.cursor(), postgres=engine.dialect.name == "postgresql", before_write=before_write)
