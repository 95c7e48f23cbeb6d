"""The catalog as the recommender serves it: a snapshot taken at training, plus stock refreshed every few seconds.

Serving a strip then needs no database query for products at all: titles, prices and attributes
come from the bundle (changes show after the next `assistant train`), and stock, which changes all
day, from one small indexed query per process every STOCK_SECONDS.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlmodel import Session

from assistant.catalog.money import to_major
from assistant.catalog.service import testable_attributes
from assistant.sites.models import Site

STOCK_SECONDS = 30.0
_SPACE = re.compile(r"[ \t\n\r]*")


@dataclass(frozen=True)
class CatalogItem:
    """What a recommendation strip shows of a product, and the attributes rules test."""

    sku: str
    title: str
    url: str
    image: str
    price: float
    currency: str
    categories: tuple[str, ...]
    rating: float | None
    attrs: dict[str, Any]
    popularity: float = 0.0
    """The catalog's own popularity figure, as the quiz engine ranks by it."""

    def public(self) -> dict[str, Any]:
        """The product as the widget receives it (the ProductPublic shape)."""
        return {"sku": self.sku, "title": self.title, "url": self.url, "image": self.image, "price": self.price,
                "currency": self.currency, "categories": list(self.categories), "rating": self.rating}

    @cached_property
    def public_json(self) -> str:
        """:meth:`public` as compact JSON with sorted keys, encoded once: every strip shows a few of these."""
        return json.dumps(self.public(), sort_keys=True, separators=(",", ":"))


def snapshot_rows(session: Session, site: Site) -> list[dict[str, Any]]:
    """Every product of the site as plain data, for the bundle's catalog.json."""
    rows = session.execute(text(
        "SELECT sku, title, url, image, price_minor, currency, categories, rating, attributes, description, "
        "popularity FROM product WHERE site_id = :site"), {"site": site.pk}).all()
    return [{"sku": r[0], "title": r[1], "url": r[2], "image": r[3], "price": to_major(r[4], r[5]), "currency": r[5],
             "categories": _json(r[6]), "rating": r[7], "attributes": _json(r[8]), "description": r[9],
             "popularity": r[10]} for r in rows]


def write_snapshot(path: Path, rows: list[dict[str, Any]]) -> None:
    """Write the catalog rows as JSON (descriptions are for training only)."""
    path.write_text(json.dumps([{k: v for k, v in row.items() if k != "description"} for row in rows],
                               separators=(",", ":")))


def load_snapshot(path: Path) -> dict[str, CatalogItem]:
    """Catalog items by SKU from a bundle's catalog.json."""
    items = {}
    for row in json_array(path.read_text()):
        attrs = testable_attributes(row["attributes"], row["price"], row["rating"], row["categories"])
        items[row["sku"]] = CatalogItem(row["sku"], row["title"], row["url"], row["image"], row["price"],
                                        row["currency"], tuple(row["categories"]), row["rating"], attrs,
                                        row.get("popularity") or 0.0)  # older bundles have none
    return items


def json_array(document: str) -> Iterator[Any]:
    """The elements of the JSON array `document`, decoded one at a time; ValueError if it is not one.

    `json.loads` of a whole snapshot (18 MB at 100,000 products) is one call that holds the GIL for
    0.3 s: a bundle loaded in a background thread would stall the requests served meanwhile as long.
    Element by element, the interpreter lets other threads in between.
    """
    decode, skip = json.JSONDecoder().raw_decode, _skip
    at = skip(document, 0)
    if document[at:at + 1] != "[":
        raise ValueError("not a JSON array")
    at = skip(document, at + 1)
    if document[at:at + 1] == "]":
        at += 1
    else:
        while True:
            element, at = decode(document, at)
            yield element
            at = skip(document, at)
            separator = document[at:at + 1]
            at = skip(document, at + 1)
            if separator == "]":
                break
            if separator != ",":
                raise ValueError(f"expected ',' or ']' at character {at}")
    if skip(document, at) != len(document):
        raise ValueError(f"extra data at character {at}")


def _skip(document: str, at: int) -> int:
    """The first position from `at` that is not JSON whitespace."""
    found = _SPACE.match(document, at)
    return found.end() if found else at


class StockCache:
    """Out-of-stock SKUs per site, re-read at most every `ttl` seconds (an index range on in_stock)."""

    def __init__(self, ttl: float = STOCK_SECONDS) -> None:
        self.ttl = ttl
        self._sold_out: dict[int, tuple[float, frozenset[str]]] = {}
        self._lock = threading.Lock()

    def cached(self, site: Site) -> frozenset[str] | None:
        """The site's sold-out SKUs if read less than `ttl` seconds ago, else None: no database needed."""
        entry = self._sold_out.get(site.pk)
        return entry[1] if entry and entry[0] > time.monotonic() else None

    def sold_out(self, *, session: Session, site: Site) -> frozenset[str]:
        """SKUs of the site that are out of stock (or no longer exist in the catalog's active set)."""
        cached = self.cached(site)
        if cached is not None:
            return cached
        now = time.monotonic()
        skus = frozenset(session.execute(text("SELECT sku FROM product WHERE site_id = :site AND in_stock = :no"),
                                         {"site": site.pk, "no": False}).scalars())
        with self._lock:
            self._sold_out[site.pk] = (now + self.ttl, skus)
        return skus


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value
