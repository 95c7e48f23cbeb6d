"""Importing products: CSV, JSON and Merchant feeds; bad rows reported and skipped; re-import updates."""

from __future__ import annotations

from pathlib import Path

from sqlmodel import Session

from assistant.catalog.importers import read_rows
from assistant.catalog.mapping import ColumnMapping
from assistant.catalog.service import get_product, import_products, list_products
from assistant.sites.models import Site
from tests.factories import make_site

CSV = """\ufeffsku;title;price;categories;stock;terrain;weight_g
A1;Road Runner;89,90;Shoes|Road;4;road|mixed;280
A2;Trail King;129.00;Shoes;0;trail;310
A3;;50;Shoes;1;trail;300
A4;Bad Price;cheap;Shoes;1;trail;300
A5;Bad Stock;50;Shoes;lots;trail;300
"""


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_csv_good_rows_imported_bad_rows_reported(session: Session, site: Site, tmp_path: Path) -> None:
    report = import_products(session=session, site=site, rows=read_rows(write(tmp_path, "p.csv", CSV)))
    session.commit()
    assert (report.created, report.updated) == (2, 0)
    assert [str(e) for e in report.errors] == [
        "row 3: title: is required",
        "row 4: price: 'cheap' is not a price",
        "row 5: stock: 'lots' is not a whole number or 'in stock'",
    ]
    road = get_product(session=session, site=site, sku="A1")
    assert (road.price_minor, road.price, road.categories, road.in_stock) == (8990, 89.9, ["Shoes", "Road"], True)
    assert road.attributes == {"terrain": ["road", "mixed"], "weight_g": 280}
    assert get_product(session=session, site=site, sku="A2").in_stock is False
    assert [p.sku for p in list_products(session=session, site=site)] == ["A1", "A2"]


def test_reimport_updates_in_place(session: Session, site: Site, tmp_path: Path) -> None:
    first = write(tmp_path, "a.csv", "sku,title,price,stock\nA1,Road Runner,89.90,4\nA2,Trail King,129,0\n")
    import_products(session=session, site=site, rows=read_rows(first))
    session.commit()
    second = write(tmp_path, "b.csv", "sku,title,price,stock\nA1,Road Runner,79.90,4\nA2,Trail King,129,3\n"
                                      "A2,Trail King,129,3\n")
    report = import_products(session=session, site=site, rows=read_rows(second))
    session.commit()
    assert (report.created, report.updated, report.unchanged) == (0, 2, 0)
    assert len(list_products(session=session, site=site)) == 2
    assert get_product(session=session, site=site, sku="A1").price_minor == 7990
    assert get_product(session=session, site=site, sku="A2").in_stock is True
    third = import_products(session=session, site=site, rows=read_rows(second))
    assert (third.created, third.updated, third.unchanged) == (0, 0, 2)


def test_json_and_jsonl(session: Session, site: Site, tmp_path: Path) -> None:
    data = '{"products": [{"id": "J1", "name": "Jacket", "price": 120, "color": "red"}, 3]}'
    report = import_products(session=session, site=site, rows=read_rows(write(tmp_path, "p.json", data)))
    assert report.created == 1 and [str(e) for e in report.errors] == ["row 2: not an object"]
    lines = '{"sku": "L1", "title": "Lamp", "price": "15"}\n{broken\n'
    report = import_products(session=session, site=site, rows=read_rows(write(tmp_path, "p.jsonl", lines)))
    assert report.created == 1 and str(report.errors[0]).startswith("row 2: not valid JSON")
    assert get_product(session=session, site=site, sku="J1").attributes == {"color": "red"}


def test_broken_json_file_is_one_error(session: Session, site: Site, tmp_path: Path) -> None:
    report = import_products(session=session, site=site, rows=read_rows(write(tmp_path, "p.json", "[{")))
    assert report.accepted == 0 and str(report.errors[0]).startswith("row 0: not valid JSON")


def test_google_merchant_feed(session: Session, site: Site, tmp_path: Path) -> None:
    feed = """<?xml version="1.0"?>
    <rss xmlns:g="http://base.google.com/ns/1.0" version="2.0"><channel>
      <item><g:id>G1</g:id><title>Trail Shoe</title><link>https://shop.example/g1</link>
        <g:image_link>https://shop.example/g1.jpg</g:image_link><g:price>99.00 USD</g:price>
        <g:availability>in stock</g:availability><g:product_type>Shoes &gt; Trail</g:product_type>
        <g:brand>Acme</g:brand></item>
      <item><g:id>G2</g:id><title>Sold out</title><g:price>10.00 USD</g:price>
        <g:availability>out of stock</g:availability></item>
    </channel></rss>"""
    path = write(tmp_path, "f.xml", feed)
    euro = import_products(session=session, site=site, rows=read_rows(path))  # the site sells in EUR
    assert [str(e) for e in euro.errors] == [
        f"row {n}: price: '{p} USD' is in USD but this import's currency is EUR (the site's, unless the mapping "
        "sets `currency:`)" for n, p in ((1, "99.00"), (2, "10.00"))]
    site = make_site(session, key="pk_usd", currency="USD")  # no currency passed by hand: the site's
    report = import_products(session=session, site=site, rows=read_rows(path))
    assert (report.created, report.errors) == (2, [])
    shoe = get_product(session=session, site=site, sku="G1")
    assert (shoe.url, shoe.image, shoe.price_minor, shoe.currency) == (
        "https://shop.example/g1", "https://shop.example/g1.jpg", 9900, "USD")
    assert (shoe.categories, shoe.attributes) == (["Trail"], {"brand": "Acme"})
    assert get_product(session=session, site=site, sku="G2").in_stock is False


