"""One page of a site's products for the admin: keyset pages in SKU order, a search, a stock filter.

A page is read with `sku > cursor ORDER BY sku LIMIT size + 1` on the (site_id, sku) unique index,
so page 2,000 costs what page 1 does and no request reads the whole table. A search has no index
to use (a title substring matches anywhere): it reads the site's rows in SKU order until a page is
full, so a rare or absent term reads them all, about 70 ms for 100,000 products on PostgreSQL
and 45 ms on SQLite (measured on this project's 2-core machine).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from sqlalchemy import ColumnElement, or_
from sqlmodel import Session, col, func, select

from assistant.catalog.models import Product
from assistant.sites.models import Site

PAGE_SIZE = 50
SEARCH_MAX = 100
"""Longest search text used; SKUs and titles longer than that are found by their start."""

StockFilter = Literal["all", "in", "out"]


@dataclass(frozen=True)
class ProductPage:
    """Products of one page, in SKU order, and the cursors of the pages around it."""

    products: list[Product]
    previous: str | None
    """Pass as `before` for the previous page; None on the first page."""
    next: str | None
    """Pass as `after` for the next page; None on the last page."""


@dataclass(frozen=True)
class StockCounts:
    """How many products a site has, and how many of them are in stock."""

    total: int
    in_stock: int

    @property
    def out_of_stock(self) -> int:
        """Products marked out of stock."""
        return self.total - self.in_stock


def product_page(*, session: Session, site: Site, search: str = "", stock: StockFilter = "all",
                 after: str | None = None, before: str | None = None, size: int = PAGE_SIZE) -> ProductPage:
    """The page after the SKU `after` (or before the SKU `before`; else the first page) of matching products.

    `search` matches a SKU that starts with it or a title that contains it, ignoring case (on SQLite
    only ASCII letters; PostgreSQL folds every letter). `%` and `_` are plain characters. A cursor
    whose neighbours have left the filter still lands on a full page: past the end, the last one.
    """
    matching = _matching(site, search, stock)
    sku = col(Product.sku)
    if after is not None:
        rows = _ascending(session, [*matching, sku > after], size)
        if rows:
            return _page(rows, size, previous=_exists(session, [*matching, sku <= after]))
        upper: ColumnElement[bool] | None = sku <= after
    else:
        upper = sku < before if before is not None else None
    if upper is not None:
        rows = list(session.exec(select(Product).where(*matching, upper).order_by(sku.desc()).limit(size + 1)))
        if len(rows) > size:  # else nothing precedes them: the first page, filled up, is the one to show
            shown = rows[:size][::-1]
            later = _exists(session, [*matching, sku > shown[-1].sku])
            return ProductPage(shown, previous=shown[0].sku, next=shown[-1].sku if later else None)
    return _page(_ascending(session, matching, size), size, previous=False)


def stock_counts(*, session: Session, site: Site) -> StockCounts:
    """The site's product count and in-stock count, in one grouped query."""
    counts = dict(session.exec(select(Product.in_stock, func.count()).where(Product.site_id == site.pk)
                               .group_by(col(Product.in_stock))).all())
    return StockCounts(total=sum(counts.values()), in_stock=counts.get(True, 0))


def _matching(site: Site, search: str, stock: StockFilter) -> list[ColumnElement[bool]]:
    """The conditions a product of the page meets."""
    conditions = [col(Product.site_id) == site.pk]
    if stock != "all":
        conditions.append(col(Product.in_stock) == (stock == "in"))
    text = search.strip()[:SEARCH_MAX]
    if text:
        literal = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        conditions.append(or_(col(Product.sku).ilike(f"{literal}%", escape="\\"),
                              col(Product.title).ilike(f"%{literal}%", escape="\\")))
    return conditions


def _ascending(session: Session, conditions: list[ColumnElement[bool]], size: int) -> list[Product]:
    """Up to `size` + 1 products in SKU order: the extra one says that a next page exists."""
    return list(session.exec(select(Product).where(*conditions).order_by(col(Product.sku)).limit(size + 1)))


def _page(rows: list[Product], size: int, *, previous: bool) -> ProductPage:
    shown = rows[:size]
    return ProductPage(shown, previous=shown[0].sku if previous and shown else None,
                       next=shown[-1].sku if len(rows) > size else None)


def _exists(session: Session, conditions: list[ColumnElement[bool]]) -> bool:
    return session.exec(select(Product.id).where(*conditions).limit(1)).first() is not None
