"""Count the SQL a block runs: through SQLAlchemy, and on DBAPI cursors through assistant.rawsql (which SQLAlchemy's
events do not see)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine

from assistant.rawsql import RawSQL


@contextmanager
def statements(engine: Engine, *, skip: str = "\0") -> Iterator[list[str]]:
    """The statements run inside the block, one string each, but those containing `skip`."""
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if skip not in statement:
            seen.append(" ".join(statement.split()))

    original = RawSQL.run

    def run(self: RawSQL, statement: str, params: tuple[Any, ...] = ()) -> Any:
        record(None, None, statement)
        return original(self, statement, params)

    event.listen(engine, "before_cursor_execute", record)
    RawSQL.run = run  # type: ignore[method-assign]
    try:
        yield seen
    finally:
        RawSQL.run = original  # type: ignore[method-assign]
        event.remove(engine, "before_cursor_execute", record)