def test_mapping_joins_columns_and_reads_flags(session: Session, site: Site, tmp_path: Path) -> None:
    mapping = ColumnMapping.from_dict({
        "sku": ["Brand", "Name"], "title": "Name", "categories": "Label", "rating": "Rank",
        "currency": "USD", "attributes": {"brand": "Brand", "skin_type": {"flags": ["Dry", "Oily"]}},
        "other_columns_as_attributes": False,
    })
    csv = "Label,Brand,Name,Price,Rank,Dry,Oily,Notes\nMoisturizer,LA MER,Crème de la Mer,175,4.1,1,0,x\n"
    report = import_products(session=session, site=site, rows=read_rows(write(tmp_path, "s.csv", csv)),
                             mapping=mapping)
    assert report.errors == []
    cream = get_product(session=session, site=site, sku="la-mer-creme-de-la-mer")
    assert (cream.title, cream.rating, cream.categories) == ("Crème de la Mer", 4.1, ["Moisturizer"])
    assert cream.attributes == {"brand": "LA MER", "skin_type": ["dry"]}


MONEY_CSV = "sku;title;Price\nM1;Kettle;1,234\nM2;Toaster;29,90\nM3;Oven;1.234,50\n"


def test_an_ambiguous_price_is_refused_with_its_row_and_column(session: Session, site: Site, tmp_path: Path) -> None:
    """'1,234' was stored as 1.23: now the row and column are named and the feed's locale is asked for."""
    report = import_products(session=session, site=site, rows=read_rows(write(tmp_path, "m.csv", MONEY_CSV)),
                             mapping=ColumnMapping.from_dict({"price": "Price", "currency": "EUR"}))
    assert [str(e) for e in report.errors] == [
        "row 1: price: '1,234' is ambiguous: 1234 or 1.234? (column Price): say how the feed writes numbers with "
        "`price_locale:` in the mapping (en_US reads 1,234 as 1234, de_DE as 1.234)"]
    assert [(p.sku, p.price_minor) for p in list_products(session=session, site=site)] == [("M2", 2990), ("M3", 123450)]


def test_the_feeds_locale_reads_its_prices(session: Session, site: Site, tmp_path: Path) -> None:
    text = "sku;title;Price\nM1;Kettle;1.234\nM2;Toaster;29,90\nM3;Oven;1.234,50\nM4;Pan;12.50\n"
    mapping = ColumnMapping.from_dict({"price": "Price", "price_locale": "de_DE"})
    report = import_products(session=session, site=site, rows=read_rows(write(tmp_path, "m.csv", text)),
                             mapping=mapping)
    assert [str(e) for e in report.errors] == ["row 4: price: '12.50' is not a price as de_DE writes one"]
    assert [(p.sku, p.price_minor) for p in list_products(session=session, site=site)] == [
        ("M1", 123400), ("M2", 2990), ("M3", 123450)]


def test_three_decimal_currency_imports_its_fils(session: Session, tmp_path: Path) -> None:
    """KWD has three decimals: '12.345' is 12345 fils in an en_US feed (without a locale it is ambiguous)."""
    site = make_site(session, key="pk_kwd", currency="KWD")
    text = 'sku,title,price\nK1,Lamp,12.345\nK2,Rug,"1,234.5"\nK3,Mat,0.5\nK4,Cup,7\n'
    path = write(tmp_path, "k.csv", text)
    report = import_products(session=session, site=site, rows=read_rows(path))
    assert [(e.number, e.reason.split(" (")[0]) for e in report.errors] == [
        (1, "'12.345' is ambiguous: 12345 or 12.345?")]
    report = import_products(session=session, site=site, rows=read_rows(path),
                             mapping=ColumnMapping.from_dict({"currency": "KWD", "price_locale": "en_US"}))
    assert report.errors == []
    assert [(p.sku, p.price_minor, p.price) for p in list_products(session=session, site=site)] == [
        ("K1", 12345, 12.345), ("K2", 1234500, 1234.5), ("K3", 500, 0.5), ("K4", 7000, 7.0)]
