"""`assistant orders import`: verified orders from the shop's own data."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from assistant.cli.connect import open_session
from assistant.errors import AssistantError


@click.group()
def orders() -> None:
    """Verified orders from the shop's own data."""


@orders.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--site", "site_key", required=True, help="Public key of the site.")
def orders_import(file: Path, site_key: str) -> None:
    """Import verified orders from a CSV or JSON Lines file; an order already there is left as it is."""
    from assistant.sites.service import get_site_by_key
    from assistant.timeutil import utcnow
    from assistant.tracking.order_files import read_orders
    from assistant.tracking.orders import record_order

    stored = known = 0
    problems: list[str] = []
    with open_session() as session:
        target = get_site_by_key(session=session, key=site_key)
        now = utcnow()
        for number, row in read_orders(file):
            if isinstance(row, AssistantError):
                problems.append(f"{file}:{number}: {row.field}: {row.message}")
            elif record_order(session=session, site=target, order=row, source="import", now=now):
                stored += 1
            else:
                known += 1
    for problem in problems:
        click.echo(problem, err=True)
    click.echo(f"{stored} orders stored, {known} already there, {len(problems)} rows skipped")
    sys.exit(1 if problems else 0)
