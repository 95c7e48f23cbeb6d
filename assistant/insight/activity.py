"""What each customer did besides buying: views, add-to-carts, carts left, quiz answers and visits.

A cart left is a visitor's latest cart (tracking's Cart) holding items not bought since it last changed.

Per customer key (transactions' keys: the shop's customer id, or "v:<visitor id>"), every visitor of the
customer counted together. A few grouped statements over the whole site, then NumPy: no query per customer.
Counts and last times (epoch seconds, NaN when never) come back as arrays aligned to the keys asked for.
With `until`, only what happened up to then counts (a time split's calibration period); with `after`
(epoch seconds per key, e.g. each customer's last order), only what happened after the customer's own time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import numpy as np
from numpy.typing import NDArray
from sqlmodel import Session

from assistant.rawsql import RawSQL
from assistant.sites.models import Site

from .transactions import ANONYMOUS, epoch_sql, visitor_customers

Counts = NDArray[np.int64]
Times = NDArray[np.float64]
EVENTS = {"product_view": "views", "add_to_cart": "add_to_carts", "quiz_answer": "quiz_answers"}
KINDS = ("views", "add_to_carts", "carts_left", "quiz_answers", "visits")


@dataclass(frozen=True)
class Activity:
    """Per key, in the order asked: how many of each kind and when the last one was (NaN: never)."""

    keys: list[str]
    counts: dict[str, Counts]
    last: dict[str, Times]

    def __getitem__(self, kind: str) -> Counts:
        return self.counts[kind]


def load_activity(*, session: Session, site: Site, keys: list[str], until: datetime | None = None,
                  after: NDArray[np.float64] | None = None) -> Activity:
    """Counts and last times of views, add-to-carts, carts left, quiz answers and visits per customer key."""
    if after is not None and len(after) != len(keys):
        raise ValueError("need one `after` time per key")
    raw = RawSQL(session)
    owner = _owners(raw, site, keys)
    counts = {kind: np.zeros(len(keys), dtype=np.int64) for kind in KINDS}
    last = {kind: np.full(len(keys), np.nan) for kind in KINDS}
    for kind, rows in _rows(raw, site, until, grouped=after is None).items():
        _add(counts[kind], last[kind], owner, rows, after)
    return Activity(keys=list(keys), counts=counts, last=last)


@dataclass(frozen=True)
class ActivityRows:
    """One row per view, add-to-cart, cart left, quiz answer or visit of the keys' customers, in no order."""

    customer: NDArray[np.int64]
    """Index into the keys asked for."""
    time: NDArray[np.float64]
    """Seconds since the epoch."""
    kind: NDArray[np.str_]
    """view, add_to_cart, cart_left, quiz_answer or visit."""


ROW_KINDS = {"views": "view", "add_to_carts": "add_to_cart", "carts_left": "cart_left",
             "quiz_answers": "quiz_answer", "visits": "visit"}


def load_activity_rows(*, session: Session, site: Site, keys: list[str], until: datetime | None = None) -> ActivityRows:
    """Every counted activity of the keys' customers as rows (what insight.features.Activity takes, in seconds)."""
    raw = RawSQL(session)
    visitors, key_of = _owners(raw, site, keys)
    parts: list[tuple[NDArray[np.int64], NDArray[np.float64], NDArray[np.str_]]] = []
    for kind, rows in _rows(raw, site, until, grouped=False).items():
        key, _, when = _owned(visitors, key_of, rows)
        parts.append((key, when, np.full(key.size, ROW_KINDS[kind])))
    return ActivityRows(np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts]),
                        np.concatenate([p[2] for p in parts]).astype(np.str_))


def load_person_activity_rows(*, session: Session, site: Site, visitor_ids: list[int],
                              until: datetime | None = None) -> ActivityRows:
    """load_activity_rows for one person (customer index 0), read by their visitors' ids alone, not the site's."""
    raw = RawSQL(session)
    parts = [(np.zeros(len(rows), dtype=np.int64), np.array([r[2] for r in rows], dtype=np.float64),
              np.full(len(rows), ROW_KINDS[kind]))
             for kind, rows in _rows(raw, site, until, grouped=False, visitors=visitor_ids).items()]
    return ActivityRows(np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts]),
                        np.concatenate([p[2] for p in parts]).astype(np.str_))


