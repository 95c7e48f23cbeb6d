"""Load what shoppers' requests read before a server takes traffic: catalog indexes, model bundles, customer figures.

Run once in gunicorn's master (`assistant.gunicorn_conf`: the app is preloaded, then the workers are
forked from it), so no worker's first quiz waits for an index build nor its first strip for a
bundle, and the workers share the arrays' memory until a change makes them rebuild their own.
"""

from __future__ import annotations

import gc
import logging
import time
from dataclasses import dataclass

from flask import Flask
from sqlalchemy import text

from assistant.catalog.indexes import get_indexes
from assistant.db import get_engine
from assistant.insight.serving import store_for

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Warmed:
    """What warming loaded, and how long it took."""

    sites: int
    products: int
    bundles: int
    seconds: float
    customers: int = 0


def warm(app: Flask) -> Warmed:
    """Build every site's catalog index and load its newest model bundle; keep them out of the collector."""
    started = time.perf_counter()
    with get_engine(app).connect() as connection:
        sites = connection.execute(text("SELECT id, key FROM site ORDER BY id")).all()
    indexes, models = get_indexes(app), app.extensions["assistant"]["models"]
    products = sum(indexes.get(site_id).size for site_id, _ in sites)
    bundles = sum(models.bundle(key) is not None for _, key in sites)
    with get_engine(app).connect() as connection:
        figures = store_for(get_engine(app))
        customers = sum(len(figures.site(connection, site_id).rows) for site_id, _ in sites)
    gc.collect()
    gc.freeze()  # long-lived: neither collected nor touched by collections, so forked workers keep sharing them
    warmed = Warmed(len(sites), products, bundles, time.perf_counter() - started, customers)
    log.info("warmed %d sites (%d products, %d model bundles, %d customers' figures) in %.1f s", warmed.sites,
             warmed.products, warmed.bundles, warmed.customers, warmed.seconds)
    return warmed


def after_fork(app: Flask) -> None:
    """In a new worker: drop the database connections inherited from the master (never share a socket)."""
    get_engine(app).dispose(close=False)
