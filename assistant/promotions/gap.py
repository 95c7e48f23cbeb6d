"""The free-shipping gap and the product that closes it.

The candidates come from the site's catalog index: its in-stock products sorted by price once per
index and stock (SKU order among equal prices), cut to the gap's band with a binary search, so a
request reads no product table and builds a product view only for the at most POOL candidates.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from assistant.catalog.index import CatalogIndex, ProductView
from assistant.catalog.models import Product
from assistant.promotions.snapshot import VisitorSnapshot

BAND = 2
"""A product costing up to BAND times the gap still closes it well; within that band, fit beats price."""
POOL = 30


Shown = Product | ProductView
"""A stored product (tests, scripts) or the catalog index's view of one (requests)."""


@dataclass(frozen=True)
class GapPick:
    """The product that closes the gap, the gap it closes and by how much it overshoots (minor units)."""

    product: Shown
    gap_minor: int
    over_minor: int


def free_shipping_gap(cart_value_minor: int, threshold_minor: int | None) -> int:
    """What is missing to free shipping (0 when reached or when the shop has no threshold)."""
    if threshold_minor is None:
        return 0
    return max(0, threshold_minor - cart_value_minor)


def available(product: Shown) -> bool:
    """Whether a product can be bought now."""
    return product.in_stock and (product.stock is None or product.stock > 0)


def gap_product(*, candidates: Sequence[Shown], gap: int, snapshot: VisitorSnapshot) -> GapPick | None:
    """The in-stock product not in the cart that closes `gap` best: the cheapest at or above it, and
    among those within BAND times the gap, the one fitting the visitor's quiz answers and views most."""
    if gap <= 0:
        return None
    fits = [p for p in candidates if available(p) and p.price_minor >= gap and p.sku not in snapshot.cart_skus]
    if not fits:
        return None
    near = [p for p in fits if p.price_minor <= BAND * gap]
    if near:
        best = min(near, key=lambda p: (-relevance(p, snapshot), p.price_minor, p.sku))
    else:
        best = min(fits, key=lambda p: (p.price_minor, -relevance(p, snapshot), p.sku))
    return GapPick(best, gap, best.price_minor - gap)


def relevance(product: Shown, snapshot: VisitorSnapshot) -> int:
    """How well a product fits what the visitor told (quiz answers) and did (views, cart categories)."""
    answers = {str(v) for flow in snapshot.quiz.values() for value in flow.values() for v in _listed(value)}
    values = {str(v) for value in product.attributes.values() for v in _listed(value)}
    score = len(answers & values)
    score += 2 if product.sku in snapshot.viewed_skus else 0
    score += 1 if snapshot.cart_categories.intersection(product.categories) else 0
    return score


def gap_candidates(*, index: CatalogIndex, gap: int) -> list[Shown]:
    """In-stock products of the index priced within the band above `gap` (at most POOL, cheapest first,
    then by SKU), or else the POOL cheapest above the band."""
    order, prices = by_price(index)
    start = int(np.searchsorted(prices, gap, side="left"))
    end = int(np.searchsorted(prices, BAND * gap, side="right"))
    chosen = order[start:min(end, start + POOL)] if end > start else order[end:end + POOL]
    return [index.product(int(position)) for position in chosen]


def by_price(index: CatalogIndex) -> tuple[np.ndarray, np.ndarray]:
    """The positions of the index's in-stock products, cheapest first (SKU order among equal prices), and
    their prices; worked out once per index and stock."""
    def make() -> tuple[np.ndarray, np.ndarray]:
        stocked = np.flatnonzero(index.in_stock)
        order = stocked[np.argsort(index.price_minor[stocked], kind="stable")]
        return order, index.price_minor[order]
    return index.cached(("stock", "gap prices"), make)  # a tuple key: `with_stock` drops it


def _listed(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]
