"""The fast way from a plain source row to its column values: the rows most files are made of.

`ColumnMapping.values` would validate each row by building its field dict and a ProductIn, which
cost more than writing the row. For a row whose cells are plain text (and whose attribute cells
are text, numbers, flags or lists of text) and within ProductIn's limits, `QuickRows` takes the
same steps without building either, and remembers the JSON of repeated category and attribute
cells (a catalog repeats its brands, colours and sizes). Anything else, every bad row included,
is None here and goes the long way, which decides and words the error;
tests/catalog/test_mapping_values.py holds the two ways to the same answers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from assistant.catalog.cells import RowProblem, attribute_value, categories, price_minor, stock
from assistant.catalog.money import exponent
from assistant.catalog.values import Values, to_json

_CENTS = re.compile(r"(\d{1,15})(?:\.(\d{1,2}))?")
_WHOLE = re.compile(r"\d{1,15}")
_DECIMAL = re.compile(r"-?\d{1,15}(?:\.\d{1,15})?")
_PLAIN = frozenset({str, int, float, bool})
_REMEMBERED = 4096
"""Distinct cells remembered per column: enough for brands and sizes, bounded for free text."""


@dataclass
class QuickRows:
    """The fast way for the rows of one file's columns (see the module's docstring)."""

    required: tuple[str, str, str]
    """The columns of sku, title and price."""
    optional: tuple[str | None, ...]
    """The columns of description, url, image, currency, categories, stock, rating (None: no column)."""
    currency: str
    separator: str
    path_separator: str
    named: tuple[tuple[str, str], ...]
    """(attribute, column) of the mapping's own attributes."""
    others: tuple[tuple[str, str], ...]
    """(column, attribute) of the other columns that become attributes."""
    price_locale: str | None = None
    """How the feed writes numbers (a mapping's `price_locale:`); None: only what every locale reads alike."""
    _categories: dict[str, str] = field(default_factory=dict)
    _fragments: list[tuple[str, str, dict[str, str | None]]] = field(default_factory=list)

    def __post_init__(self) -> None:
        keys = [key for _, key in self.others]
        if not self.named and len(set(keys)) == len(keys):  # then each cell is a fragment of the JSON object
            self._fragments = [(column, to_json(key) + ": ", {}) for column, key in self.others]

    def values(self, raw: dict[str, Any]) -> tuple[str, Values] | None:
        """(SKU, column values) of a plain row, or None for the long way."""
        try:
            sku, title, price = [raw[column].strip() for column in self.required]
            description, url, image, currency, categories, count, rating = [
                raw[column].strip() if column else "" for column in self.optional]
        except AttributeError:  # a cell that is not text: None, a number, a list
            return None
        currency = (currency or self.currency).upper()
        if not (0 < len(sku) <= 128 and 0 < len(title) <= 500 and len(url) <= 2000 and len(image) <= 2000
                and len(currency) == 3):
            return None
        minor, whole, score = _price(price, currency, self.price_locale), _stock(count), _rating(rating)
        attributes = self._attributes_json(raw)
        if minor is None or whole is False or score is False or attributes is None:
            return None
        return sku, (title, description, url, image, currency, whole, score, minor,
                     self._categories_json(categories), attributes)

    def _categories_json(self, cell: str) -> str:
        found = self._categories.get(cell)
        if found is None:
            found = to_json(categories(cell, self.separator, self.path_separator))
            if len(self._categories) < _REMEMBERED:
                self._categories[cell] = found
        return found

    def _attributes_json(self, raw: dict[str, Any]) -> str | None:
        """The attributes' JSON text, or None when a value is of a type ProductIn would change or refuse."""
        if not self._fragments:
            return self._attributes_by_dict(raw)
        parts = []
        for column, key, remembered in self._fragments:
            cell = raw[column]
            if type(cell) is not str:
                return self._attributes_by_dict(raw)
            fragment = remembered.get(cell, "")  # "" is never a fragment: None is an empty cell
            if fragment == "":
                fragment = key + to_json(attribute_value(cell, self.separator)) if cell else None
                if len(remembered) < _REMEMBERED:
                    remembered[cell] = fragment
            if fragment is not None:
                parts.append(fragment)
        return "{" + ", ".join(parts) + "}"

    def _attributes_by_dict(self, raw: dict[str, Any]) -> str | None:
        """`ColumnMapping._attributes` for plain columns, as JSON text; None for a value ProductIn would not keep."""
        attributes: dict[str, Any] = {}
        for name, column in self.named:
            value = raw.get(column)
            if value is not None and value != "":
                attributes[name] = attribute_value(value, self.separator)
        for column, key in self.others:
            value = raw[column]
            if key not in attributes and value is not None and value != "":
                attributes[key] = attribute_value(value, self.separator)
        for value in attributes.values():
            kind = type(value)
            if kind not in _PLAIN and not (kind is list and all(type(v) is str for v in value)):
                return None
        return to_json(attributes)


def _price(text: str, currency: str, locale: str | None) -> int | None:
    """`price_minor` of a stripped text, or None when it is not a price."""
    match = _CENTS.fullmatch(text) if locale is None else None  # "89.90": any locale but the feed's may differ
    if match and exponent(currency) == 2:
        return int(match[1]) * 100 + int((match[2] or "").ljust(2, "0"))
    try:
        return price_minor(text, currency, locale)
    except RowProblem:
        return None


def _stock(text: str) -> int | None | bool:
    """`stock` of a stripped text, or False when it is not a stock."""
    if not text:
        return None
    if _WHOLE.fullmatch(text):
        return int(text)
    try:
        return stock(text)
    except RowProblem:
        return False


def _rating(text: str) -> float | None | bool:
    """The rating ProductIn makes of a stripped text, or False when the long way should decide."""
    if not text:
        return None
    return float(text) if _DECIMAL.fullmatch(text) else False

