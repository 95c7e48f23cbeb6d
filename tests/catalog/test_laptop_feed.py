"""A laptop feed as shops export it (Latin-1, "8GB", "1.37kg", "128GB SSD +  1TB HDD") imports with a mapping alone."""

from __future__ import annotations

from pathlib import Path

from sqlmodel import Session

from assistant.catalog.importers import read_header, read_rows
from assistant.catalog.service import get_product, import_products
from assistant.mapping_file import read_mapping
from assistant.sites.models import Site

DATA = Path(__file__).resolve().parents[1] / "data"
FEED, MAPPING = DATA / "laptops-latin1.csv", DATA / "laptops-mapping.yaml"


def test_the_laptop_feed_imports_with_its_mapping_file(session: Session, site: Site) -> None:
    loaded = read_mapping(MAPPING, currency="EUR")
    assert loaded.problems == [] and loaded.mapping is not None
    mapping = loaded.mapping
    assert mapping.encoding == "latin-1"
    assert loaded.header_problems(read_header(FEED, encoding=mapping.encoding) or []) == []
    report = import_products(session=session, site=site, rows=read_rows(FEED, encoding=mapping.encoding),
                             mapping=mapping)
    assert (report.created, report.errors) == (7, [])
    acer = get_product(session=session, site=site, sku="1")
    assert (acer.title, acer.price_minor, acer.stock, acer.categories) == ("Acer Aspire É 3", 64900, 5, ["Notebook"])
    assert acer.attributes == {"brand": "Acer", "screen_inches": 15.6, "cpu_ghz": 1.6, "ram_gb": 8,
                               "storage_gb": 1128, "storage": ["128GB SSD", "1TB HDD"], "os": "windows",
                               "weight_kg": 2.2}
    mac = get_product(session=session, site=site, sku="2")
    assert (mac.attributes["weight_kg"], mac.attributes["os"]) == (1.34, "mac")  # "1340g" in kg
    assert get_product(session=session, site=site, sku="3").attributes["os"] == "windows"  # "Windows 10 S"
    assert get_product(session=session, site=site, sku="5").attributes["os"] == "other"  # "No OS": the default


def test_the_same_feed_read_as_utf8_says_where_and_what_to_do(session: Session, site: Site) -> None:
    rows = list(read_rows(FEED))
    assert str(rows[-1]) == ("row 0: not utf-8 text: byte 0xc9 at line 2, byte 15 of the line cannot be read; if "
                             "the file is Latin-1 or Windows-1252, import it with --encoding latin-1 or cp1252 "
                             "(or `encoding:` in the mapping file)")
    assert read_header(FEED) == read_header(FEED, encoding="latin-1")  # the header is ASCII
