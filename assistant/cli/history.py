"""`assistant history import`: a shop's past orders (docs/history.md).

What it checks and says: the mapping's problems at their lines (as a catalog mapping's, mapping_file.py), the
export's header against the mapping, and the summary of an import.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from assistant.cli.connect import open_session
from assistant.cli.progress import file_progress

if TYPE_CHECKING:
    from assistant.mapping_file import MappingFile
    from assistant.tracking.history import HistoryReport
    from assistant.tracking.history_mapping import HistoryMapping


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


def checked_history_mapping(mapping: Path | None, layout: str | None, file: Path,
                            encoding: str | None) -> tuple[HistoryMapping | None, str, list[str]]:
    """(the mapping, the file's encoding, problems): the mapping file's problems at their lines, then the
    columns it names that the export's header lacks. No mapping (None) when there is any problem."""
    from assistant.catalog.importers import is_encoding
    from assistant.tracking.history_files import kind_of, read_header
    from assistant.tracking.history_mapping import LAYOUTS, layout_path

    if (mapping is None) == (layout is None):
        return None, "", [f"give --mapping FILE or --layout ({', '.join(LAYOUTS)}), one of them"]
    if encoding is not None and not is_encoding(encoding):
        return None, "", [f"--encoding: '{encoding}' is not a text encoding (e.g. utf-8, latin-1, cp1252)"]
    try:
        kind_of(file)
    except ValueError as exc:
        return None, "", [str(exc)]
    path = mapping if mapping is not None else layout_path(str(layout))
    loaded, where, problems = read_history_mapping(path)
    if loaded is None:
        return None, "", problems
    encoding = encoding or loaded.encoding or "utf-8"
    header = read_header(file, encoding=encoding)
    if header is None:
        return loaded, encoding, []
    missing = [p.format() for p in where.locate(loaded.header_problems(header))]
    return (None if missing else loaded), encoding, missing


def read_history_mapping(path: Path) -> tuple[HistoryMapping | None, MappingFile, list[str]]:
    """The history mapping at `path` (None when it has problems), where its keys are, and each of its problems
    as `file:line:column: error: message`."""
    from assistant import safe_yaml
    from assistant.flows.loader import located_data, yaml_problem
    from assistant.mapping_file import MappingFile
    from assistant.safe_yaml import YamlProblem
    from assistant.tracking.history_mapping import HistoryMapping, MappingError

    where = MappingFile(str(path), None)
    try:
        node = safe_yaml.compose(safe_yaml.read_text(path))
        if node is None:
            return None, where, [f"{path}:1:1: error: the mapping file is empty (docs/history.md has the keys)"]
        data, where.locator = located_data(node)
    except YamlProblem as exc:
        return None, where, [yaml_problem(exc, str(path)).format()]
    except UnicodeDecodeError:
        return None, where, [f"{path}:1:1: error: a mapping file is UTF-8 text"]
    duplicates = [yaml_problem(found, str(path)).format() for found in safe_yaml.duplicate_keys(node)]
    try:
        loaded = HistoryMapping.from_dict(data)
    except MappingError as exc:
        return None, where, [p.format() for p in where.locate(exc.problems)] + duplicates
    return (None if duplicates else loaded), where, duplicates


def summary(report: HistoryReport, file: Path) -> list[str]:
    """What an import did, then each reason something was left out: rows, orders, the first lines."""
    verb = "would be stored" if report.dry_run else "stored"
    span = (f" ({report.first:%Y-%m-%d} .. {report.last:%Y-%m-%d})" if report.first and report.last else "")
    lines = [f"{'dry run: nothing written; ' if report.dry_run else ''}{report.rows:,} rows, "
             f"{report.orders:,} orders: {report.stored:,} {verb}{span}, {report.known:,} already there, "
             f"{sum(s.orders for s in report.skipped.values()):,} skipped"]
    if report.stored and report.anonymous:
        lines.append(f"{report.anonymous:,} of the orders {verb} have no customer id: kept for no customer")
    for currency, count in sorted(report.other_currency.items()):
        lines.append(f"{count:,} of the orders {verb} are in {currency}, not the site's {report.site_currency}: "
                     f"customer figures count the site's currency alone (site create --currency {currency})")
    lines.append(f"customers: {report.customers_created:,} new, {report.customers_updated:,} updated")
    if report.stored == 0 and report.known:
        lines.append("nothing new: every order of the file that can be imported was imported before")
    for reason, skipped in sorted(report.skipped.items(), key=lambda item: (-item[1].rows, -item[1].orders)):
        pairs = ((skipped.rows, "row"), (skipped.orders, "order"))
        counts = [f"{n:,} {what}{'s' if n > 1 else ''}" for n, what in pairs if n]
        more = ", ..." if skipped.times > len(skipped.lines) else ""
        at = ", ".join(str(line) for line in skipped.lines)
        lines.append(f"skipped {', '.join(counts)}: {reason} (line{'s' if more or len(skipped.lines) > 1 else ''} "
                     f"{at}{more})")
    if report.problem is not None:
        lines.append(f"{file}:{report.problem.line}: error: {report.problem.reason}; the rows before it were read")
    lines.append(f"{report.seconds:.1f} s")
    return lines
