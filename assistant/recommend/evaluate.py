"""Offline evaluation: ranking metrics and the two published protocols, run through the serving code path."""

from __future__ import annotations

import csv
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from scipy.stats import rankdata

from assistant.recommend.base import Context, Recommender
from assistant.recommend.chain import recommend_sequential
from assistant.recommend.interactions import Basket, Interactions


@dataclass(frozen=True)
class Point:
    """One prediction: what the shopper has done, the item to find, what may not be shown, and where it is from."""

    context: Context
    target: str
    exclude: frozenset[str] = frozenset()
    key: tuple[str | int, ...] = ()


@dataclass
class Evaluation:
    """The ranked lists produced for a set of points, and what they score."""

    ranks: np.ndarray
    """1-based rank of each point's target in its list, 0 when absent."""
    lists: list[list[str]] = field(repr=False)
    durations: np.ndarray = field(default_factory=lambda: np.zeros(0), repr=False)
    """Seconds each list took to produce."""

    @property
    def points(self) -> int:
        """Number of prediction points."""
        return len(self.ranks)

    def hit_rate(self, k: int) -> float:
        """HR@k of these lists."""
        return hit_rate(self.ranks, k)

    def mrr(self, k: int) -> float:
        """MRR@k of these lists."""
        return mrr(self.ranks, k)

    def latency_ms(self, percentile: float | None = None) -> float:
        """Mean (or the given percentile of the) time to produce one list, in milliseconds."""
        if self.durations.size == 0:
            return 0.0
        seconds = self.durations.mean() if percentile is None else np.percentile(self.durations, percentile)
        return 1000.0 * float(seconds)


def rank_of(target: str, recommended: Sequence[str]) -> int:
    """1-based position of `target` in `recommended`, 0 when it is not there."""
    for position, item in enumerate(recommended, start=1):
        if item == target:
            return position
    return 0


def hit_rate(ranks: np.ndarray, k: int) -> float:
    """Share of points whose target is within the top `k` (ranks are 1-based, 0 = not found)."""
    ranks = np.asarray(ranks)
    return float(np.mean((ranks > 0) & (ranks <= k))) if ranks.size else 0.0


def mrr(ranks: np.ndarray, k: int) -> float:
    """Mean reciprocal rank cut at `k`: 1/rank when the target is within the top `k`, else 0."""
    ranks = np.asarray(ranks, dtype=np.float64)
    found = (ranks > 0) & (ranks <= k)
    return float(np.mean(np.where(found, 1.0 / np.where(found, ranks, 1.0), 0.0))) if ranks.size else 0.0


def coverage(lists: Iterable[Sequence[str]], catalog_size: int, *, k: int | None = None) -> float:
    """Share of the catalog that appears in at least one list (cut at `k`)."""
    shown = {item for items in lists for item in items[:k]}
    return len(shown) / catalog_size if catalog_size else 0.0


def popularity_percentiles(interactions: Interactions) -> dict[str, float]:
    """Each training item's popularity percentile (100 = the most clicked item, ties share the average)."""
    counts = interactions.item_counts()
    percentiles = 100.0 * rankdata(counts, method="average") / max(len(counts), 1)
    return {str(item): float(p) for item, p in zip(interactions.item_ids, percentiles, strict=True)}


def popularity_bias(lists: Iterable[Sequence[str]], percentiles: Mapping[str, float], *, k: int | None = None) -> float:
    """Average popularity percentile of the recommended items (50 is neutral, 100 shows only best sellers)."""
    values = [percentiles.get(item, 0.0) for items in lists for item in items[:k]]
    return float(np.mean(values)) if values else 0.0


def evaluate(strategies: Sequence[Recommender], points: Sequence[Point], *, n: int) -> Evaluation:
    """Ask the strategy chain, exactly as the server does, for `n` items at every point."""
    lists: list[list[str]] = []
    durations = np.zeros(len(points))
    for i, point in enumerate(points):
        started = time.perf_counter()
        found = recommend_sequential(strategies, point.context, n=n, exclude=point.exclude)
        durations[i] = time.perf_counter() - started
        lists.append([s.item_id for s in found])
    ranks = np.array([rank_of(p.target, items) for p, items in zip(points, lists, strict=True)], dtype=np.int64)
    return Evaluation(ranks, lists, durations)


def read_click_sequences(path: Path) -> list[tuple[str, tuple[str, ...]]]:
    """Sessions of a session-rec click file in file order, each with its items sorted by time."""
    sessions: dict[str, list[tuple[float, int, str]]] = {}
    with open(path, newline="") as handle:
        reader = csv.reader(handle, delimiter="\t")
        header = next(reader)
        s, i, t = (header.index(name) for name in ("SessionId", "ItemId", "Time"))
        for line, row in enumerate(reader):
            sessions.setdefault(row[s], []).append((float(row[t]), line, row[i]))
    return [(sid, tuple(item for _, _, item in sorted(events))) for sid, events in sessions.items()]


def next_item_points(sessions: Sequence[tuple[str, Sequence[str]]], *, exclude_seen: bool = False) -> list[Point]:
    """After each of the first n-1 clicks of every session, predict the next one (session-rec's protocol).

    With `exclude_seen` the session's own items may not be recommended (what a shop serves).
    """
    points = []
    for session_id, items in sessions:
        for position in range(len(items) - 1):
            seen = tuple(items[:position + 1])
            exclude = frozenset(seen) if exclude_seen else frozenset()
            points.append(Point(Context(session=seen), items[position + 1], exclude, (session_id, position)))
    return points


def read_reference_lists(path: Path) -> dict[tuple[str, int], list[str]]:
    """session-rec's committed top-50 lists: (session id, position) -> item ids, best first."""
    with open(path, newline="") as handle:
        reader = csv.DictReader(handle, delimiter=";")
        return {(row["SessionId"], int(row["Position"])): row["Recommendations"].split(",") for row in reader}


def score_reference(lists: Mapping[tuple[str, int], list[str]], points: Sequence[Point]) -> Evaluation:
    """Score committed lists on the points they cover (every point must have one), dropping excluded items."""
    chosen = [[item for item in lists[(str(p.key[0]), int(p.key[1]))] if item not in p.exclude] for p in points]
    ranks = np.array([rank_of(p.target, items) for p, items in zip(points, chosen, strict=True)], dtype=np.int64)
    return Evaluation(ranks, chosen)


def split_baskets(baskets: Sequence[Basket], *, at: float) -> tuple[list[Basket], list[Basket]]:
    """Baskets before time `at`, and the rest, both in their given order."""
    return [b for b in baskets if b.time < at], [b for b in baskets if b.time >= at]


def leave_one_out(baskets: Sequence[Basket], *, known: set[str], seed: int = 42) -> list[Point]:
    """Hide one random known item of every basket with at least two known items; the rest is the cart.

    One ``numpy.random.default_rng(seed)`` draws ``j = rng.integers(0, n)`` per kept basket, in order;
    the point's key is ``(basket id, j, n)`` and the cart's items are excluded from the ranking.
    """
    rng = np.random.default_rng(seed)
    points = []
    for basket in baskets:
        items = [item for item in basket.items if item in known]
        if len(items) < 2:
            continue
        j = int(rng.integers(0, len(items)))
        given = tuple(items[:j] + items[j + 1:])
        points.append(Point(Context(cart=given), items[j], frozenset(given), (basket.basket_id, j, len(items))))
    return points
