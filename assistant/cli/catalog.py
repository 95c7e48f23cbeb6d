"""`assistant catalog import`: products from a feed, its mapping and header checked first (docs/mapping.md).

What it says before it writes: the mapping's problems at their lines, the file's header checked against the
mapping, and the --dry-run report (first products, attribute coverage).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from assistant.cli.connect import open_session
from assistant.cli.progress import file_progress

if TYPE_CHECKING:
    from assistant.catalog.mapping import ColumnMapping

DRY_RUN_PRODUCTS = 5


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


def checked_mapping(mapping: Path | None, file: Path, *, currency: str,
                    encoding: str | None) -> tuple[ColumnMapping | None, str | None, list[str]]:
    """(the mapping, the file's encoding, problems): every problem of the mapping file at its line, then, when
    it has none, each column it names that the file's header lacks. No mapping (None) when there are problems."""
    from assistant.catalog.importers import is_encoding, read_header
    from assistant.catalog.mapping import ColumnMapping
    from assistant.mapping_file import MappingFile, read_mapping

    if encoding is not None and not is_encoding(encoding):
        return None, None, [f"--encoding: '{encoding}' is not a text encoding (e.g. utf-8, latin-1, cp1252)"]
    loaded = read_mapping(mapping, currency=currency) if mapping else MappingFile("", ColumnMapping(currency=currency))
    if loaded.mapping is None:
        return None, None, [p.format() for p in loaded.problems]
    encoding = encoding or loaded.mapping.encoding
    header = read_header(file, encoding=encoding)
    problems = loaded.header_problems(header) if header is not None else []
    if mapping is None:  # nothing to point at but the feed
        said = [f"{file}: {p.message}\n    hint: {p.hint} (in a --mapping file)" for p in problems]
    else:
        said = [p.format() for p in problems]
    return (None if problems else loaded.mapping), encoding, said


def dry_run_report(file: Path, mapping: ColumnMapping, *, encoding: str | None) -> tuple[list[str], list[str], bool]:
    """(report lines, row problems, whether any row would be imported) of mapping `file` without writing."""
    from assistant.catalog.importers import read_rows
    from assistant.catalog.preview import preview, stored

    found = preview(read_rows(file, encoding=encoding), mapping, first=DRY_RUN_PRODUCTS)
    lines = [f"dry run: nothing written; {found.accepted} of {found.rows} rows would be imported, "
             f"{len(found.errors)} skipped", f"first {len(found.products)} products as they would be stored:"]
    lines += [f"  {stored(product)}" for product in found.products]
    lines.append("attribute coverage (share of imported rows with it, distinct values):")
    width = max((len(name) for name in found.coverage), default=0)
    for name, coverage in sorted(found.coverage.items()):
        share = coverage.rows / found.accepted if found.accepted else 0.0
        lines.append(f"  {name:<{width}}  {share:6.1%}  {coverage.distinct_text} distinct")
    return lines, [f"{file}: {error}" for error in found.errors], found.accepted > 0
