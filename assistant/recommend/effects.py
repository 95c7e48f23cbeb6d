"""What merchandising rules do to each product of a placement, worked out once per product and remembered."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any, Generic, Protocol, TypeVar

from assistant.merchandising.rules import Rule
from assistant.merchandising.weights import rule_factors

P = TypeVar("P", bound="Attributed")


class Attributed(Protocol):
    """Anything with the attributes rules test (a catalog item)."""

    @property
    def attrs(self) -> dict[str, Any]:
        """Attribute name -> value."""
        ...


class Effects(Generic[P]):
    """What the boost, bury and exclude rules of one placement do to each product of a catalog, worked out once.

    Keep one per rules list and catalog: products are remembered by SKU.
    """

    def __init__(self, rules: Sequence[Rule], placement: str, catalog: Mapping[str, P]) -> None:
        self.active = tuple(r for r in rules if r.applies(placement) and r.action != "pin")
        self.max_factor = math.prod(max(1.0, r.factor) for r in self.active if r.action in ("boost", "bury"))
        """The most a product's weight can be multiplied by: every boost matched, no bury."""
        self.catalog = catalog
        self._known: dict[str, tuple[P, tuple[float, ...]] | None] = {}

    def of(self, sku: str) -> tuple[P, tuple[float, ...]] | None:
        """The catalog's product and the factors of the boost and bury rules it matches, in rule order.

        None when the catalog has no such product or an exclude rule matches it.
        """
        if sku in self._known:  # not try/except: most of a new bundle's first lookups miss, and raising is slow
            return self._known[sku]
        product = self.catalog.get(sku)
        factors = rule_factors(self.active, product.attrs) if product is not None else None
        found = (product, factors) if product is not None and factors is not None else None
        self._known[sku] = found
        return found
