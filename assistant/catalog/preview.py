"""What an import would store, without storing it: the first products and each attribute's coverage (--dry-run)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from assistant.catalog.importers import Row, RowError
from assistant.catalog.mapping import ColumnMapping, RowProblem
from assistant.catalog.models import ProductIn

DISTINCT_LIMIT = 1000
"""Distinct values counted per attribute; past it the count reads "1000+" (free text would grow without end)."""


@dataclass
class Coverage:
    """How many rows have an attribute, and the distinct values (list items counted one by one) among them."""

    rows: int = 0
    distinct: set[str] = field(default_factory=set)

    def add(self, value: Any) -> None:
        """Count one row's value."""
        self.rows += 1
        for item in value if isinstance(value, list) else [value]:
            if len(self.distinct) < DISTINCT_LIMIT:
                self.distinct.add(json.dumps(item, sort_keys=True))

    @property
    def distinct_text(self) -> str:
        """The number of distinct values, "1000+" past the limit."""
        count = len(self.distinct)
        return f"{count}+" if count >= DISTINCT_LIMIT else str(count)


@dataclass
class Preview:
    """An import's rows mapped and validated, nothing written."""

    rows: int = 0
    accepted: int = 0
    products: list[ProductIn] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    coverage: dict[str, Coverage] = field(default_factory=dict)


def preview(rows: Iterable[Row | RowError], mapping: ColumnMapping, *, first: int = 5) -> Preview:
    """Map and validate every row as an import would; keep the first `first` products and count attributes."""
    found = Preview()
    for row in rows:
        if isinstance(row, RowError):
            found.errors.append(row)
            if row.number == 0:
                break
            continue
        found.rows += 1
        try:
            product = mapping.apply(row.data)
        except RowProblem as exc:
            found.errors.append(RowError(row.number, exc.field, exc.reason))
            continue
        found.accepted += 1
        if len(found.products) < first:
            found.products.append(product)
        for name, value in product.attributes.items():
            found.coverage.setdefault(name, Coverage()).add(value)
    return found


def stored(product: ProductIn) -> str:
    """A product as one line of JSON, its fields as the catalog would store them (empty ones left out)."""
    fields = {k: v for k, v in product.model_dump().items() if v not in (None, "", [], {})}
    return json.dumps(fields, ensure_ascii=False)
