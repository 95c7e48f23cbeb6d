"""Each server process's customer figures, one map per site, kept in step with the nightly run.

Targeting reads a visitor's segment, churn risk, lifetime value and P(alive) on every promotions
request, so the figures live in memory: per site, a dict from customer key to a row number and one
array per figure. A process looks at the site's insight_state version at most once every
CHECK_SECONDS (one primary-key read, as catalog indexes follow catalog_state) and reloads the map,
one statement for the whole site, only when a new run has written figures. Since the row is in the
shared database, every worker of every node follows. Nothing is read per request otherwise.
"""

from __future__ import annotations

import threading
import time
import weakref
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine
from sqlmodel import Session

from .transactions import ANONYMOUS

CHECK_SECONDS = 1.0


@dataclass(frozen=True)
class CustomerFigures:
    """What targeting reads of one customer (None: not computed, e.g. too little history for the model)."""

    segment: str
    churn_risk: float | None
    clv: float | None
    p_alive: float | None


@dataclass(frozen=True)
class SiteFigures:
    """A site's figures as of one nightly run (`version`): a row per customer key."""

    version: int
    rows: dict[str, int]
    segment_names: list[str]
    segment: NDArray[np.int16]
    churn_risk: NDArray[np.float64]
    clv: NDArray[np.float64]
    p_alive: NDArray[np.float64]

    def get(self, key: str) -> CustomerFigures | None:
        """The figures of customer `key`, or None when the run did not know them."""
        row = self.rows.get(key)
        if row is None:
            return None
        return CustomerFigures(self.segment_names[self.segment[row]], _value(self.churn_risk[row]),
                               _value(self.clv[row]), _value(self.p_alive[row]))


EMPTY = SiteFigures(0, {}, [], np.zeros(0, np.int16), np.zeros(0), np.zeros(0), np.zeros(0))


def _value(number: float) -> float | None:
    return None if np.isnan(number) else float(number)


def customer_keys(*, customer_id: str | None, visitor_ids: Iterable[int]) -> list[str]:
    """The keys a person's figures may be stored under: their customer id, else each of their visitors'."""
    return [customer_id] if customer_id is not None else [f"{ANONYMOUS}{v}" for v in visitor_ids]


class FigureStore:
    """The live figures of every site this process has served, for one database."""

    def __init__(self, *, check_seconds: float | None = None) -> None:
        self.check_seconds = check_seconds
        self._live: dict[int, SiteFigures] = {}
        self._checked: dict[int, float] = {}
        self._lock = threading.Lock()

    def site(self, connection: Connection, site_id: int) -> SiteFigures:
        """The site's figures, reloaded when its nightly version moved since the last look."""
        live = self._live.get(site_id)
        now = time.monotonic()
        every = CHECK_SECONDS if self.check_seconds is None else self.check_seconds
        if live is not None and now - self._checked.get(site_id, 0.0) < every:
            return live
        self._checked[site_id] = now
        version = connection.execute(text("SELECT version FROM insight_state WHERE site_id = :s"),
                                     {"s": site_id}).scalar()
        if live is not None and live.version == (version or 0):
            return live
        with self._lock:
            loaded = load_site(connection, site_id, int(version or 0))
            self._live[site_id] = loaded
        return loaded

    def lookup(self, connection: Connection, site_id: int, keys: Iterable[str]) -> CustomerFigures | None:
        """The figures of the first of `keys` the site's map has."""
        figures = self.site(connection, site_id)
        return next((found for key in keys if (found := figures.get(key)) is not None), None)


def load_site(connection: Connection, site_id: int, version: int) -> SiteFigures:
    """Read a site's figures into a SiteFigures (one statement)."""
    if version == 0:
        return EMPTY
    rows = connection.execute(text("SELECT customer_key, segment, churn_risk, clv, p_alive FROM customer_figure"
                                   " WHERE site_id = :s"), {"s": site_id}).all()
    names = sorted({r[1] for r in rows})
    code = {name: i for i, name in enumerate(names)}

    def column(i: int) -> NDArray[np.float64]:
        return np.array([np.nan if r[i] is None else r[i] for r in rows], dtype=np.float64)

    return SiteFigures(version, {r[0]: i for i, r in enumerate(rows)}, names,
                       np.array([code[r[1]] for r in rows], dtype=np.int16), column(2), column(3), column(4))


_stores: weakref.WeakKeyDictionary[Engine, FigureStore] = weakref.WeakKeyDictionary()


def store_for(engine: Engine) -> FigureStore:
    """This process's figure store for the database of `engine`."""
    store = _stores.get(engine)
    if store is None:
        store = _stores.setdefault(engine, FigureStore())
    return store


def forget() -> None:
    """Drop every process map (a test whose database was emptied under a live store)."""
    _stores.clear()


def figures_for(*, session: Session, site_id: int, keys: Iterable[str]) -> CustomerFigures | None:
    """The figures of the person with these customer keys, from this process's map (no per-request query)."""
    bind = session.get_bind()
    engine = bind if isinstance(bind, Engine) else bind.engine
    return store_for(engine).lookup(session.connection(), site_id, keys)
