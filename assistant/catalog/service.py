"""Import products, look them up, and describe the catalog's vocabulary."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import SessionTransaction
from sqlmodel import Session, select

from assistant.catalog.bulk import CREATED, UNCHANGED, UPDATED, ProductWriter
from assistant.catalog.importers import Row, RowError
from assistant.catalog.mapping import ColumnMapping, RowProblem
from assistant.catalog.models import Product
from assistant.catalog.values import Values
from assistant.catalog.versions import catalog_changed
from assistant.db import begin_immediate
from assistant.errors import NotFound
from assistant.sites.models import Site
from assistant.timeutil import utcnow

BATCH_ROWS = 2000
"""Distinct SKUs written per batch: a few thousand keep each statement large and memory flat."""


@dataclass
class ImportReport:
    """What an import did."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)

    @property
    def accepted(self) -> int:
        """Rows that are now in the catalog."""
        return self.created + self.updated + self.unchanged

    @property
    def broken(self) -> bool:
        """Whether the file itself turned out unreadable (then nothing of it was written)."""
        return any(error.number == 0 for error in self.errors)


def import_products(
    *, session: Session, site: Site, rows: Iterable[Row | RowError], mapping: ColumnMapping | None = None,
    batch_rows: int = BATCH_ROWS,
) -> ImportReport:
    """Validate every row and create or update the good ones by SKU, a batch at a time; bad rows are reported.

    Rows are read as they are needed, so `rows` may be a file streamed by `importers.read_rows`.
    A bad row is written in no part; the last good row of a SKU wins. Everything happens in the
    caller's transaction, inside a savepoint that is rolled back when the file turns out broken
    part of the way through (a `RowError` numbered 0) or anything raises: an import is applied
    whole or not at all once the caller commits. `catalog_changed` is recorded once when any
    product was created or updated.
    """
    mapping = mapping or ColumnMapping(currency=site.currency)
    report = ImportReport()
    savepoint = _begin_savepoint(session)
    writer = ProductWriter(session=session, site_id=site.pk, now=utcnow())
    try:
        for batch in _batches(rows, mapping, report, batch_rows):
            writer.write(batch)
    except BaseException:
        savepoint.rollback()
        raise
    if report.broken:
        savepoint.rollback()
        return report
    savepoint.commit()
    report.created, report.updated, report.unchanged = (writer.counts[k] for k in (CREATED, UPDATED, UNCHANGED))
    if report.created or report.updated:
        catalog_changed(session=session, site_id=site.pk)
        _expire_loaded(session, site)
    return report


def _batches(rows: Iterable[Row | RowError], mapping: ColumnMapping, report: ImportReport,
             size: int) -> Iterator[dict[str, Values]]:
    """Validated rows in batches of `size` distinct SKUs (the last row of a SKU wins); errors go to `report`."""
    batch: dict[str, Values] = {}
    for row in rows:
        if isinstance(row, RowError):
            report.errors.append(row)
            if row.number == 0:
                return
            continue
        try:
            sku, values = mapping.values(row.data)
        except RowProblem as exc:
            report.errors.append(RowError(row.number, exc.field, exc.reason))
            continue
        batch[sku] = values
        if len(batch) >= size:
            yield batch
            batch = {}
    if batch:
        yield batch


def _begin_savepoint(session: Session) -> SessionTransaction:
    """A savepoint in the session's transaction; on SQLite the transaction is begun first, IMMEDIATE
    (a savepoint taken before would itself start the transaction, and its release commit it)."""
    begin_immediate(session)
    return session.begin_nested()


def _expire_loaded(session: Session, site: Site) -> None:
    """Products of `site` loaded in this session read their imported values on next access."""
    for loaded in list(session.identity_map.values()):
        if isinstance(loaded, Product) and loaded.site_id == site.pk:
            session.expire(loaded)


def get_product(*, session: Session, site: Site, sku: str) -> Product:
    """The product `sku` of `site`, or NotFound."""
    product = session.exec(select(Product).where(Product.site_id == site.id, Product.sku == sku)).first()
    if product is None:
        raise NotFound(f"no product has the SKU '{sku}'", field="sku")
    return product


def list_products(*, session: Session, site: Site, in_stock_only: bool = False) -> list[Product]:
    """All products of `site` (optionally only those in stock), in SKU order."""
    query = select(Product).where(Product.site_id == site.id)
    if in_stock_only:
        query = query.where(Product.in_stock == True)  # noqa: E712  (SQL expression)
    return list(session.exec(query.order_by(Product.sku)))


@dataclass
class Vocabulary:
    """Which attribute names and values the catalog uses, and how often."""

    total: int = 0
    values: dict[str, Counter[Any]] = field(default_factory=lambda: defaultdict(Counter))
    present: Counter[str] = field(default_factory=Counter)
    numeric: set[str] = field(default_factory=set)
    categories: Counter[str] = field(default_factory=Counter)


def vocabulary(products: Iterable[Product]) -> Vocabulary:
    """Count attribute names, values and categories over `products`."""
    vocab = Vocabulary()
    for product in products:
        vocab.total += 1
        vocab.categories.update(product.categories)
        for name, value in attribute_items(product):
            vocab.present[name] += 1
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                vocab.numeric.add(name)
            for item in value if isinstance(value, list) else [value]:
                vocab.values[name][item] += 1
    return vocab


def attribute_items(product: Product) -> list[tuple[str, Any]]:
    """The attributes flows can use: free-form ones plus price, rating and category."""
    return list(testable_attributes(product.attributes, product.price, product.rating, product.categories).items())


def testable_attributes(attributes: dict[str, Any], price: float, rating: float | None,
                        categories: list[str] | tuple[str, ...]) -> dict[str, Any]:
    """Free-form attributes plus `price`, `rating` and `category`, as filters and rules test them."""
    attrs = {**attributes, "price": price}
    if rating is not None:
        attrs["rating"] = rating
    if categories:
        attrs["category"] = list(categories)
    return attrs
