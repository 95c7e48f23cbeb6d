"""Importing products: CSV, JSON and Merchant feeds; bad rows reported and skipped; re-import updates."""

from __future__ import annotations

from pathlib import Path

from sqlmodel import Session

from assistant.catalog.importers import read_rows
from assistant.catalog.mapping import ColumnMapping
from assistant.catalog.service import get_product, import_products, list_products
from assistant.sites.models import Site

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
    mapping = ColumnMapping(currency="USD")
    report = import_products(session=session, site=site, rows=read_rows(write(tmp_path, "f.xml", feed)),
                             mapping=mapping)
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
