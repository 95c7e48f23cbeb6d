"""`assistant serve`: the app under gunicorn, on a database already at this version's schema."""

from __future__ import annotations

import click

from assistant.cli.connect import checked_engine


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True)
@click.option("--workers", default=2, show_default=True)
def serve(host: str, port: int, workers: int) -> None:
    """Serve the app with gunicorn (migrate first with `assistant db upgrade`)."""
    from assistant import server
    from assistant.app import create_app

    checked_engine().dispose()  # refuses a database whose schema is not this version's
    server.run(create_app, host=host, port=port, workers=workers)
