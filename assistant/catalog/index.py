"""The catalog of one site in memory, column by column: what the quiz reads instead of the product table.

Products are held in SKU order (the order `list_products` reads them in), as NumPy arrays: price,
rating, popularity, stock, a tie-break rank, and per attribute one integer code per product into
the attribute's distinct values. A test of an attribute is then evaluated once per distinct value
(by the very predicate the flows use) and spread to every product with one gather. Titles, URLs
and images stay in one encoded buffer; a `Product` is built only for the few results returned.

An index is immutable once built; a change of the catalog builds a new one and a change of stock
only a new stock mask (`with_stock`), each swapped in whole by `CatalogIndexes`.
"""

from __future__ import annotations

import json
import math
from array import array
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
from sqlalchemy import text
from sqlalchemy.engine import Connection

from assistant.catalog.money import to_major
from assistant.catalog.service import testable_attributes
from assistant.catalog.versions import Versions, read_versions

MEMO_LIMIT = 1024
"""Cached masks per index (attribute tests of the live flows and rules); cleared whole when full."""
ANSWERS_BYTES = 32 * 2**20
"""Memory for the products matching recent answer sets, per index and stock; cleared whole when full."""
SHOWN_LIMIT = 8192
"""Products built for results, kept per index and stock; cleared whole when full."""
FETCH_ROWS = 5000
TWIN_IGNORES = ("price", "rating")
"""Attributes in which twins may differ: the same product sold at two prices is still the same product."""


@dataclass(frozen=True)
class ProductView:
    """A product of the index as results and messages show it: Product's fields, read-only, cheap to build."""

    id: int
    site_id: int
    sku: str
    title: str
    url: str
    image: str
    currency: str
    price_minor: int
    categories: list[str]
    rating: float | None
    popularity: float
    in_stock: bool
    attributes: dict[str, Any]
    stock: int | None = None

    @property
    def price(self) -> float:
        """Price in major units."""
        return to_major(self.price_minor, self.currency)

    @cached_property
    def public_json(self) -> str:
        """The product as the widget sees it (ProductPublic's fields) in compact JSON with sorted keys, encoded once:
        views are kept per index, and results show the same few over and over."""
        return json.dumps({"categories": self.categories, "currency": self.currency, "image": self.image,
                           "price": self.price, "rating": self.rating, "sku": self.sku, "title": self.title,
                           "url": self.url}, separators=(",", ":"))


class Column:
    """One attribute: a code per product (-1: the product lacks it) into the distinct values."""

    __slots__ = ("name", "values", "codes", "_numbers")

    def __init__(self, name: str, values: list[Any], codes: np.ndarray) -> None:
        self.name = name
        self.values = values
        self.codes = codes
        self._numbers: tuple[np.ndarray, np.ndarray] | None = None

    def where(self, predicate: Callable[[Any], bool]) -> np.ndarray:
        """Products whose value passes `predicate` (None is what a product without the attribute has)."""
        return self.per_value(predicate)[self.codes]  # code -1 picks the appended "missing" entry

    def per_value(self, predicate: Callable[[Any], bool]) -> np.ndarray:
        """`predicate` of each distinct value, then of None (a product without the attribute): spread to the
        products by indexing with `codes`."""
        hits = np.fromiter((predicate(v) for v in self.values), dtype=bool, count=len(self.values))
        return np.append(hits, predicate(None))

    def value_numbers(self) -> np.ndarray:
        """Each distinct value as a float (NaN: not a number; booleans and lists are not), then NaN for a
        product without the attribute: spread to the products by indexing with `codes`."""
        return np.array([float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else math.nan
                         for v in self.values] + [math.nan], dtype=np.float64)

    def numbers(self) -> tuple[np.ndarray, np.ndarray]:
        """(value as float, whether it is a number) per product; booleans and lists are not numbers."""
        if self._numbers is None:
            floats = self.value_numbers()
            self._numbers = floats[self.codes], ~np.isnan(floats)[self.codes]
        return self._numbers


