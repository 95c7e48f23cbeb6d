"""Read the rows of an orders export: CSV with a header line or JSON Lines, either possibly gzipped.

Rows stream with the number of the line they start on (what a person opens the file at), and the
bytes read from disk (compressed, for a .gz) go to `progress`, so a bar can follow a large file. A
file that turns out to be unreadable part way (bad bytes for its encoding, broken CSV quoting) ends
with a `FileProblem`: what came before it is kept, since every order is stored on its own.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from assistant.catalog.importers import CountingFile

Progress = Callable[[int], Any]
"""Called with the number of bytes of the file read since the last call."""

_CHUNK = 256 * 1024


@dataclass(frozen=True)
class FileProblem:
    """Why the rest of the file cannot be read (or a line of JSON Lines that is not an object)."""

    line: int
    reason: str
    fatal: bool = True


def kind_of(path: Path) -> str:
    """`csv` or `jsonl`, from the name (a trailing .gz aside); ValueError for another kind of file."""
    suffixes = [s.lower() for s in path.suffixes]
    if suffixes and suffixes[-1] == ".gz":
        suffixes.pop()
    last = suffixes[-1] if suffixes else ""
    if last in {".csv", ".tsv", ".txt"}:
        return "csv"
    if last in {".jsonl", ".ndjson"}:
        return "jsonl"
    raise ValueError(f"{path.name}: unknown file type (use .csv or .jsonl, optionally .gz)")


def read_header(path: Path, *, encoding: str = "utf-8") -> list[str] | None:
    """The header line's columns of a CSV export; None for JSON Lines or an unreadable header."""
    if kind_of(path) != "csv":
        return None
    try:
        with _open_text(path, None, encoding, errors="replace") as handle:
            return next(csv.reader(handle, dialect=_dialect(handle)), None)
    except (csv.Error, OSError, EOFError):
        return None


def read_history_rows(path: Path, *, encoding: str = "utf-8",
                      progress: Progress | None = None) -> Iterator[tuple[int, dict[str, Any]] | FileProblem]:
    """Every row of the export as (line number, {column: value}), streamed."""
    reader = _csv_rows if kind_of(path) == "csv" else _json_rows
    try:
        with _open_text(path, progress, encoding) as handle:
            yield from reader(handle)
    except UnicodeDecodeError as exc:
        yield FileProblem(0, f"not {exc.encoding} text ({exc.reason}); try --encoding latin-1 or cp1252")
    except (OSError, EOFError) as exc:  # a truncated or corrupt .gz
        yield FileProblem(0, f"cannot be read: {exc}")


def _csv_rows(handle: IO[str]) -> Iterator[tuple[int, dict[str, Any]] | FileProblem]:
    reader = csv.reader(handle, dialect=_dialect(handle))
    try:
        header = [name.strip() for name in next(reader, [])]
        start = reader.line_num + 1
        for values in reader:
            if values:
                if len(values) > len(header):
                    yield FileProblem(start, "has more values than the header has columns", fatal=False)
                else:
                    yield start, dict(zip(header, values))  # noqa: B905  (a short row leaves its last columns out)
            start = reader.line_num + 1
    except csv.Error as exc:
        yield FileProblem(reader.line_num, f"not a readable CSV file: {exc}")


def _json_rows(handle: IO[str]) -> Iterator[tuple[int, dict[str, Any]] | FileProblem]:
    for number, line in enumerate(handle, start=1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
        except ValueError as exc:
            yield FileProblem(number, f"is not JSON: {exc}", fatal=False)
            continue
        if isinstance(data, dict):
            yield number, data
        else:
            yield FileProblem(number, "is not a JSON object", fatal=False)


def _open_text(path: Path, progress: Progress | None, encoding: str, errors: str = "strict") -> IO[str]:
    raw: IO[bytes] = io.BufferedReader(CountingFile(path, progress), buffer_size=_CHUNK)
    if path.suffix.lower() == ".gz":
        raw = io.BufferedReader(_GzipReader(fileobj=raw, mode="rb"), buffer_size=_CHUNK)  # type: ignore[arg-type]
    return io.TextIOWrapper(raw, encoding="utf-8-sig" if encoding.lower().replace("_", "-") in ("utf-8", "utf8")
                            else encoding, newline="", errors=errors)


class _GzipReader(gzip.GzipFile):
    """A GzipFile that closes the file it was given when it closes, as gzip.open's does (else it leaks)."""

    def close(self) -> None:
        given = self.fileobj
        try:
            super().close()
        finally:
            if isinstance(given, io.IOBase):
                given.close()


def _dialect(handle: IO[str]) -> Any:
    """The dialect sniffed from the first 8 KB (comma, semicolon or tab), then back to the start."""
    sample = handle.read(8192)
    handle.seek(0)
    try:
        return csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        return csv.excel
