"""`assistant history import`: a shop's past orders (docs/history.md)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from assistant.cli.connect import open_session
from assistant.cli.progress import file_progress


@click.group()
def history() -> None:
    """A shop's past orders."""


@history.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--site", "site_key", required=True, help="Public key of the site.")
@click.option("--mapping", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="YAML file: order and line field -> column (docs/history.md).")
@click.option("--layout", type=click.Choice(["online-retail", "shopify"]), help="A shipped mapping, by name.")
@click.option("--encoding", default=None, help="Text encoding of the file (default: the mapping's, else UTF-8).")
@click.option("--dry-run", is_flag=True, help="Read the whole file and say what would be stored; write nothing.")
def history_import(file: Path, site_key: str, mapping: Path | None, layout: str | None, encoding: str | None,
                   dry_run: bool) -> None:
    """Import past orders (one row per order line; CSV or JSON Lines, .gz too) with their own dates.

    Idempotent by order id; committed every 2,000 orders; what is left out is counted by reason.
    """
    from assistant.history_cli import checked_history_mapping, summary
    from assistant.sites.service import get_site_by_key
    from assistant.tracking.history import import_history

    with open_session() as session:
        target = get_site_by_key(session=session, key=site_key)
        loaded, encoding, problems = checked_history_mapping(mapping, layout, file, encoding)
        if loaded is None:
            click.echo("\n".join(problems), err=True)
            sys.exit(2)
        with file_progress(file) as advance:
            report = import_history(session=session, site=target, path=file, mapping=loaded, encoding=encoding,
                                    progress=advance, dry_run=dry_run)
    click.echo("\n".join(summary(report, file)))
    sys.exit(1 if report.problem is not None or (report.orders and not report.stored and not report.known) else 0)
