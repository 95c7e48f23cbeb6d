"""The file readers stream: a row is yielded after reading a chunk of the file, not the file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant.catalog.importers import Row, RowError, read_rows

PRODUCTS = 4000  # about 1 MB in every format, four times the chunk read at once
DESCRIPTION = "A sturdy everyday product " * 8


def write_feed(path: Path) -> Path:
    items = [{"sku": f"S{n}", "title": f"Product {n}", "price": "9.90", "description": DESCRIPTION}
             for n in range(1, PRODUCTS + 1)]
    if path.suffix == ".csv":
        path.write_text("sku,title,price,description\n" + "".join(
            f"{i['sku']},{i['title']},{i['price']},{i['description']}\n" for i in items))
    elif path.suffix == ".jsonl":
        path.write_text("".join(json.dumps(i) + "\n" for i in items))
    elif path.suffix == ".json":
        path.write_text(json.dumps({"generated": "today", "products": items}))
    else:
        entries = "".join(f"<item><g:id>{i['sku']}</g:id><title>{i['title']}</title><g:price>{i['price']} EUR"
                          f"</g:price><description>{i['description']}</description></item>" for i in items)
        path.write_text(f'<?xml version="1.0"?><rss xmlns:g="http://base.google.com/ns/1.0" version="2.0">'
                        f"<channel>{entries}</channel></rss>")
    return path


@pytest.mark.parametrize("name", ["feed.csv", "feed.json", "feed.jsonl", "feed.xml"])
def test_readers_stream_and_report_the_bytes_they_read(tmp_path: Path, name: str) -> None:
    path = write_feed(tmp_path / name)
    size = path.stat().st_size
    read: list[int] = []
    rows = read_rows(path, progress=read.append)
    first = next(rows)
    assert isinstance(first, Row) and first.data.get("sku", first.data.get("id")) == "S1" and first.number == 1
    assert sum(read) <= size / 3  # one chunk in, not the file
    rest = list(rows)
    assert len(rest) == PRODUCTS - 1 and all(isinstance(r, Row) for r in rest)
    assert rest[-1].number == PRODUCTS and rest[-1].data["title"] == f"Product {PRODUCTS}"
    assert sum(read) == size


def test_csv_broken_part_way_ends_with_a_file_error(tmp_path: Path) -> None:
    path = write_feed(tmp_path / "feed.csv")
    path.write_bytes(path.read_bytes() + b"S9999,Caf\xe9,1,latin-1 here\n")
    rows = list(read_rows(path))
    assert isinstance(rows[-1], RowError) and all(isinstance(r, Row) for r in rows[:-1])
    line = path.read_bytes().count(b"\n")  # the last line
    assert str(rows[-1]).startswith(f"row 0: not utf-8 text: byte 0xe9 at line {line}, byte 10 of the line cannot "
                                    "be read; if the file is Latin-1 or Windows-1252, import it with --encoding")
    assert len(rows) > PRODUCTS / 2
    latin = list(read_rows(path, encoding="latin-1"))
    assert all(isinstance(r, Row) for r in latin) and latin[-1].data["title"] == "Café"


def test_xml_broken_part_way_ends_with_a_file_error(tmp_path: Path) -> None:
    path = write_feed(tmp_path / "feed.xml")
    path.write_text(path.read_text()[:-len("</item></channel></rss>") - 20])
    rows = list(read_rows(path))
    assert isinstance(rows[-1], RowError) and rows[-1].number == 0
    assert str(rows[-1]).startswith("row 0: not valid XML: ") and f"(after row {PRODUCTS - 1})" in str(rows[-1])
    assert len(rows) == PRODUCTS


@pytest.mark.parametrize(("text", "error"), [
    ('{"items": []}', 'row 0: expected a list of products or {"products": [...]}'),
    ('{"products": 3}', 'row 0: expected a list of products or {"products": [...]}'),
    ("3", 'row 0: expected a list of products or {"products": [...]}'),
    ("", "row 0: not valid JSON: parse error: premature EOF"),
])
def test_json_that_is_no_list_of_products(tmp_path: Path, text: str, error: str) -> None:
    path = tmp_path / "feed.json"
    path.write_text(text)
    assert [str(r) for r in read_rows(path)] == [error]


def test_csv_rows_as_csv_dictreader_gave_them(tmp_path: Path) -> None:
    path = tmp_path / "feed.csv"
    rows = "".join(f"B{n},Boot {n},{n}\n" for n in range(5))
    path.write_bytes(f"\ufeffsku,title,price\n\nA1,Caf\u00e9,1\n{rows}A2,Short\nA3,Long,3,extra\n".encode())
    found = [r if isinstance(r, RowError) else r.data for r in read_rows(path)]
    assert found[0] == {"sku": "A1", "title": "Caf\u00e9", "price": "1"}
    assert found[6:] == [{"sku": "A2", "title": "Short", "price": None},
                         RowError(8, None, "has more values than the header has columns")]
