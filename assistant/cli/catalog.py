"""`assistant catalog import`: products from a feed, its mapping and header checked first (docs/mapping.md)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from assistant.cli.connect import open_session
from assistant.cli.progress import file_progress


@click.group()
def catalog() -> None:
    """Products."""


@catalog.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--site", "site_key", required=True, help="Public key of the site.")
@click.option("--mapping", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="YAML file: product field -> source column (docs/mapping.md).")
@click.option("--encoding", default=None,
              help="Text encoding of a CSV or JSON Lines file, e.g. latin-1 (default: the mapping's, else UTF-8).")
@click.option("--dry-run", is_flag=True, help="Show the first products and each attribute's coverage; write nothing.")
def catalog_import(file: Path, site_key: str, mapping: Path | None, encoding: str | None, dry_run: bool) -> None:
    """Import or update products from a CSV, JSON (Lines) or Google Merchant XML file, streamed, in one transaction.

    The mapping file and the file's header are checked first: a mistake is reported at its line, and
    nothing is read further.
    """
    from assistant.catalog.importers import read_rows
    from assistant.catalog.service import import_products
    from assistant.catalog_cli import checked_mapping, dry_run_report
    from assistant.sites.service import get_site_by_key

    with open_session() as session:
        target = get_site_by_key(session=session, key=site_key)
        column_mapping, encoding, problems = checked_mapping(mapping, file, currency=target.currency,
                                                             encoding=encoding)
        if column_mapping is None:
            click.echo("\n".join(problems), err=True)
            sys.exit(2)
        if dry_run:
            lines, errors, accepted = dry_run_report(file, column_mapping, encoding=encoding)
            for error in errors:
                click.echo(error, err=True)
            click.echo("\n".join(lines))
            sys.exit(1 if errors and not accepted else 0)
        with file_progress(file) as advance:
            rows = read_rows(file, progress=advance, encoding=encoding)
            report = import_products(session=session, site=target, rows=rows, mapping=column_mapping)
        for problem in report.errors:
            click.echo(f"{file}: {problem}", err=True)
    click.echo(f"{report.created} created, {report.updated} updated, {report.unchanged} unchanged, "
               f"{len(report.errors)} rows skipped")
    sys.exit(1 if report.errors and not report.accepted else 0)