@dataclass(frozen=True)
class CatalogIndex:
    """One site's products as arrays, in SKU order."""

    site_id: int
    versions: Versions
    ids: np.ndarray
    skus: list[str]
    price_minor: np.ndarray
    currency: list[str]
    rating: np.ndarray
    """NaN where the product has no rating."""
    popularity: np.ndarray
    in_stock: np.ndarray
    tie_rank: np.ndarray
    """Each product's place in the order equal scores (and equal fit) are shown in: higher popularity, then
    higher rating (none as 0), then title in code point order, then SKU. Worked out when the index is
    built, not on a shopper's request."""
    twins: np.ndarray
    """A number per product shared by the products with the same title and attributes (TWIN_IGNORES aside):
    results show one of them."""
    columns: dict[str, Column]
    display: bytes
    offsets: np.ndarray
    memo: dict[Any, Any]
    shown: dict[int, ProductView] = field(default_factory=dict)
    answered: dict[Any, Any] = field(default_factory=dict)

    @property
    def size(self) -> int:
        """How many products the site has, in stock or not."""
        return len(self.skus)

    def cached(self, key: Any, make: Callable[[], Any]) -> Any:
        """`make()`, remembered under `key` for the life of this index (tuple keys whose first item is "stock":
        for the life of its stock)."""
        found = self.memo.get(key)
        return self.remember(key, make()) if found is None else found

    def remember(self, key: Any, value: Any) -> Any:
        """Keep `value` under `key` (the memo is bounded: when full, it starts again); returns `value`."""
        if len(self.memo) >= MEMO_LIMIT:
            self.memo.clear()
        self.memo[key] = value
        return value

    def per_answers(self, key: Any, owner: object, make: Callable[[], np.ndarray]) -> np.ndarray:
        """`make()`, products (positions or a mask) remembered under `key` while they fit in ANSWERS_BYTES (apart
        from the masks: thousands of shoppers' answer sets must not push out what every request needs).

        `owner` is the object they were worked out for (a flow): another object under the same key
        (an edited flow) works them out afresh.
        """
        kept = self.answered.get(key)
        if kept is not None and kept[0] is owner:
            return kept[1]
        found = make()
        found = found.astype(np.int32) if found.dtype == np.int64 else found
        held = self.answered.setdefault(_HELD, 0) + found.nbytes
        if held > ANSWERS_BYTES:
            self.answered.clear()
            held = found.nbytes
        self.answered[_HELD] = held
        self.answered[key] = (owner, found)
        return found

    def column(self, name: str) -> Column | None:
        """The attribute `name` (price, rating and category included), if any product has it."""
        return self.columns.get(name)

    def attrs(self, position: int) -> dict[str, Any]:
        """The attributes of one product as flows and rules test them."""
        return {name: col.values[code] for name, col in self.columns.items() if (code := col.codes[position]) >= 0}

    def product(self, position: int) -> ProductView:
        """One product as results show it (built once per index and stock, for the products shown)."""
        found = self.shown.get(position)
        if found is None:
            if len(self.shown) >= SHOWN_LIMIT:
                self.shown.clear()
            found = self.shown[position] = self._product(position)
        return found

    def _product(self, position: int) -> ProductView:
        title, url, image, categories = json.loads(self.display[self.offsets[position]:self.offsets[position + 1]])
        rating = self.rating[position]
        attrs = {k: v for k, v in self.attrs(position).items() if k not in ("price", "rating", "category")}
        return ProductView(int(self.ids[position]), self.site_id, self.skus[position], title, url, image,
                           self.currency[position], int(self.price_minor[position]), categories,
                           None if math.isnan(rating) else float(rating), float(self.popularity[position]),
                           bool(self.in_stock[position]), attrs)

    def positions(self, skus: Iterable[str]) -> np.ndarray:
        """Positions of the given SKUs that the catalog has."""
        by_sku = self.cached("sku positions", lambda: {sku: i for i, sku in enumerate(self.skus)})
        return np.array([p for s in skus if (p := by_sku.get(s)) is not None], dtype=np.int64)

    def with_stock(self, in_stock: np.ndarray, versions: Versions) -> CatalogIndex:
        """The same catalog with other stock; masks that do not depend on stock are shared."""
        memo = {k: v for k, v in self.memo.items() if not (isinstance(k, tuple) and k[:1] == ("stock",))}
        return CatalogIndex(self.site_id, versions, self.ids, self.skus, self.price_minor, self.currency,
                            self.rating, self.popularity, in_stock, self.tie_rank, self.twins, self.columns,
                            self.display, self.offsets, memo)


_SELECT = ("SELECT id, sku, title, url, image, price_minor, currency, categories, rating, attributes, popularity, "
           "in_stock FROM product WHERE site_id = :site ORDER BY sku")


def build_index(connection: Connection, site_id: int) -> CatalogIndex:
    """Read the site's products once, streaming, into a new index."""
    versions = read_versions(connection, site_id)
    rows = connection.execute(text(_SELECT), {"site": site_id},  # options for this statement, not the connection
                              execution_options={"stream_results": True, "yield_per": FETCH_ROWS})
    return index_of_rows(site_id, rows, versions)


def index_of_rows(site_id: int, rows: Iterable[tuple[Any, ...]], versions: Versions | None = None) -> CatalogIndex:
    """An index of product rows as the product query returns them (id, sku, title, url, image, price_minor,
    currency, categories, rating, attributes, popularity, in_stock), already in SKU order."""
    return _Builder(site_id).add_all(rows).finish(versions or Versions())


def stock_mask(connection: Connection, index: CatalogIndex) -> np.ndarray:
    """Which of the index's products are in stock now (products added since then are not in the index)."""
    sold_out = np.fromiter(connection.execute(
        text("SELECT id FROM product WHERE site_id = :site AND in_stock = :no"),
        {"site": index.site_id, "no": False}).scalars(), dtype=np.int64)
    order = np.argsort(index.ids)
    found = np.searchsorted(index.ids, sold_out, sorter=order)
    found = found[found < len(order)]
    positions = order[found]
    positions = positions[np.isin(index.ids[positions], sold_out)]
    mask = np.ones(index.size, dtype=bool)
    mask[positions] = False
    return mask


