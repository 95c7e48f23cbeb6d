"""Each server process's catalog indexes, one per site, kept in step with the database.

A process looks at the site's `catalog_state` row at most once every CHECK_SECONDS, on the request
that needs the index. When only the stock changed it re-reads the sold-out products (one indexed
query) and swaps in the new stock mask; when the catalog changed it builds a new index in a
background thread and keeps serving the old one until the new one is swapped in whole. So a change
shows on every worker of every node within CHECK_SECONDS for stock, and within CHECK_SECONDS plus
one build (seconds at 100,000 products) for anything else. Only a site's very first request waits
for a build, unless `warm` built it before the worker took traffic.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterable

from flask import Flask, current_app
from sqlalchemy.engine import Engine

from assistant.catalog.index import CatalogIndex, build_index, stock_mask
from assistant.catalog.versions import read_versions

log = logging.getLogger(__name__)
CHECK_SECONDS = 1.0


class CatalogIndexes:
    """The live index of every site this process has served."""

    def __init__(self, engine: Engine, *, check_seconds: float = CHECK_SECONDS, background: bool = True) -> None:
        self.engine = engine
        self.check_seconds = check_seconds
        self.background = background
        self._live: dict[int, CatalogIndex] = {}
        self._checked: dict[int, float] = {}
        self._building: set[int] = set()
        self._lock = threading.Lock()

    def get(self, site_id: int) -> CatalogIndex:
        """The site's index, refreshed when its catalog or stock moved since the last look."""
        index = self._live.get(site_id)
        if index is None:
            with self._lock:
                index = self._live.get(site_id) or self._build(site_id)
            return index
        now = time.monotonic()
        if now - self._checked.get(site_id, 0.0) >= self.check_seconds:
            self._checked[site_id] = now
            self._follow(index)
        return self._live[site_id]

    def warm(self, site_ids: Iterable[int]) -> None:
        """Build the indexes of these sites now (before the process takes traffic)."""
        for site_id in site_ids:
            self.get(site_id)

    def _follow(self, index: CatalogIndex) -> None:
        with self.engine.connect() as connection:
            versions = read_versions(connection, index.site_id)
            if versions.version != index.versions.version:
                self._rebuild(index.site_id)
            elif versions.stock_version != index.versions.stock_version:
                self._live[index.site_id] = index.with_stock(stock_mask(connection, index), versions)

    def _rebuild(self, site_id: int) -> None:
        if not self.background:
            self._build(site_id)
            return
        with self._lock:
            if site_id in self._building:
                return
            self._building.add(site_id)
        threading.Thread(target=self._build_in_background, args=(site_id,), daemon=True,
                         name=f"catalog-index-{site_id}").start()

    def _build_in_background(self, site_id: int) -> None:
        try:
            self._build(site_id)
        except Exception:  # noqa: BLE001  (a failed build keeps the index being served; the next look retries)
            log.exception("catalog index of site %s not rebuilt; keeping the one in use", site_id)
        finally:
            self._building.discard(site_id)

    def _build(self, site_id: int) -> CatalogIndex:
        started = time.perf_counter()
        with self.engine.connect() as connection:
            index = build_index(connection, site_id)
        self._live[site_id] = index
        self._checked[site_id] = time.monotonic()
        log.info("catalog index of site %s: %d products in %.2f s", site_id, index.size,
                 time.perf_counter() - started)
        return index


def init_app(app: Flask, engine: Engine, *, testing: bool = False) -> None:
    """Give the app its catalog indexes (tests see every change at once, built in the request)."""
    app.extensions.setdefault("assistant", {})["catalog"] = (
        CatalogIndexes(engine, check_seconds=0.0, background=False) if testing else CatalogIndexes(engine))


def get_indexes(app: Flask | None = None) -> CatalogIndexes:
    """The catalog indexes of `app` (default: the current app)."""
    return (app or current_app).extensions["assistant"]["catalog"]
