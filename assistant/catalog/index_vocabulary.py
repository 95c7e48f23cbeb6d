"""The vocabulary of a catalog index: attribute names, values and how often, counted from the codes.

It is `service.vocabulary` of the index's products (out of stock included) without a product
object: a product's value is counted once per code, so the cost is one `bincount` per attribute and
a pass over the distinct values. Values come in the order of their first product, as when the
products are walked in SKU order, and values Python holds equal (1, 1.0, True) are one entry.
`categories` stays empty: nothing reads it, and the index only has them inside the `category`
attribute (which a product without categories may carry as a free-form attribute).
"""

from __future__ import annotations

from collections import Counter

import numpy as np

from assistant.catalog.index import CatalogIndex, Column
from assistant.catalog.service import Vocabulary


def vocabulary_of(index: CatalogIndex) -> Vocabulary:
    """Count attribute names, values and categories over every product of `index` (remembered per index)."""
    return index.cached("vocabulary", lambda: _count(index))


def _count(index: CatalogIndex) -> Vocabulary:
    vocab = Vocabulary(total=index.size)
    for name, column in index.columns.items():
        counts = np.bincount(column.codes[column.codes >= 0], minlength=len(column.values))
        vocab.present[name] = int(counts.sum())
        if any(isinstance(v, (int, float)) and not isinstance(v, bool) for v in column.values):
            vocab.numeric.add(name)
        vocab.values[name] = _item_counts(column, counts)
    return vocab


def _item_counts(column: Column, counts: np.ndarray) -> Counter:
    """How many products have each value (each item of a list value counts on its own)."""
    found: Counter = Counter()
    for value, count in zip(column.values, counts.tolist(), strict=True):
        for item in value if isinstance(value, list) else [value]:
            found[item] += count
    return found
