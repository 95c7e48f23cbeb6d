"""Read product rows from CSV, JSON and Google Merchant (RSS/XML) files."""

from __future__ import annotations

import csv
import json
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

_G = "{http://base.google.com/ns/1.0}"


@dataclass(frozen=True)
class Row:
    """One source record with its 1-based number (CSV: the line's data row)."""

    number: int
    data: dict[str, Any]


@dataclass(frozen=True)
class RowError:
    """A record that could not be read or mapped."""

    number: int
    field: str | None
    reason: str

    def __str__(self) -> str:
        where = f" {self.field}:" if self.field else ""
        return f"row {self.number}:{where} {self.reason}"


def read_rows(path: Path) -> Iterator[Row | RowError]:
    """Read `path` with the reader its extension calls for."""
    suffix = path.suffix.lower()
    if suffix in {".csv", ".tsv", ".txt"}:
        return read_csv(path)
    if suffix in {".json", ".jsonl", ".ndjson"}:
        return read_json(path)
    if suffix in {".xml", ".rss"}:
        return read_merchant_feed(path)
    raise ValueError(f"{path}: unknown file type '{suffix}' (use .csv, .json, .jsonl or .xml)")


def read_csv(path: Path) -> Iterator[Row | RowError]:
    """CSV with a header line (UTF-8, BOM tolerated; comma, semicolon or tab detected)."""
    with path.open(newline="", encoding="utf-8-sig") as handle:
        sample = handle.read(8192)
        handle.seek(0)
        try:
            dialect: Any = csv.Sniffer().sniff(sample, delimiters=",;\t")
        except csv.Error:
            dialect = csv.excel
        reader = csv.DictReader(handle, dialect=dialect)
        for number, record in enumerate(reader, start=1):
            if None in record:
                yield RowError(number, None, "has more values than the header has columns")
                continue
            yield Row(number, dict(record))


def read_json(path: Path) -> Iterator[Row | RowError]:
    """A JSON array of objects, an object with a `products` array, or JSON Lines."""
    text = path.read_text(encoding="utf-8-sig")
    if path.suffix.lower() in {".jsonl", ".ndjson"}:
        for number, line in enumerate(text.splitlines(), start=1):
            if line.strip():
                yield _json_row(number, line)
        return
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        yield RowError(0, None, f"not valid JSON: {exc.msg} at line {exc.lineno}")
        return
    items = data.get("products") if isinstance(data, dict) else data
    if not isinstance(items, list):
        yield RowError(0, None, "expected a list of products or {\"products\": [...]}")
        return
    for number, item in enumerate(items, start=1):
        yield Row(number, item) if isinstance(item, dict) else RowError(number, None, "not an object")


def _json_row(number: int, line: str) -> Row | RowError:
    try:
        item = json.loads(line)
    except json.JSONDecodeError as exc:
        return RowError(number, None, f"not valid JSON: {exc.msg}")
    return Row(number, item) if isinstance(item, dict) else RowError(number, None, "not an object")


def read_merchant_feed(path: Path) -> Iterator[Row | RowError]:
    """A Google Merchant Center RSS 2.0 or Atom feed (`g:` namespace)."""
    try:
        root = ET.parse(path).getroot()
    except ET.ParseError as exc:
        yield RowError(0, None, f"not valid XML: {exc}")
        return
    items = root.iter("item") if root.find(".//item") is not None else root.iter("{http://www.w3.org/2005/Atom}entry")
    for number, item in enumerate(items, start=1):
        yield Row(number, _merchant_fields(item))


def _merchant_fields(item: ET.Element) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    for child in item:
        tag = child.tag.replace(_G, "").split("}")[-1]
        text = (child.text or "").strip()
        if tag == "link" and not text:
            text = child.get("href", "")
        if tag in {"availability"}:
            tag = "stock"
        if tag in {"sale_price", "additional_image_link", "google_product_category"}:
            continue
        fields[tag] = text
    return fields