class _Builder:
    """Accumulates rows into growing lists and interned attribute codes, then freezes them into arrays."""

    def __init__(self, site_id: int) -> None:
        self.site_id = site_id
        self.ids: list[int] = []
        self.skus: list[str] = []
        self.price_minor: list[int] = []
        self.currency: list[str] = []
        self.rating: list[float] = []
        self.popularity: list[float] = []
        self.in_stock: list[bool] = []
        self.titles: list[str] = []
        self.display: list[bytes] = []
        self.interned: dict[str, dict[Any, int]] = {}
        self.values: dict[str, list[Any]] = {}
        self.codes: dict[str, array[int]] = {}
        self.currencies: dict[str, str] = {}

    def add_all(self, rows: Iterable[Any]) -> _Builder:
        """Add every row of the product query."""
        for row in rows:
            self.add(*row)
        return self

    def add(self, pk: int, sku: str, title: str, url: str, image: str, price_minor: int, currency: str,
            categories: Any, rating: float | None, attributes: Any, popularity: float | None, in_stock: Any) -> None:
        """Add one product row."""
        position = len(self.skus)
        categories, attributes = _json(categories), _json(attributes)
        self.ids.append(pk)
        self.skus.append(sku)
        self.price_minor.append(price_minor)
        self.currency.append(self.currencies.setdefault(currency, currency))
        self.rating.append(math.nan if rating is None else rating)
        self.popularity.append(popularity or 0.0)
        self.in_stock.append(bool(in_stock))
        self.titles.append(title)
        self.display.append(json.dumps([title, url, image, categories], separators=(",", ":")).encode())
        for name, value in testable_attributes(attributes, to_major(price_minor, currency), rating,
                                               categories).items():
            self._intern(name, value, position)

    def _intern(self, name: str, value: Any, position: int) -> None:
        table = self.interned.get(name)
        if table is None:
            table = self.interned[name] = {}
            self.values[name], self.codes[name] = [], array("i")
        key = value_key(value)
        code = table.get(key)
        if code is None:
            code = table[key] = len(self.values[name])
            self.values[name].append(value)
        codes = self.codes[name]
        if len(codes) < position:  # the products since this attribute was last seen lack it
            codes.extend(_MISSING * (position - len(codes)))
        codes.append(code)

    def finish(self, versions: Versions) -> CatalogIndex:
        """The index of everything added."""
        n = len(self.skus)
        columns = {}
        for name, codes in self.codes.items():
            codes.extend(_MISSING * (n - len(codes)))
            columns[name] = Column(name, self.values[name], np.frombuffer(codes, dtype=np.int32).copy())
        rating = np.array(self.rating, dtype=np.float64)
        lengths = np.fromiter((len(d) for d in self.display), dtype=np.int64, count=n)
        offsets = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(lengths, out=offsets[1:])
        popularity = np.array(self.popularity, dtype=np.float64)
        ranks = {title: rank for rank, title in enumerate(sorted(set(self.titles)))}
        title_rank = np.fromiter((ranks[t] for t in self.titles), dtype=np.int64, count=n)
        return CatalogIndex(
            self.site_id, versions, np.array(self.ids, dtype=np.int64), self.skus,
            np.array(self.price_minor, dtype=np.int64), self.currency, rating, popularity,
            np.array(self.in_stock, dtype=bool), _tie_rank(title_rank, popularity, rating),
            _twins(title_rank, columns), columns, b"".join(self.display), offsets, {})


def _tie_rank(title_rank: np.ndarray, popularity: np.ndarray, rating: np.ndarray) -> np.ndarray:
    """Each position's place by (-popularity, -(rating or 0), title, position): positions are in SKU order."""
    order = np.lexsort((np.arange(title_rank.size), title_rank, -np.nan_to_num(rating, nan=0.0), -popularity))
    rank = np.empty(title_rank.size, dtype=np.int64)
    rank[order] = np.arange(title_rank.size)
    return rank


def _twins(title_rank: np.ndarray, columns: dict[str, Column]) -> np.ndarray:
    """One number per distinct (title, attribute codes) row, TWIN_IGNORES aside."""
    keys = [title_rank, *(c.codes for name, c in sorted(columns.items()) if name not in TWIN_IGNORES)]
    order = np.lexsort(keys[::-1])  # equal rows side by side (np.unique(axis=0) took 5x as long at 1,000,000)
    starts = np.zeros(title_rank.size, dtype=bool)
    starts[:1] = True
    for key in keys:
        ordered = key[order]
        starts[1:] |= ordered[1:] != ordered[:-1]
    twins = np.empty(title_rank.size, dtype=np.int32)
    twins[order] = np.cumsum(starts) - 1
    return twins


_MISSING = array("i", [-1])
_HELD = object()
"""The key under which `answered` counts the bytes it holds."""


def value_key(value: Any) -> Any:
    """An interning key that keeps apart what Python's equality would merge (1, 1.0, True, '1')."""
    if isinstance(value, list):
        return ("list", tuple(value_key(v) for v in value))
    try:
        hash(value)
    except TypeError:
        return ("repr", repr(value))
    return (type(value).__name__, value)


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value
