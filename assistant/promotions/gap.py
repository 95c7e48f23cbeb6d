"""The free-shipping gap and the product that closes it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, col, select

from assistant.catalog.models import Product
from assistant.promotions.snapshot import VisitorSnapshot
from assistant.sites.models import Site

BAND = 2
"""A product costing up to BAND times the gap still closes it well; within that band, fit beats price."""
POOL = 30


@dataclass(frozen=True)
class GapPick:
    """The product that closes the gap, the gap it closes and by how much it overshoots (minor units)."""

    product: Product
    gap_minor: int
    over_minor: int


def free_shipping_gap(cart_value_minor: int, threshold_minor: int | None) -> int:
    """What is missing to free shipping (0 when reached or when the shop has no threshold)."""
    if threshold_minor is None:
        return 0
    return max(0, threshold_minor - cart_value_minor)


def available(product: Product) -> bool:
    """Whether a product can be bought now."""
    return product.in_stock and (product.stock is None or product.stock > 0)


def gap_product(*, candidates: Sequence[Product], gap: int, snapshot: VisitorSnapshot) -> GapPick | None:
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


def relevance(product: Product, snapshot: VisitorSnapshot) -> int:
    """How well a product fits what the visitor told (quiz answers) and did (views, cart categories)."""
    answers = {str(v) for flow in snapshot.quiz.values() for value in flow.values() for v in _listed(value)}
    values = {str(v) for value in product.attributes.values() for v in _listed(value)}
    score = len(answers & values)
    score += 2 if product.sku in snapshot.viewed_skus else 0
    score += 1 if snapshot.cart_categories.intersection(product.categories) else 0
    return score


def gap_candidates(*, session: Session, site: Site, gap: int) -> list[Product]:
    """In-stock products of the site priced within the band above `gap` (at most POOL, cheapest first),
    or else the cheapest one above the band."""
    base = select(Product).where(Product.site_id == site.id, col(Product.in_stock).is_(True))
    near = base.where(Product.price_minor >= gap, Product.price_minor <= BAND * gap)
    found = [p for p in session.exec(near.order_by(col(Product.price_minor), col(Product.sku)).limit(POOL))
             if available(p)]
    if found:
        return found
    above = base.where(Product.price_minor > BAND * gap).order_by(col(Product.price_minor), col(Product.sku))
    return [p for p in session.exec(above.limit(POOL)) if available(p)]


def _listed(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]
