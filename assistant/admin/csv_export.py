"""CSV downloads of the admin's tables, safe to open in a spreadsheet.

A text cell that starts with = + - @ (or a tab or carriage return) would be read by Excel, LibreOffice and
Sheets as a formula: it gets a leading apostrophe (OWASP's advice), so a customer id like `=HYPERLINK(...)`
stays text. Numbers stay numbers.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Mapping
from datetime import datetime
from typing import Any

from flask import Response, stream_with_context

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    """`value` as a CSV cell: None empty, datetimes in ISO 8601, formula-like text prefixed with an apostrophe."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return value
    text = value.isoformat() if isinstance(value, datetime) else str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def csv_lines(columns: Iterable[str], rows: Iterable[Mapping[str, Any]]) -> Iterator[str]:
    """The header and one line per row, as text pieces to stream."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    names = list(columns)
    writer.writerow(names)
    for number, row in enumerate(rows, start=1):
        writer.writerow([safe_cell(row.get(name)) for name in names])
        if number % 500 == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def csv_response(filename: str, columns: Iterable[str], rows: Iterable[Mapping[str, Any]]) -> Response:
    """A streamed CSV download of `rows` (only the `columns` named, in that order)."""
    body = stream_with_context(csv_lines(columns, rows))
    return Response(body, mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="{filename}"', "X-Content-Type-Options": "nosniff"})
