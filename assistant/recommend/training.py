"""Train every strategy of a site from its events and catalog, and save a versioned bundle.

`assistant train` runs this offline (never in a shopper's request); the server loads the newest
bundle read-only (see serving.py). A bundle is a folder of .npz artifacts plus manifest.json;
`CURRENT` names the live one and is replaced atomically, so a reader never sees half a bundle.
"""

from __future__ import annotations

import json
import os
import secrets
import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import text
from sqlmodel import Session

from assistant.catalog.popularity import record_popularity, scaled
from assistant.recommend import artifacts
from assistant.recommend.base import Strategy
from assistant.recommend.catalog_view import snapshot_rows, write_snapshot
from assistant.recommend.ease import EASE
from assistant.recommend.interactions import Basket, Interactions
from assistant.recommend.popular import Popular, Trending
from assistant.recommend.recent import RecentlyViewed
from assistant.recommend.session_knn import SessionKNN
from assistant.recommend.settings import CHOSEN_COOCCURRENCE, CHOSEN_EASE, CHOSEN_SESSION
from assistant.recommend.similar import ContentSimilar
from assistant.recommend.together import CoOccurrence
from assistant.sites.models import Site
from assistant.timeutil import as_utc

KEEP_BUNDLES = 3
DAY = 86_400.0


def strategies() -> dict[str, Strategy]:
    """The strategies a bundle holds, with the settings the offline evaluation chose (settings.py)."""
    return {
        "session": SessionKNN(**CHOSEN_SESSION),
        "basket": EASE(**CHOSEN_EASE, max_items=3_000),  # the dense inverse grows with the square
        "together": CoOccurrence(**CHOSEN_COOCCURRENCE, max_neighbors=200),
        "trending": Trending(half_life_days=7.0),
        "popular": Popular(by_category=True),
        "recent": RecentlyViewed(),
    }


@dataclass
class TrainReport:
    """What a training run produced."""

    path: Path
    events: int
    sessions: int
    baskets: int
    products: int
    seconds: float


def train_site(*, session: Session, site: Site, root: Path, now: datetime, days: int = 90) -> TrainReport:
    """Fit every strategy on the last `days` of events and the catalog; make the bundle current; record each
    product's popularity (views and adds to cart) for the quiz, in the session's transaction."""
    started = time.perf_counter()
    since = now - timedelta(days=days)
    rows = snapshot_rows(session, site)
    catalog = _catalog(rows)
    views = _view_events(session, site, since)
    baskets = _baskets(session, site, since)
    models = strategies()
    categories = dict(zip(catalog["sku"], catalog["category"], strict=True))
    clicks = Interactions.from_arrays(*views, categories=categories)
    models["recent"].fit(clicks)  # answers from the shopper's own views: fitted even before the shop has any
    if len(views[0]):
        for name in ("session", "trending", "popular"):
            models[name].fit(clicks)
    if baskets:
        orders = Interactions.from_baskets(baskets)
        models["basket"].fit(orders)
        models["together"].fit(orders)
    similar = ContentSimilar().fit_catalog(item_ids=catalog["sku"], texts=catalog["text"], prices=catalog["price"],
                                           categories=catalog["category"])
    fitted = {name: model for name, model in {**models, "similar": similar}.items() if hasattr(model, "item_ids_")}
    path = _write_bundle(root / site.key, fitted, rows, now)
    skus, counts = np.unique(views[1], return_counts=True)
    record_popularity(session=session, site_id=site.pk, popularity=scaled(dict(zip(skus.tolist(), counts.tolist(),
                                                                                   strict=True))))
    return TrainReport(path, len(views[0]), len(set(views[0])), len(baskets), len(catalog["sku"]),
                       time.perf_counter() - started)


def _catalog(rows: list[dict]) -> dict[str, list]:
    columns: dict[str, list] = defaultdict(list)
    for row in sorted(rows, key=lambda r: r["sku"]):
        values = " ".join(" ".join(map(str, v)) if isinstance(v, list) else str(v) for v in row["attributes"].values())
        columns["sku"].append(row["sku"])
        columns["text"].append(f"{row['title']} {row['title']} {row['description']} {values}")
        columns["price"].append(row["price"])
        columns["category"].append(row["categories"][0] if row["categories"] else "")
    return columns


def _view_events(session: Session, site: Site, since: datetime) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rows = session.execute(text(
        "SELECT session_id, sku, occurred_at FROM event WHERE site_id = :site AND occurred_at >= :since "
        "AND type IN ('product_view', 'add_to_cart') AND sku IS NOT NULL AND session_id IS NOT NULL"),
        {"site": site.pk, "since": since}).all()
    if not rows:
        return np.array([], dtype=str), np.array([], dtype=str), np.array([], dtype=np.float64)
    sessions, skus, times = zip(*rows, strict=True)
    return (np.asarray(sessions).astype(str), np.asarray(skus, dtype=str),
            np.asarray([_seconds(t) for t in times], dtype=np.float64))


