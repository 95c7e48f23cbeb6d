"""`assistant db upgrade`: create or migrate the database's schema."""

from __future__ import annotations

import click

from assistant.cli.display import safe_url


@click.group()
def db() -> None:
    """Database schema."""


@db.command("upgrade")
def db_upgrade() -> None:
    """Create or migrate the database to the latest schema."""
    from assistant import migrate
    from assistant.config import Settings

    settings = Settings.from_env()
    migrate.upgrade(settings.database_url)
    click.echo(f"database is up to date ({safe_url(settings.database_url)})")
