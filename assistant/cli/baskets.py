"""`assistant baskets run`: the abandoned-basket job once, for cron or a systemd timer on every node (docs/baskets.md).

Registered on the `assistant` group by cli/__init__.py; imports only click until the command runs
(tests/test_cli_startup.py).
"""

from __future__ import annotations

from datetime import UTC, datetime

import click


@click.group()
def baskets() -> None:
    """Abandoned baskets: detection, reminders, delivery."""


def _instant(_ctx: click.Context, _param: click.Parameter, value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        when = datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"'{value}' is not an ISO 8601 time (e.g. 2026-12-07T18:00:00Z)") from None
    return when.astimezone(UTC) if when.tzinfo else when.replace(tzinfo=UTC)


@baskets.command("run")
@click.option("--site", "site_keys", multiple=True, help="Public key of a site (repeatable; default: every site).")
@click.option("--now", callback=_instant, help="Run as of this ISO 8601 time (UTC unless it says): tests, replays.")
@click.option("--deliver/--no-deliver", default=True, show_default=True, help="Send the due messages afterwards.")
def baskets_run(site_keys: tuple[str, ...], now: datetime | None, deliver: bool) -> None:
    """Detect abandoned baskets, count recoveries, queue due reminders and deliver them; one line per site."""
    from sqlmodel import Session

    from assistant.baskets.job import run
    from assistant.cli.connect import checked_engine
    from assistant.config import Settings
    from assistant.timeutil import utcnow

    settings = Settings.from_env()
    engine = checked_engine()
    try:
        summary = run(session_factory=lambda: Session(engine, expire_on_commit=False), now=now or utcnow(),
                      base_url=settings.public_url, secret_key=settings.secret_key, deliver=deliver,
                      sites=list(site_keys) or None)
    finally:
        engine.dispose()
    for line in summary.lines():
        click.echo(line)
