"""The admin's product pages: keyset pages in SKU order, search by SKU or title, the stock filter."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import event
from sqlmodel import Session

from assistant.catalog.importers import Row
from assistant.catalog.listing import ProductPage, StockFilter, product_page, stock_counts
from assistant.catalog.service import import_products
from assistant.sites.models import Site
from tests.factories import make_site


def make_products(session: Session, site: Site, count: int, **columns: Any) -> None:
    """Products p000, p001, ... titled 'Product 0', ...; every tenth (p000, p010, ...) out of stock."""
    rows = [Row(n, {"sku": f"p{n:03d}", "title": f"Product {n}", "price": "10", "stock": "0" if n % 10 == 0 else "3",
                    **columns}) for n in range(count)]
    report = import_products(session=session, site=site, rows=rows)
    assert not report.errors
    session.commit()


def skus(page: ProductPage) -> list[str]:
    return [p.sku for p in page.products]


def numbered(*numbers: int) -> list[str]:
    return [f"p{n:03d}" for n in numbers]


def browse(session: Session, site: Site, **options: Any) -> ProductPage:
    return product_page(session=session, site=site, size=options.pop("size", 50), **options)


def test_pages_of_fifty_forward_and_back(session: Session, site: Site) -> None:
    make_products(session, site, 120)
    first = browse(session, site)
    assert skus(first) == numbered(*range(50)) and (first.previous, first.next) == (None, "p049")
    second = browse(session, site, after=first.next)
    assert skus(second) == numbered(*range(50, 100)) and (second.previous, second.next) == ("p050", "p099")
    last = browse(session, site, after=second.next)
    assert skus(last) == numbered(*range(100, 120)) and (last.previous, last.next) == ("p100", None)
    back = browse(session, site, before=last.previous)
    assert skus(back) == skus(second) and (back.previous, back.next) == ("p050", "p099")
    assert browse(session, site, before=back.previous) == first


def test_cursors_whose_neighbours_left_still_give_full_pages(session: Session, site: Site) -> None:
    make_products(session, site, 120)
    assert browse(session, site, before="p030") == browse(session, site)  # fewer than 50 before: the first page
    end = browse(session, site, after="p119")  # nothing after: the last full page
    assert skus(end) == numbered(*range(70, 120)) and (end.previous, end.next) == ("p070", None)
    assert skus(browse(session, site, after="zzz")) == skus(end)
    assert browse(session, site, after="p") == browse(session, site)  # before every SKU
    assert browse(session, site, after="p119", stock="out").next is None


def test_search_matches_a_sku_prefix_or_a_title_substring_ignoring_case(session: Session, site: Site) -> None:
    make_products(session, site, 120)
    import_products(session=session, site=site, rows=[
        Row(1, {"sku": "TR-1", "title": "Merino Trail Sock", "price": "12"}),
        Row(2, {"sku": "x-trail", "title": "Gaiter", "price": "20"}),
    ])
    session.commit()
    assert skus(browse(session, site, search="P11")) == numbered(*range(110, 120))
    assert skus(browse(session, site, search="tr")) == ["TR-1"]  # a SKU that only contains it does not match
    assert skus(browse(session, site, search="  TRAIL ")) == ["TR-1"]
    assert skus(browse(session, site, search="duct 7")) == numbered(7, *range(70, 80))
    assert skus(browse(session, site, search="nothing like it")) == []


@pytest.mark.parametrize(("search", "found"), [("%", ["w-1"]), ("100%", ["w-1"]), ("0%", ["w-1"]), ("a_b", ["a_b"]),
                                               ("_", []), ("back\\", ["back\\slash"]),
                                               ("\\", [])])
def test_wildcards_in_a_search_are_plain_characters(session: Session, site: Site, search: str,
                                                    found: list[str]) -> None:
    import_products(session=session, site=site, rows=[
        Row(1, {"sku": "w-1", "title": "100% wool", "price": "12"}),
        Row(2, {"sku": "a_b", "title": "Underscore", "price": "12"}),
        Row(3, {"sku": "axb", "title": "Letter", "price": "12"}),
        Row(4, {"sku": "back\\slash", "title": "Slash", "price": "12"}),
        Row(5, {"sku": "w-0", "title": "Plain", "price": "12"}),
    ])
    session.commit()
    assert skus(browse(session, site, search=search)) == found


@pytest.mark.parametrize(("stock", "numbers"), [("all", range(25)), ("in", [n for n in range(25) if n % 10]),
                                                ("out", [0, 10, 20])])
def test_the_stock_filter(session: Session, site: Site, stock: StockFilter, numbers: range | list[int]) -> None:
    make_products(session, site, 25)
    assert skus(browse(session, site, stock=stock)) == numbered(*numbers)
    assert stock_counts(session=session, site=site).out_of_stock == 3


def test_filtered_pages_and_search_together(session: Session, site: Site) -> None:
    make_products(session, site, 120)
    first = browse(session, site, stock="out", size=5)
    assert skus(first) == numbered(0, 10, 20, 30, 40) and first.next == "p040"
    second = browse(session, site, stock="out", after=first.next, size=5)
    assert skus(second) == numbered(50, 60, 70, 80, 90) and second.previous == "p050"
    assert skus(browse(session, site, stock="out", after=second.next, size=5)) == numbered(100, 110)
    assert skus(browse(session, site, stock="in", search="p01")) == numbered(*range(11, 20))


def test_other_sites_products_are_not_listed_or_counted(session: Session, site: Site) -> None:
    make_products(session, site, 3)
    other = make_site(session, key="pk_other", name="Other shop")
    make_products(session, other, 5)
    assert skus(browse(session, site)) == numbered(0, 1, 2)
    counts = stock_counts(session=session, site=site)
    assert (counts.total, counts.in_stock, counts.out_of_stock) == (3, 2, 1)


@contextmanager
def statements(session: Session) -> Iterator[list[str]]:
    """The SQL the session's engine runs inside the block."""
    seen: list[str] = []
    engine = session.get_bind()

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append(" ".join(statement.split()))

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


def test_every_read_of_a_page_is_bounded(session: Session, site: Site) -> None:
    make_products(session, site, 120)
    with statements(session) as seen:
        for options in [{}, {"after": "p049"}, {"before": "p100"}, {"after": "p119"}, {"search": "x", "stock": "in"}]:
            browse(session, site, **options)
    product_reads = [s for s in seen if "FROM product" in s]
    assert product_reads and all(" LIMIT " in s for s in product_reads), product_reads
    assert all("ORDER BY product.sku" in s or "SELECT product.id" in s for s in product_reads)
