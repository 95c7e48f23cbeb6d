"""Each product's popularity from what shoppers did, as the quiz and its fallback rank by it.

The catalog's `popularity` column starts at 0 for every product: a feed says nothing about it. The
nightly training (recommend/training.py) counts each product's views and adds to cart over its
window and writes them here, scaled so the most popular product has 1: in a quiz score that is
worth at most 0.01 (a tie-breaker, as a rating's 0.1 is a nudge), and it orders the fallback's
"popular in the shop" and ties between equal scores. Only changed rows are written, and a change
bumps the catalog's version, so every process's index follows within seconds.
"""

from __future__ import annotations

from collections.abc import Mapping

from sqlmodel import Session

from assistant.catalog.versions import catalog_changed
from assistant.rawsql import RawSQL

DIGITS = 6
"""Popularity is stored rounded, so a retraining on the same events writes nothing."""


def scaled(counts: Mapping[str, float]) -> dict[str, float]:
    """Counts per SKU scaled to 0..1 by the largest (all 0 when there are none)."""
    top = max(counts.values(), default=0)
    return {sku: round(count / top, DIGITS) if top > 0 else 0.0 for sku, count in counts.items()}


def record_popularity(*, session: Session, site_id: int, popularity: Mapping[str, float]) -> int:
    """Set the site's products' popularity (products not in `popularity` get 0), in the caller's transaction;
    how many products changed."""
    sql = RawSQL(session)
    stored = dict(sql.run("SELECT sku, popularity FROM product WHERE site_id = ?", (site_id,)).fetchall())
    changed = [(value, site_id, sku) for sku, old in stored.items()
               if (value := round(float(popularity.get(sku, 0.0)), DIGITS)) != old]
    if changed:
        sql.cursor.executemany(sql.sql("UPDATE product SET popularity = ? WHERE site_id = ? AND sku = ?"), changed)
        catalog_changed(session=session, site_id=site_id)
    return len(changed)
