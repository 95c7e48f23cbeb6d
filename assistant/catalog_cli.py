"""What `assistant catalog import` says before it writes: the mapping's problems at their lines, the file's
header checked against the mapping, and the --dry-run report (first products, attribute coverage)."""

from __future__ import annotations

from pathlib import Path

from assistant.catalog.importers import is_encoding, read_header, read_rows
from assistant.catalog.mapping import ColumnMapping
from assistant.catalog.preview import preview, stored
from assistant.mapping_file import MappingFile, read_mapping

DRY_RUN_PRODUCTS = 5


def checked_mapping(mapping: Path | None, file: Path, *, currency: str,
                    encoding: str | None) -> tuple[ColumnMapping | None, str | None, list[str]]:
    """(the mapping, the file's encoding, problems): every problem of the mapping file at its line, then, when
    it has none, each column it names that the file's header lacks. No mapping (None) when there are problems."""
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
