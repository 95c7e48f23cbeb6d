"""Importing in batches from a stream: rows are read as they are written, batch borders change nothing."""

from __future__ import annotations

import json
import tracemalloc
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func
from sqlmodel import Session, select

from assistant.catalog.importers import Row, RowError, read_rows
from assistant.catalog.models import Product
from assistant.catalog.service import ImportReport, get_product, import_products
from assistant.catalog.versions import read_versions
from assistant.sites.models import Site


def row(number: int, sku: str, price: str = "10", **extra: Any) -> Row:
    return Row(number, {"sku": sku, "title": f"Product {sku}", "price": price, **extra})


def catalog(session: Session, site: Site) -> dict[str, tuple[int, int | None, bool, dict[str, Any]]]:
    """SKU -> (price_minor, stock, in_stock, attributes) of every product of `site`."""
    products = session.exec(select(Product).where(Product.site_id == site.pk).execution_options(populate_existing=True))
    return {p.sku: (p.price_minor, p.stock, p.in_stock, p.attributes) for p in products}


def count(session: Session, site: Site) -> int:
    return session.exec(select(func.count()).select_from(Product).where(Product.site_id == site.pk)).one()


def seed(session: Session, site: Site) -> None:
    """A1..A4 in the catalog before the import under test."""
    rows = [row(n, f"A{n}", stock="5", color="red") for n in range(1, 5)]
    assert import_products(session=session, site=site, rows=rows).created == 4
    session.commit()


MIXED = [
    row(1, "A1", stock="5", color="red"),          # unchanged
    row(2, "N1", "20", color="blue"),              # created
    row(3, "A2", "11", stock="5", color="red"),    # updated (price)
    row(4, "N2", ""),                              # bad: no price
    row(5, "N1", "21", color="blue"),              # N1 again: the last row wins, still one created
    row(6, "A3", stock="0", color="red"),          # updated (out of stock)
    RowError(7, None, "has more values than the header has columns"),
    row(8, "A4", stock="5", color="green"),        # updated (attribute)
    row(9, "A1", "9", stock="5", color="red"),     # A1 again, now changed: updated after all
    row(10, "N3", "30", stock="lots"),             # bad stock, in the last batch
    row(11, "N4", "40"),                           # created, last row
]


@pytest.mark.parametrize("batch_rows", [1, 2, 3, 4, 1000])
def test_batch_borders_change_nothing(session: Session, site: Site, batch_rows: int) -> None:
    seed(session, site)
    before = read_versions(session, site.pk)
    report = import_products(session=session, site=site, rows=iter(MIXED), batch_rows=batch_rows)
    session.commit()
    assert (report.created, report.updated, report.unchanged) == (2, 4, 0)
    assert [str(e) for e in report.errors] == ["row 4: price: is missing",
                                               "row 7: has more values than the header has columns",
                                               "row 10: stock: 'lots' is not a whole number or 'in stock'"]
    assert catalog(session, site) == {
        "A1": (900, 5, True, {"color": "red"}), "A2": (1100, 5, True, {"color": "red"}),
        "A3": (1000, 0, False, {"color": "red"}), "A4": (1000, 5, True, {"color": "green"}),
        "N1": (2100, None, True, {"color": "blue"}), "N4": (4000, None, True, {}),
    }
    assert read_versions(session, site.pk).version == before.version + 1


@pytest.mark.parametrize("batch_rows", [1, 3, 1000])
def test_a_reimport_that_changes_nothing_writes_nothing(session: Session, site: Site, batch_rows: int) -> None:
    seed(session, site)
    before = read_versions(session, site.pk)
    stamps = {p.sku: p.updated_at for p in session.exec(select(Product))}
    again = [row(n, f"A{n}", stock="5", color="red") for n in (1, 2, 3, 4, 2)]
    report = import_products(session=session, site=site, rows=again, batch_rows=batch_rows)
    session.commit()
    assert (report.created, report.updated, report.unchanged, report.errors) == (0, 0, 4, [])
    assert read_versions(session, site.pk) == before
    assert {p.sku: p.updated_at for p in session.exec(select(Product).execution_options(populate_existing=True))} \
        == stamps


