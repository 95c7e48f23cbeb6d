"""What a reminder shows: the cart's lines and the recommended products, as plain values with absolute links.

Products are read from the site's catalog index (built once per process and catalog version, the one the
quiz uses), so a job composing thousands of reminders queries no product table per basket. Recommended
products come from the recommend service's "cart" placement over the site's trained bundle; without a
bundle (or when it finds too few) the catalog's most popular products in stock fill in. Neither ever
repeats an item of the cart.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import numpy as np
from sqlalchemy.engine import Engine
from sqlmodel import Session

from assistant.catalog.index import CatalogIndex, ProductView
from assistant.catalog.indexes import CatalogIndexes
from assistant.catalog.money import MAX_MINOR, format_price, to_minor
from assistant.recommend.service import PLACEMENTS, recommend_for
from assistant.recommend.serving import ModelStore
from assistant.recommend.shopper import Shopper
from assistant.recommend.wording import N_, Words
from assistant.sites.models import Site

MAX_LINES = 20
"""Cart lines an e-mail lists; more are summed up as 'and N more'."""
MAX_TEXT = 300
"""Longest title or reason an e-mail shows (the sandbox prints no text over 1,000 characters)."""
MAX_URL = 1000
POPULAR_REASON = N_("Popular in our shop")

MAX_SITES = 256
_INDEXES: weakref.WeakKeyDictionary[Engine, dict[tuple[Any, ...], CatalogIndexes]] = weakref.WeakKeyDictionary()
_STORES: dict[Path, ModelStore] = {}


@dataclass(frozen=True)
class Line:
    """One product as the e-mail shows it: texts ready to print, links absolute (or empty)."""

    sku: str
    title: str
    url: str
    image: str
    price_minor: int
    price: str
    quantity: int = 1
    line_total: str = ""
    reason: str = ""

    def variables(self) -> dict[str, Any]:
        """The product as a template sees it."""
        return {"sku": self.sku, "title": self.title, "url": self.url, "image": self.image, "price": self.price,
                "quantity": self.quantity, "line_total": self.line_total, "reason": self.reason}


def catalog_of(session: Session, site: Site) -> CatalogIndex:
    """The site's catalog index, kept for this process and refreshed when the catalog changes.

    Kept per engine and per site row (its id, key and creation time), so a site deleted and made again
    under the same id (SQLite reuses ids) never gets the index of the one before.
    """
    bind = session.get_bind()
    engine = bind if isinstance(bind, Engine) else bind.engine
    kept = _INDEXES.setdefault(engine, {})
    key = (site.pk, site.key, site.created_at)
    indexes = kept.get(key)
    if indexes is None:
        if len(kept) >= MAX_SITES:
            kept.clear()
        indexes = kept[key] = CatalogIndexes(engine, check_seconds=0.0, background=False)
    return indexes.get(site.pk)


def model_store(models_dir: Path) -> ModelStore:
    """One store of trained bundles per folder for this process."""
    store = _STORES.get(models_dir)
    if store is None:
        store = _STORES[models_dir] = ModelStore(models_dir)
    return store


def absolute(url: str, base_url: str) -> str:
    """`url` made absolute against `base_url` when it is a path; '' for anything but http(s) or too long."""
    url = (url or "").strip()
    if not url:
        return ""
    joined = urljoin(base_url.rstrip("/") + "/", url)
    parts = urlsplit(joined)
    if parts.scheme not in ("http", "https") or not parts.netloc or len(joined) > MAX_URL:
        return ""
    return joined


def short(text: str) -> str:
    """`text` on one line, at most MAX_TEXT characters."""
    flat = " ".join(str(text).split())
    return flat if len(flat) <= MAX_TEXT else flat[:MAX_TEXT - 1] + "…"


class Prices:
    """Formats minor units in the site's currency and price style."""

    def __init__(self, currency: str, locale: str) -> None:
        self.currency = currency
        self.locale = locale

    def text(self, minor: int) -> str:
        """'€12.50' or '12,50 €', as the site shows prices."""
        return format_price(minor, self.currency, self.locale)

    def minor(self, major: Any) -> int:
        """Major units (a cart line's price) in minor units; 0 when it is not a price."""
        try:
            return min(to_minor(major, self.currency), MAX_MINOR)
        except (TypeError, ValueError):
            return 0


