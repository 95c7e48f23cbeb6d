"""Read product rows from CSV, JSON, JSON Lines and Google Merchant (RSS/XML) files, one row at a time.

Every reader streams: it holds one record (and the parser's buffer) in memory, never the file, so
a feed of a million products imports in the memory of a few thousand. A file that turns out to be
broken part of the way through (bad JSON, XML or CSV quoting, bytes that are not UTF-8) ends with a
`RowError` numbered 0, the file itself; `import_products` then writes nothing of it.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, NamedTuple

import ijson

_G = "{http://base.google.com/ns/1.0}"
_ATOM_ENTRY = "{http://www.w3.org/2005/Atom}entry"
_BOM = b"\xef\xbb\xbf"
_CHUNK = 256 * 1024

Progress = Callable[[int], Any]
"""Called with the number of bytes of the file read since the last call."""


class Row(NamedTuple):
    """One source record with its 1-based number (CSV: the line's data row)."""

    number: int
    data: dict[str, Any]


@dataclass(frozen=True)
class RowError:
    """A record that could not be read or mapped; number 0 is the file itself (nothing of it is imported)."""

    number: int
    field: str | None
    reason: str

    def __str__(self) -> str:
        where = f" {self.field}:" if self.field else ""
        return f"row {self.number}:{where} {self.reason}"


def read_rows(path: Path, *, progress: Progress | None = None, encoding: str | None = None) -> Iterator[Row | RowError]:
    """Read `path` with the reader its extension calls for, reporting bytes read to `progress`.

    `encoding` (default UTF-8) is the text encoding of a CSV or JSON Lines file; JSON is UTF-8 by its
    standard and an XML feed declares its own.
    """
    suffix = path.suffix.lower()
    if suffix in {".csv", ".tsv", ".txt"}:
        return read_csv(path, progress=progress, encoding=encoding or "utf-8")
    if suffix in {".jsonl", ".ndjson"}:
        return read_json_lines(path, progress=progress, encoding=encoding or "utf-8")
    if suffix == ".json":
        return read_json(path, progress=progress)
    if suffix in {".xml", ".rss"}:
        return read_merchant_feed(path, progress=progress)
    raise ValueError(f"{path}: unknown file type '{suffix}' (use .csv, .json, .jsonl or .xml)")


def is_encoding(name: str) -> bool:
    """Whether Python knows the text encoding `name` (what --encoding is checked with before reading)."""
    try:
        codecs.lookup(name)
    except LookupError:
        return False
    return True


class CountingFile(io.FileIO):
    """A binary file that tells `progress` how many bytes each read returned."""

    def __init__(self, path: Path, progress: Progress | None) -> None:
        super().__init__(path, "rb")
        self._progress = progress

    def readinto(self, buffer: Any) -> int | None:
        count = super().readinto(buffer)
        if count and self._progress is not None:
            self._progress(count)
        return count


def _open_binary(path: Path, progress: Progress | None, *, bom: bool = True) -> io.BufferedReader[CountingFile]:
    """`path` opened for reading bytes, past a UTF-8 byte order mark (when `bom`)."""
    handle = io.BufferedReader(CountingFile(path, progress), buffer_size=_CHUNK)
    if bom and handle.peek(3)[:3] == _BOM:
        handle.read(3)
    return handle


def _open_text(path: Path, progress: Progress | None, newline: str | None = None, encoding: str = "utf-8",
               errors: str = "strict") -> IO[str]:
    utf8 = codecs.lookup(encoding).name == "utf-8"
    return io.TextIOWrapper(_open_binary(path, progress, bom=utf8), encoding=encoding, newline=newline, errors=errors)


def read_header(path: Path, *, encoding: str | None = None) -> list[str] | None:
    """The header line's columns of a CSV file (None: not a CSV, or no header can be read).

    Bytes the encoding cannot read become U+FFFD here: the rows' reader reports them, with their line.
    """
    if path.suffix.lower() not in {".csv", ".tsv", ".txt"}:
        return None
    try:
        with _open_text(path, None, newline="", encoding=encoding or "utf-8", errors="replace") as handle:
            return next(csv.reader(handle, dialect=_dialect(handle)), None)
    except csv.Error:
        return None


def read_csv(path: Path, *, progress: Progress | None = None, encoding: str = "utf-8") -> Iterator[Row | RowError]:
    """CSV with a header line (UTF-8 unless told, BOM tolerated; comma, semicolon or tab detected)."""
    with _open_text(path, progress, newline="", encoding=encoding) as handle:
        number = 0
        try:
            reader = csv.reader(handle, dialect=_dialect(handle))
            header = next(reader, None)
            if header is None:
                return
            width = len(header)
            for values in reader:
                number += 1
                if len(values) == width and values:
                    yield Row(number, dict(zip(header, values)))  # noqa: B905  (lengths checked)
                elif not values:
                    number -= 1  # a blank line is no record (as csv.DictReader has it)
                elif len(values) > width:
                    yield RowError(number, None, "has more values than the header has columns")
                else:
                    yield Row(number, {**dict.fromkeys(header), **dict(zip(header, values))})  # noqa: B905
        except UnicodeDecodeError as exc:
            yield RowError(0, None, f"not {exc.encoding} text: {_undecodable(path, encoding)}")
        except csv.Error as exc:
            yield RowError(0, None, f"not a readable CSV file: {exc}{_after(number)}")


def _undecodable(path: Path, encoding: str) -> str:
    """Where the first byte `encoding` cannot decode is (line, column, the byte), and what to try."""
    decoder = codecs.getincrementaldecoder(encoding)()
    with path.open("rb") as handle:
        for line, data in enumerate(handle, start=1):
            try:
                decoder.decode(data)
            except UnicodeDecodeError as exc:
                return (f"byte 0x{data[exc.start]:02x} at line {line}, byte {exc.start + 1} of the line cannot be "
                        f"read; if the file is Latin-1 or Windows-1252, import it with --encoding latin-1 "
                        f"or cp1252 (or `encoding:` in the mapping file)")
    return "the file ends inside a character"


def _dialect(handle: IO[str]) -> Any:
    """The dialect sniffed from the first 8 KB, then rewinds (the file's start, past any BOM)."""
    start = handle.tell()
    sample = handle.read(8192)
    handle.seek(start)
    try:
        return csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        return csv.excel


def _after(number: int) -> str:
    return f" (after row {number})" if number else ""


def read_json(path: Path, *, progress: Progress | None = None) -> Iterator[Row | RowError]:
    """A JSON array of objects, or an object with a `products` array, parsed incrementally (ijson)."""
    with _open_binary(path, progress) as handle:
        first = handle.peek(64).lstrip()[:1]
        prefix = "products" if first == b"{" else ""
        found: list[bool] = []
        number = 0
        try:
            events = _watch(ijson.parse(handle, use_float=True), prefix, found)
            for number, item in enumerate(ijson.items(events, f"{prefix}.item".lstrip(".")), start=1):
                yield Row(number, item) if isinstance(item, dict) else RowError(number, None, "not an object")
        except ijson.JSONError as exc:
            reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            yield RowError(0, None, f"not valid JSON: {reason}{_after(number)}")
            return
        if not found:
            yield RowError(0, None, "expected a list of products or {\"products\": [...]}")


def _watch(events: Iterator[tuple[str, str, Any]], prefix: str, found: list[bool]) -> Iterator[tuple[str, str, Any]]:
    """Pass ijson's events through, noting in `found` when the array of products starts."""
    for event in events:
        if event[0] == prefix and event[1] == "start_array":
            found.append(True)
        yield event


def read_json_lines(path: Path, *, progress: Progress | None = None,
                    encoding: str = "utf-8") -> Iterator[Row | RowError]:
    """JSON Lines: one object per line; blank lines are skipped but counted."""
    with _open_text(path, progress, encoding=encoding) as handle:
        try:
            for number, line in enumerate(handle, start=1):
                if line.strip():
                    yield _json_row(number, line)
        except UnicodeDecodeError as exc:
            yield RowError(0, None, f"not {exc.encoding} text: {_undecodable(path, encoding)}")


def _json_row(number: int, line: str) -> Row | RowError:
    try:
        item = json.loads(line)
    except json.JSONDecodeError as exc:
        return RowError(number, None, f"not valid JSON: {exc.msg}")
    return Row(number, item) if isinstance(item, dict) else RowError(number, None, "not an object")


def read_merchant_feed(path: Path, *, progress: Progress | None = None) -> Iterator[Row | RowError]:
    """A Google Merchant Center RSS 2.0 (`item`) or Atom (`entry`) feed with the `g:` namespace."""
    with _open_binary(path, progress) as handle:
        number = 0
        parents: list[ET.Element] = []
        try:
            for event, element in ET.iterparse(handle, events=("start", "end")):
                if event == "start":
                    parents.append(element)
                    continue
                parents.pop()
                if element.tag in ("item", _ATOM_ENTRY):
                    number += 1
                    yield Row(number, _merchant_fields(element))
                    if parents:
                        parents[-1].remove(element)  # keep memory flat: a read item is dropped
        except ET.ParseError as exc:
            yield RowError(0, None, f"not valid XML: {exc}{_after(number)}")


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
