"""HistoryMapping: how the columns of an orders export (one row per order line) become orders.

A history mapping names, like a catalog mapping (docs/mapping.md), a source for each field: a
column, `{value: ...}`, `{template: ...}` or a column with steps (catalog/specs.py reads them all).
Order fields (order_id, ordered_at, customer_id, email, email_consent, currency, total) are taken from the first
row of the order that has them, so an export that writes them on the order's first line only (Shopify)
reads as well as one that repeats them on every line (Online Retail). docs/history.md has every key.
"""

from __future__ import annotations

import codecs
import difflib
import zoneinfo
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from importlib import resources
from pathlib import Path
from typing import Any

from assistant import safe_yaml
from assistant.catalog.specs import KeyPath, MappingError, MappingProblem, Spec, parse, unknown_key

LINE_FIELDS = ("sku", "quantity", "price")
ORDER_FIELDS = ("order_id", "ordered_at", "customer_id", "email", "email_consent", "currency", "total")
OPTIONS = ("date_format", "timezone", "encoding", "skip_order_ids_starting_with", "skip_orders_with")
REQUIRED = ("order_id", "ordered_at", "sku")
LAYOUTS = {"online-retail": "online_retail.yaml", "shopify": "shopify_orders.yaml"}
"""The exports shipped as mapping files (assistant/tracking/history_layouts/), usable by name."""

__all__ = ["LAYOUTS", "HistoryMapping", "MappingError", "MappingProblem", "layout_mapping", "layout_path"]


@dataclass
class HistoryMapping:
    """Order and line field -> source, the date's format and zone, and which orders are left out and why."""

    specs: dict[str, Spec] = field(default_factory=dict)
    date_format: str | None = None
    """A `strptime` format; None: ISO 8601 (`2010-12-01 08:26:00`, `2023-01-05T10:20:30-05:00`)."""
    timezone: tzinfo = zoneinfo.ZoneInfo("UTC")
    """The zone of a date written without an offset."""
    encoding: str | None = None
    skip_prefixes: tuple[tuple[str, str], ...] = ()
    """(order id prefix, reason): Online Retail's `C` invoices are cancellations."""
    skip_columns: tuple[tuple[str, str], ...] = ()
    """(column, reason): an order with this cell filled on any of its rows is left out (Shopify's `Cancelled at`)."""

    @classmethod
    def from_dict(cls, data: Any) -> HistoryMapping:
        """Build a mapping from a parsed mapping file; MappingError with every problem found in it."""
        if not isinstance(data, dict):
            raise MappingError([MappingProblem((), "a history mapping is `field: column` lines",
                                               "e.g. `order_id: Invoice` (docs/history.md)")])
        allowed = (*ORDER_FIELDS, *LINE_FIELDS, *OPTIONS)
        problems = [unknown_key((key,), str(key), allowed) for key in data if key not in allowed]
        specs: dict[str, Spec] = {}
        for name in (*ORDER_FIELDS, *LINE_FIELDS):
            if name in data:
                spec, found = parse(name, data[name], (name,), attribute=False)
                problems += found
                if spec is not None:
                    specs[name] = spec
        problems += [MappingProblem((), f"`{name}` is required", f"add `{name}: COLUMN`")
                     for name in REQUIRED if name not in data]
        if "price" not in data and "total" not in data:
            problems.append(MappingProblem((), "name `price` (each line's unit price) or `total` (the order's)",
                                           "the order's value is the sum of its lines, or the total"))
        mapping = cls(specs=specs)
        problems += mapping._options(data)
        if problems:
            raise MappingError(problems)
        return mapping

    def _options(self, data: dict[str, Any]) -> list[MappingProblem]:
        problems: list[MappingProblem] = []
        if "date_format" in data:
            self.date_format, found = _date_format(data["date_format"])
            problems += found
        if "timezone" in data:
            try:
                self.timezone = zoneinfo.ZoneInfo(str(data["timezone"]))
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                problems.append(MappingProblem(("timezone",), f"'{data['timezone']}' is not a time zone",
                                               "an IANA name such as Europe/London or UTC"))
        if "encoding" in data:
            self.encoding = data["encoding"]
            if not _is_encoding(self.encoding):
                problems.append(MappingProblem(("encoding",), f"'{self.encoding}' is not a text encoding",
                                               "e.g. utf-8, latin-1, cp1252"))
        self.skip_prefixes, found = _reasons(data, "skip_order_ids_starting_with", "C: cancellation")
        problems += found
        self.skip_columns, found = _reasons(data, "skip_orders_with", '"Cancelled at": cancelled')
        return problems + found

    def named_columns(self) -> list[tuple[KeyPath, str]]:
        """Every column the mapping reads, with where the mapping names it."""
        named = [pair for spec in self.specs.values() for pair in zip(spec.at, spec.columns, strict=True)]
        return named + [(("skip_orders_with", column), column) for column, _ in self.skip_columns]

    def header_problems(self, header: Sequence[str]) -> list[MappingProblem]:
        """The columns this mapping names that a file with this header lacks."""
        present = set(header)
        return [_missing_column(at, column, header) for at, column in self.named_columns() if column not in present]


def layout_mapping(name: str) -> HistoryMapping:
    """The shipped mapping of a layout, ready to import with (`import_history(..., mapping=layout_mapping(...))`)."""
    return HistoryMapping.from_dict(safe_yaml.load(safe_yaml.read_text(layout_path(name))))


def _missing_column(at: KeyPath, column: str, header: Sequence[str]) -> MappingProblem:
    close = difflib.get_close_matches(column, list(header), n=1, cutoff=0.6)
    hint = f"did you mean '{close[0]}'? " if close else ""
    return MappingProblem(at, f"column '{column}' is not in the file's header",
                          f"{hint}the file's columns: {', '.join(header)}")


def layout_path(name: str) -> Path:
    """The shipped mapping file of a layout (`online-retail`, `shopify`); KeyError for another name."""
    return Path(str(resources.files("assistant.tracking") / "history_layouts" / LAYOUTS[name]))


def _date_format(value: Any) -> tuple[str | None, list[MappingProblem]]:
    if not isinstance(value, str) or "%" not in value:
        return None, [MappingProblem(("date_format",), "is a strptime format", 'e.g. "%d/%m/%Y %H:%M"')]
    try:
        datetime.strptime(datetime(2001, 2, 3, 4, 5, 6).strftime(value), value)
    except ValueError as exc:
        return None, [MappingProblem(("date_format",), f"is not a usable strptime format: {exc}")]
    return value, []


def _reasons(data: dict[str, Any], key: str, example: str) -> tuple[tuple[tuple[str, str], ...], list[MappingProblem]]:
    table = data.get(key, {})
    if not isinstance(table, dict) or not all(isinstance(k, str) and k and isinstance(v, str) and v
                                              for k, v in table.items()):
        return (), [MappingProblem((key,), "needs `text: reason` lines", f"e.g. {{{example}}}")]
    return tuple(table.items()), []


def _is_encoding(name: Any) -> bool:
    try:
        return isinstance(name, str) and codecs.lookup(name).name is not None
    except LookupError:
        return False