def _rows(raw: RawSQL, site: Site, until: datetime | None, *, grouped: bool,
          visitors: list[int] | None = None) -> dict[str, list[tuple[int, int, float]]]:
    """Per kind, (visitor id, count, last time) rows: one per visitor and kind when grouped, else one per event.

    With `visitors`, theirs alone (each statement an indexed read by visitor), else the whole site's.
    """
    limit = until.timestamp() if until is not None else np.inf
    at = epoch_sql("occurred_at", postgres=raw.postgres)
    only = "" if visitors is None else f" AND visitor_id IN ({', '.join('?' * max(1, len(visitors)))})"
    whose = () if visitors is None else (tuple(visitors) or (-1,))
    events = raw.run(
        f"SELECT visitor_id, type, {'COUNT(*), MAX(' + at + ')' if grouped else '1, ' + at} FROM event"
        f" WHERE site_id = ?{only} AND type IN ('product_view', 'add_to_cart', 'quiz_answer')"
        + (f" AND {at} <= ?" if until is not None else "")
        + (" GROUP BY visitor_id, type" if grouped else ""),
        (site.pk, *whose, limit) if until is not None else (site.pk, *whose)).fetchall()
    found: dict[str, list[tuple[int, int, float]]] = {kind: [] for kind in KINDS}
    for visitor, typ, n, when in events:
        found[EVENTS[typ]].append((visitor, n, when))
    carts = raw.run(f"SELECT visitor_id, 1, {epoch_sql('updated_at', postgres=raw.postgres)} FROM cart"
                    f" WHERE site_id = ?{only} AND json_array_length(items) > 0"
                    " AND (purchased_at IS NULL OR updated_at > purchased_at)", (site.pk, *whose)).fetchall()
    found["carts_left"] = _upto(carts, limit)
    visits = raw.run(f"SELECT visitor_id, 1, {epoch_sql('started_at', postgres=raw.postgres)} FROM visit_session"
                     f" WHERE site_id = ?{only}", (site.pk, *whose)).fetchall()
    found["visits"] = _upto(visits, limit)
    return found


def _upto(rows: list[tuple[int, int, float]], limit: float) -> list[tuple[int, int, float]]:
    return [row for row in rows if row[2] <= limit]


def _owners(raw: RawSQL, site: Site, keys: list[str]) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Sorted visitor ids of the keys' customers and, for each, the index of its key."""
    index = {key: i for i, key in enumerate(keys)}
    pairs = [(v, index[c]) for v, c in visitor_customers(raw, site).items() if c in index]
    pairs += [(int(k[len(ANONYMOUS):]), i) for k, i in index.items()
              if k.startswith(ANONYMOUS) and k[len(ANONYMOUS):].isdigit()]
    pairs.sort()
    return (np.array([v for v, _ in pairs], dtype=np.int64), np.array([i for _, i in pairs], dtype=np.int64))


def _owned(visitors: NDArray[np.int64], key_of: NDArray[np.int64], rows: list[tuple[int, int, float]]
           ) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.float64]]:
    """The rows of visitors that belong to a key: (key index, count, time) arrays."""
    visitor = np.array([r[0] for r in rows], dtype=np.int64)
    n = np.array([r[1] for r in rows], dtype=np.int64)
    when = np.array([r[2] for r in rows], dtype=np.float64)
    if visitors.size == 0:
        return visitor[:0], n[:0], when[:0]
    where = np.minimum(np.searchsorted(visitors, visitor), visitors.size - 1)
    known = visitors[where] == visitor
    return key_of[where[known]], n[known], when[known]


def _add(counts: Counts, last: Times, owner: tuple[NDArray[np.int64], NDArray[np.int64]],
         rows: list[tuple[int, int, float]], after: NDArray[np.float64] | None) -> None:
    """Add rows of (visitor id, count, time) to the counts and last times of their visitors' keys."""
    key, n, when = _owned(*owner, rows)
    if after is not None:
        later = when > after[key]
        key, n, when = key[later], n[later], when[later]
    np.add.at(counts, key, n)
    seen = np.where(np.isnan(last), -np.inf, last)
    np.maximum.at(seen, key, when)
    last[:] = np.where(np.isneginf(seen), np.nan, seen)
