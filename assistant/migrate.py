"""Schema migrations with Alembic, configured in code (no alembic.ini needed at run time).

Alembic is imported only to migrate: every other command checks the database's revision against the
revision files with plain SQL and a glance at the files (`require_current`), which costs no import.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

from assistant.errors import AssistantError

if TYPE_CHECKING:
    from alembic.config import Config
    from sqlalchemy.engine import Engine

_SCRIPTS = Path(__file__).parent / "migrations"
_REVISION = re.compile(r"^revision\s*=\s*['\"]([^'\"]+)['\"]", re.MULTILINE)
_DOWN_REVISION = re.compile(r"^down_revision\s*=\s*(.*)$", re.MULTILINE)


class SchemaNotCurrent(AssistantError):
    """The database's schema is not the one this version of the code was written for."""

    code = "schema_not_current"
    status = 503


def alembic_config(url: str) -> Config:
    """An Alembic config for database `url` and the package's migration scripts."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(_SCRIPTS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(url: str, revision: str = "head") -> None:
    """Bring the database at `url` up to `revision`."""
    from alembic import command

    command.upgrade(alembic_config(url), revision)


def downgrade(url: str, revision: str) -> None:
    """Take the database at `url` back to `revision`."""
    from alembic import command

    command.downgrade(alembic_config(url), revision)


def revision(url: str, message: str) -> None:
    """Write a new migration from the difference between the models and the database."""
    from alembic import command

    command.revision(alembic_config(url), message=message, autogenerate=True)


def revision_files(scripts: Path = _SCRIPTS) -> tuple[set[str], set[str]]:
    """Every revision the files know, and the heads (those no other file revises): the schema this
    version of the code needs."""
    revisions: set[str] = set()
    revised: set[str] = set()
    for path in (scripts / "versions").glob("*.py"):
        text = path.read_text(encoding="utf-8")
        found, down = _REVISION.search(text), _DOWN_REVISION.search(text)
        if found:
            revisions.add(found.group(1))
            revised.update(re.findall(r"['\"]([^'\"]+)['\"]", down.group(1)) if down else [])
    return revisions, revisions - revised


def database_revisions(engine: Engine) -> set[str]:
    """The revisions the database at `engine` is stamped with (none for an empty database)."""
    from sqlalchemy import inspect, text

    with engine.connect() as connection:
        if not inspect(connection).has_table("alembic_version"):
            return set()
        return {row[0] for row in connection.execute(text("SELECT version_num FROM alembic_version"))}


def require_current(engine: Engine, *, command: str = "assistant") -> None:
    """Refuse (SchemaNotCurrent) a database whose schema is behind, ahead of or beside this version's;
    `command` is how the user runs the CLI, for the advice to run `db upgrade`."""
    upgrade_hint = f"run `{command} db upgrade`"
    database = engine.url.database if engine.dialect.name == "sqlite" else None
    if database and database != ":memory:" and not Path(database).exists():
        raise SchemaNotCurrent(f"there is no database at {database}: {upgrade_hint} to create it")
    (known, needed), current = revision_files(), database_revisions(engine)
    if current == needed:
        return
    at, needs = ", ".join(sorted(current)) or "none (an empty database)", ", ".join(sorted(needed))
    if current - known:
        raise SchemaNotCurrent(f"the database is at revision {at}, which this version does not know "
                               f"(a newer version migrated it; it needs {needs}): run that version instead")
    raise SchemaNotCurrent(f"the database is at revision {at}, this version needs {needs}: {upgrade_hint}")