def _baskets(session: Session, site: Site, since: datetime) -> list[Basket]:
    """Each order once: the shop's verified orders (imported history too), the browser's claims of orders the
    shop did not send, and the adds to cart of a visit that bought nothing (a visit that bought is its order:
    its adds as a second basket would count the same items together twice)."""
    rows = session.execute(text(
        "SELECT type, session_id, ref, sku, data, occurred_at, visitor_id FROM event WHERE site_id = :site "
        "AND occurred_at >= :since AND type IN ('purchase', 'add_to_cart') ORDER BY occurred_at"),
        {"site": site.pk, "since": since}).all()
    orders = session.execute(text(
        "SELECT order_id, items, ordered_at, visitor_id FROM shop_order WHERE site_id = :site "
        "AND ordered_at >= :since"),
        {"site": site.pk, "since": since}).all()
    baskets: dict[str, tuple[float, dict[str, None]]] = {}
    for order_id, items, when, _ in orders:
        items = json.loads(items) if isinstance(items, str) else items
        baskets[f"order:{order_id}"] = (_seconds(when), dict.fromkeys(line["sku"] for line in items))
    verified = {order_id for order_id, *_ in orders}
    bought = _visits_that_bought(rows, orders)
    for kind, visit, ref, sku, data, when, visitor in rows:
        if (kind == "purchase" and ref in verified) or (kind == "add_to_cart" and visit in bought):
            continue
        data = json.loads(data) if isinstance(data, str) else data
        # one basket per claim: another visitor's claim of the same order id must not mix its items in
        key = f"claim:{ref}:{visitor}" if kind == "purchase" else f"visit:{visit}"
        items = [line["sku"] for line in data.get("items", [])] if kind == "purchase" else [sku]
        entry = baskets.setdefault(key, (_seconds(when), {}))
        entry[1].update(dict.fromkeys(i for i in items if i))
    return [Basket(key, when, tuple(items)) for key, (when, items) in baskets.items() if len(items) >= 2]


def _visits_that_bought(rows: Sequence[Any], orders: Sequence[Any]) -> set[Any]:
    """Visits with a purchase claim, and for each verified order naming its visitor, the visit of that visitor's
    last add to cart before the order (within a day): their adds are the order's items, counted with it."""
    bought = {visit for kind, visit, *_ in rows if kind == "purchase"}
    adds: dict[Any, list[tuple[float, Any]]] = defaultdict(list)
    for kind, visit, _, _, _, when, visitor in rows:
        if kind == "add_to_cart":
            adds[visitor].append((_seconds(when), visit))
    for _, _, when, visitor in orders:
        at = _seconds(when)
        before = [(t, visit) for t, visit in adds.get(visitor, []) if at - DAY <= t <= at]
        if before:
            bought.add(max(before, key=lambda pair: pair[0])[1])
    return bought


def _seconds(value: datetime | str) -> float:
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return as_utc(value).timestamp()


def _write_bundle(folder: Path, models: dict[str, Strategy], rows: list[dict], now: datetime) -> Path:
    """Write the bundle under a hidden name, flush it to disk, rename it into place, then point CURRENT at it.

    On a volume every node mounts, a reader that follows CURRENT finds a complete folder: the files are
    synced before the rename, and the pointer is replaced (one rename) only after the folder is whole.
    """
    version = now.strftime("%Y%m%dT%H%M%S") + f"-{os.getpid()}-{secrets.token_hex(2)}"  # unique on a shared volume
    target, partial = folder / version, folder / f".{version}.partial"
    partial.mkdir(parents=True, exist_ok=True)
    for name, model in models.items():
        artifacts.save(model, partial / f"{name}.npz")
    write_snapshot(partial / "catalog.json", rows)
    manifest = {"version": version, "trained_at": now.isoformat(), "models": sorted(models)}
    (partial / "manifest.json").write_text(json.dumps(manifest, indent=2))
    for file in partial.iterdir():
        _sync(file)
    partial.replace(target)
    pointer = folder / f"CURRENT.{os.getpid()}.tmp"
    pointer.write_text(version)
    _sync(pointer)
    pointer.replace(folder / "CURRENT")  # atomic: readers see the old or the new version, never neither
    _sync(folder)
    for old in sorted(p for p in folder.iterdir() if p.is_dir() and p.name != version)[:-KEEP_BUNDLES + 1 or None]:
        for file in old.iterdir():
            file.unlink()
        old.rmdir()  # a hidden .partial of a crashed run sorts first and goes first
    return target


def _sync(path: Path) -> None:
    """fsync a file or folder, so a rename that follows never publishes data still in this machine's cache."""
    handle = os.open(path, os.O_RDONLY)
    try:
        os.fsync(handle)
    finally:
        os.close(handle)