def cart_lines(items: list[dict[str, Any]], catalog: CatalogIndex, prices: Prices, base_url: str) -> list[Line]:
    """The basket's lines with the catalog's title and image (a product gone from it keeps its SKU as title)."""
    lines = []
    for item in items:
        sku = str(item.get("sku") or "") if isinstance(item, dict) else ""
        if not sku:
            continue
        quantity = _quantity(item.get("quantity"))
        unit = prices.minor(item.get("price", 0))
        product = _product(catalog, sku)
        title = product.title if product is not None else sku
        url = product.url if product is not None else ""
        image = product.image if product is not None else ""
        lines.append(Line(sku, short(title), absolute(url, base_url), absolute(image, base_url), unit,
                          prices.text(unit), quantity, prices.text(min(unit * quantity, MAX_MINOR))))
    return lines


def recommended(*, catalog: CatalogIndex, models: ModelStore | None, site_key: str, cart: list[str], n: int,
                prices: Prices, base_url: str, words: Words | None = None) -> list[Line]:
    """Up to `n` products for the cart with their reasons: the "cart" placement, then popular products in stock;
    the reasons in the e-mail's language when `words` has one (recommend/wording.py), else English."""
    if n <= 0:
        return []
    sold_out = _sold_out(catalog)
    picks: list[Line] = []
    bundle = models.bundle(site_key) if models is not None else None
    if bundle is not None:
        result = recommend_for(bundle=bundle, placement=PLACEMENTS["cart"], shopper=Shopper.on_page(cart=cart,
                               product=None), n=n, sold_out=sold_out, currency=prices.currency)
        for item, reason in result.items:  # shown as the catalog has it now (the bundle's copy is from training)
            product = _product(catalog, item.sku)
            shown = product if product is not None else item
            minor = int(product.price_minor) if product is not None else prices.minor(item.price)
            picks.append(Line(item.sku, short(shown.title), absolute(shown.url, base_url),
                              absolute(shown.image, base_url), minor, prices.text(minor),
                              reason=short((words.reason(reason) if words else reason).text)))
    taken = set(cart) | {line.sku for line in picks}
    for position in _popular(catalog):
        if len(picks) >= n:
            break
        product = catalog.product(int(position))
        if product.sku in taken:
            continue
        taken.add(product.sku)
        picks.append(Line(product.sku, short(product.title), absolute(product.url, base_url),
                          absolute(product.image, base_url), product.price_minor, prices.text(product.price_minor),
                          reason=words.text(POPULAR_REASON) if words else POPULAR_REASON))
    return picks[:n]


def _quantity(value: Any) -> int:
    try:
        return max(1, min(int(value), 9999))
    except (TypeError, ValueError):
        return 1


def _product(catalog: CatalogIndex, sku: str) -> ProductView | None:
    found = catalog.positions([sku])
    return catalog.product(int(found[0])) if len(found) else None


def _sold_out(catalog: CatalogIndex) -> frozenset[str]:
    def make() -> frozenset[str]:
        return frozenset(catalog.skus[i] for i in np.flatnonzero(~catalog.in_stock))
    return catalog.cached(("stock", "baskets sold out"), make)  # type: ignore[no-any-return]


def _popular(catalog: CatalogIndex) -> np.ndarray:
    """Products in stock, most popular first (the index's own tie order), worked out once per index and stock."""
    def make() -> np.ndarray:
        in_stock = np.flatnonzero(catalog.in_stock)
        return in_stock[np.argsort(catalog.tie_rank[in_stock], kind="stable")][:200]
    return catalog.cached(("stock", "baskets popular"), make)  # type: ignore[no-any-return]
