"""Sessions of item events with integer-coded items, and readers for the two public data sets we measure on."""

from __future__ import annotations

import csv
import gzip
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np


@dataclass(frozen=True, eq=False)
class Interactions:
    """Item events grouped by session; sessions ordered by their last event, events by time within a session.

    Item ids are strings at the edges and codes ``0..n_items-1`` (indices into ``item_ids``) inside.
    The events of session ``s`` are ``items[indptr[s]:indptr[s + 1]]`` with times ``times[...]``.
    """

    item_ids: np.ndarray
    session_ids: np.ndarray
    indptr: np.ndarray
    items: np.ndarray
    times: np.ndarray
    item_categories: np.ndarray | None = None
    """Category of each item code ("" when unknown), or None when the data has none."""

    @classmethod
    def from_arrays(cls, session_ids: Sequence[str] | np.ndarray, item_ids: Sequence[str] | np.ndarray,
                    timestamps: Sequence[float] | np.ndarray, *,
                    categories: Mapping[str, str] | None = None) -> Interactions:
        """Build from one (session id, item id, unix time) triple per event; ties in time keep the given order."""
        sessions = np.asarray(session_ids).astype(str)
        items = np.asarray(item_ids).astype(str)
        times = np.asarray(timestamps, dtype=np.float64)
        if not len(sessions) == len(items) == len(times):
            raise ValueError("session_ids, item_ids and timestamps must have the same length")
        session_vocab, first, session_code = np.unique(sessions, return_index=True, return_inverse=True)
        item_vocab, item_code = np.unique(items, return_inverse=True)
        last = np.full(len(session_vocab), -np.inf)
        np.maximum.at(last, session_code, times)
        by_recency = np.lexsort((first, last))
        rank = np.empty_like(by_recency)
        rank[by_recency] = np.arange(len(by_recency))
        session_code = rank[session_code]
        order = np.lexsort((np.arange(len(times)), times, session_code))
        indptr = np.concatenate(([0], np.cumsum(np.bincount(session_code, minlength=len(session_vocab)))))
        category = None
        if categories is not None:
            category = np.array([categories.get(str(item), "") for item in item_vocab], dtype=str)
        return cls(item_vocab, session_vocab[by_recency], indptr.astype(np.int64),
                   item_code[order].astype(np.int32), times[order], category)

    @classmethod
    def from_baskets(cls, baskets: Sequence[Basket]) -> Interactions:
        """Build from baskets (one session per basket, its items in basket order at the basket's time)."""
        sessions = [b.basket_id for b in baskets for _ in b.items]
        items = [item for b in baskets for item in b.items]
        times = [b.time for b in baskets for _ in b.items]
        return cls.from_arrays(sessions, items, times)

    @property
    def n_items(self) -> int:
        """Number of distinct items."""
        return len(self.item_ids)

    @property
    def n_sessions(self) -> int:
        """Number of sessions."""
        return len(self.session_ids)

    def session_lengths(self) -> np.ndarray:
        """Events per session."""
        return np.diff(self.indptr)

    def session_of_events(self) -> np.ndarray:
        """The session code of every event."""
        return np.repeat(np.arange(self.n_sessions), self.session_lengths())

    def session_end_times(self) -> np.ndarray:
        """Time of the last event of every session (non-decreasing)."""
        return self.times[self.indptr[1:] - 1]

    def item_counts(self) -> np.ndarray:
        """Events per item."""
        return np.bincount(self.items, minlength=self.n_items)

    def sessions(self) -> Iterator[tuple[str, list[str]]]:
        """Each session id with its item ids in time order."""
        for s, session_id in enumerate(self.session_ids):
            yield str(session_id), [str(self.item_ids[c]) for c in self.items[self.indptr[s]:self.indptr[s + 1]]]


@dataclass(frozen=True)
class Basket:
    """One order (or session) as a set of items in the order they were added."""

    basket_id: str
    time: float
    items: tuple[str, ...]


def read_session_clicks(path: Path) -> Interactions:
    """Read a session-rec click file (tab-separated, header `SessionId ItemId Time`, unix seconds)."""
    sessions, items, times = [], [], []
    with open(path, newline="") as handle:
        reader = csv.reader(handle, delimiter="\t")
        header = next(reader)
        s, i, t = (header.index(name) for name in ("SessionId", "ItemId", "Time"))
        for row in reader:
            sessions.append(row[s])
            items.append(row[i])
            times.append(float(row[t]))
    return Interactions.from_arrays(sessions, items, times)


def read_retail_baskets(path: Path) -> list[Basket]:
    """Read UCI Online Retail (II) invoices as baskets, prepared as BASELINES.md fixes it.

    Every field stays a string. A line is kept iff the invoice does not start with C or A and quantity
    and price are positive; an invoice's time is the date of its first kept line, its items are its
    distinct stock codes in the order of their first kept line; baskets come in the order of their
    first kept line.
    """
    baskets: dict[str, tuple[str, dict[str, None]]] = {}
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        inv, code, qty, date = (header.index(c) for c in ("Invoice", "StockCode", "Quantity", "InvoiceDate"))
        price = header.index("Price")
        for row in reader:
            invoice = row[inv]
            if invoice.startswith(("C", "A")) or float(row[qty]) <= 0 or float(row[price]) <= 0:
                continue
            baskets.setdefault(invoice, (row[date], {}))[1].setdefault(row[code], None)
    return [Basket(invoice, _retail_time(date), tuple(items)) for invoice, (date, items) in baskets.items()]


def _retail_time(text: str) -> float:
    return datetime.strptime(text, "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC).timestamp()