def test_rows_are_read_as_they_are_written(session: Session, site: Site) -> None:
    written_when_read: list[int] = []

    def stream() -> Iterator[Row]:
        for number in range(1, 101):
            if number % 25 == 0:
                written_when_read.append(count(session, site))
            yield row(number, f"S{number}")

    report = import_products(session=session, site=site, rows=stream(), batch_rows=10)
    assert report.created == 100
    assert written_when_read == [20, 40, 70, 90]  # the batches before each 25th row, not all or nothing


def test_memory_stays_flat_however_many_rows(session: Session, site: Site) -> None:
    description = "x" * 2000

    def stream(rows: int) -> Iterator[Row]:
        return (row(n, f"M{rows}-{n}", description=description) for n in range(1, rows + 1))

    def peak(rows: int) -> int:
        tracemalloc.start()
        try:
            assert import_products(session=session, site=site, rows=stream(rows), batch_rows=200).created == rows
            return tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()

    small, large = peak(1_000), peak(8_000)  # 2 MB and 16 MB of descriptions
    assert large < small + 4_000_000, (small, large)


def test_a_file_broken_part_way_writes_nothing(session: Session, site: Site, tmp_path: Path) -> None:
    seed(session, site)
    before = read_versions(session, site.pk)
    items = [{"sku": f"A{n}", "title": "Changed", "price": "99"} for n in range(1, 5)]
    items += [{"sku": f"J{n}", "title": "New", "price": "5"} for n in range(50)]
    path = tmp_path / "feed.json"
    path.write_text(json.dumps(items)[:-40])  # cut short inside the last objects
    report = import_products(session=session, site=site, rows=read_rows(path), batch_rows=5)
    session.commit()
    assert (report.created, report.updated, report.unchanged) == (0, 0, 0)
    assert str(report.errors[-1]).startswith("row 0: not valid JSON: ") and "(after row 5" in str(report.errors[-1])
    assert set(catalog(session, site)) == {"A1", "A2", "A3", "A4"}
    assert get_product(session=session, site=site, sku="A1").title == "Product A1"
    assert read_versions(session, site.pk) == before


def test_an_error_part_way_rolls_back_what_the_import_wrote(session: Session, site: Site) -> None:
    seed(session, site)

    def stream() -> Iterator[Row]:
        yield from (row(n, f"E{n}") for n in range(1, 8))
        yield row(8, "A1", "77")
        raise OSError("disk gone")

    with pytest.raises(OSError, match="disk gone"):
        import_products(session=session, site=site, rows=stream(), batch_rows=3)
    session.commit()  # what the caller had before the import stays; nothing of the import does
    assert set(catalog(session, site)) == {"A1", "A2", "A3", "A4"}
    assert get_product(session=session, site=site, sku="A1").price_minor == 1000


def test_loaded_products_read_the_imported_values(session: Session, site: Site) -> None:
    seed(session, site)
    loaded = get_product(session=session, site=site, sku="A2")
    report = import_products(session=session, site=site, rows=[row(1, "A2", "12.34", stock="0", color="red")])
    assert report.updated == 1
    assert (loaded.price_minor, loaded.in_stock) == (1234, False)


def test_the_report_counts_rows(session: Session, site: Site) -> None:
    report = import_products(session=session, site=site, rows=[row(1, "B1"), row(2, "B2"), row(3, "B3", "x")])
    assert report == ImportReport(created=2, errors=[RowError(3, "price", "'x' is not a price")])
    assert report.accepted == 2 and not report.broken


def test_ratings_that_are_not_finite_are_imported(session: Session, site: Site) -> None:
    rows = [row(1, "R1", rating="nan"), row(2, "R2", rating="inf"), row(3, "R3", rating="4.5")]
    assert import_products(session=session, site=site, rows=rows).created == 3
    again = [row(1, "R1", "11", rating="-inf"), row(2, "R2", "11", rating="nan")]
    assert import_products(session=session, site=site, rows=again).updated == 2
    session.commit()
    assert get_product(session=session, site=site, sku="R3").rating == 4.5
