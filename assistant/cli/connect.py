"""The database a command works on: DATABASE_URL's engine, refused when its schema is not this version's."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from assistant.cli.display import command_name
from assistant.errors import AssistantError

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine
    from sqlmodel import Session


def checked_engine() -> Engine:
    """The engine of DATABASE_URL, once its schema is known to be this version's (else SchemaNotCurrent)."""
    from assistant.config import Settings
    from assistant.db import make_engine
    from assistant.migrate import require_current

    engine = make_engine(Settings.from_env().database_url)
    try:
        require_current(engine, command=command_name())
    except AssistantError:
        engine.dispose()
        raise
    return engine


@contextmanager
def open_session() -> Iterator[Session]:
    """A session on `checked_engine()`, committed at the end of the block."""
    from assistant.db import session_scope

    engine = checked_engine()
    try:
        with session_scope(engine) as session:
            yield session
    finally:
        engine.dispose()
