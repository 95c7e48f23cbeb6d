"""Import products, look them up, and describe the catalog's vocabulary."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session, select

from assistant.catalog.importers import Row, RowError
from assistant.catalog.mapping import ColumnMapping, RowProblem
from assistant.catalog.models import Product, ProductIn
from assistant.catalog.versions import catalog_changed
from assistant.errors import NotFound
from assistant.sites.models import Site
from assistant.timeutil import utcnow


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


def import_products(
    *, session: Session, site: Site, rows: Iterable[Row | RowError], mapping: ColumnMapping | None = None
) -> ImportReport:
    """Validate every row, then create or update the good ones by SKU; bad rows are reported."""
    mapping = mapping or ColumnMapping(currency=site.currency)
    report = ImportReport()
    good: dict[str, ProductIn] = {}
    for row in rows:
        if isinstance(row, RowError):
            report.errors.append(row)
            continue
        try:
            item = mapping.apply(row.data)
        except RowProblem as exc:
            report.errors.append(RowError(row.number, exc.field, exc.reason))
            continue
        good[item.sku] = item
    existing = _products_by_sku(session=session, site=site, skus=list(good))
    for sku, item in good.items():
        product = existing.get(sku)
        if product is None:
            session.add(_new_product(site, item))
            report.created += 1
        elif _update(product, item):
            report.updated += 1
        else:
            report.unchanged += 1
    session.flush()
    if report.created or report.updated:
        catalog_changed(session=session, site_id=site.pk)
    return report


def _products_by_sku(*, session: Session, site: Site, skus: list[str]) -> dict[str, Product]:
    found: dict[str, Product] = {}
    for start in range(0, len(skus), 500):
        chunk = skus[start : start + 500]
        query = select(Product).where(Product.site_id == site.id, Product.sku.in_(chunk))  # type: ignore[attr-defined]
        found.update((p.sku, p) for p in session.exec(query))
    return found


def _new_product(site: Site, item: ProductIn) -> Product:
    product = Product(site_id=site.pk, **item.model_dump())
    product.in_stock = item.stock is None or item.stock > 0
    return product


def _update(product: Product, item: ProductIn) -> bool:
    changed = False
    for name, value in item.model_dump().items():
        if getattr(product, name) != value:
            setattr(product, name, value)
            changed = True
    if changed:
        product.in_stock = item.stock is None or item.stock > 0
        product.updated_at = utcnow()
    return changed


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
