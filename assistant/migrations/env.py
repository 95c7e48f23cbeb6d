"""Alembic environment: runs migrations on the URL set by assistant.migrate."""

from __future__ import annotations

from alembic import context

from assistant.db import make_engine
from assistant.models import metadata

config = context.config


def run_migrations_online() -> None:
    """Run migrations in a transaction on a live connection."""
    engine = make_engine(config.get_main_option("sqlalchemy.url") or "")
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=metadata,
                          render_as_batch=connection.dialect.name == "sqlite")
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


run_migrations_online()
