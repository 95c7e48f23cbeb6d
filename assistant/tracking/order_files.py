"""Read verified orders from the shop's own data: CSV (a header row) or JSON Lines, one order a row.

CSV columns: order_id, value, and optionally currency, visitor, customer_id, ordered_at (ISO 8601),
items (a JSON array of {sku, quantity, price}); an empty cell is an absent value. A JSON Lines row
is the body of POST /api/v1/orders.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from assistant.errors import Invalid
from assistant.tracking.orders import OrderIn, parse_order

Row = tuple[int, OrderIn | Invalid]
"""A line number and the order on it, or why it is not one."""


def read_orders(path: Path) -> Iterator[Row]:
    """Every order of the file, streamed, each valid or the reason it is not."""
    with path.open(encoding="utf-8", errors="strict", newline="") as handle:
        first = handle.read(1)
        handle.seek(0)
        rows = _json_lines(handle) if first in ("{", "") else _csv_rows(handle)
        for number, data in rows:
            if isinstance(data, Invalid):
                yield number, data
                continue
            try:
                yield number, parse_order(data)
            except Invalid as exc:
                yield number, exc


def _json_lines(handle: Any) -> Iterator[tuple[int, Any]]:
    for number, line in enumerate(handle, start=1):
        if not line.strip():
            continue
        try:
            yield number, json.loads(line, parse_constant=_no_constant)
        except ValueError as exc:
            yield number, Invalid(f"is not JSON: {exc}", field="line")


def _csv_rows(handle: Any) -> Iterator[tuple[int, Any]]:
    for number, row in enumerate(csv.DictReader(handle), start=2):
        data: dict[str, Any] = {k.strip(): v.strip() for k, v in row.items() if k and v and v.strip()}
        if "items" in data:
            try:
                data["items"] = json.loads(data["items"], parse_constant=_no_constant)
            except ValueError:
                pass  # left as text: validation names the column
        yield number, Invalid("has more cells than the header", field="line") if None in row else data


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number")
