"""A product row as an import writes it: its SKU and a tuple of column values, JSON columns as text."""

from __future__ import annotations

import json
from json.encoder import c_make_encoder, encode_basestring_ascii  # type: ignore[attr-defined]
from typing import Any

from assistant.catalog.models import ProductIn

VALUE_COLUMNS = ("title", "description", "url", "image", "currency", "stock", "rating", "price_minor",
                 "categories", "attributes")
"""What an import row sets, in the order of a `Values` tuple; `sku` is the key."""
JSON_AT = VALUE_COLUMNS.index("categories")
STOCK_AT = VALUE_COLUMNS.index("stock")

Values = tuple[Any, ...]


def values_of(item: ProductIn) -> Values:
    """A validated row's VALUE_COLUMNS."""
    return (item.title, item.description, item.url, item.image, item.currency, item.stock, item.rating,
            item.price_minor, to_json(item.categories), to_json(item.attributes))


def _encoder() -> Any:
    """`json.dumps` with its default arguments, minus the setup it repeats on every call (when C speedups exist)."""
    if c_make_encoder is None:
        return json.dumps
    encode = c_make_encoder(None, None, encode_basestring_ascii, None, ": ", ", ", False, False, True)
    return lambda value: "".join(encode(value, 0))


to_json = _encoder()
"""The JSON text SQLAlchemy's JSON type writes for `value` (it calls `json.dumps`), so stored text compares equal."""
