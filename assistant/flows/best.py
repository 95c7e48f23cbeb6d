"""The best few of the matching products, in exactly the order `engine.results` gives them, without
ordering the rest: candidates (every matching product, or only those that can be among the best), then a
partial order of those by (rounded score, fit, boosts, tie rank) with twins shown once."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from assistant.catalog.index import CatalogIndex

SCORE_DIGITS = 4
"""Scores are compared (and shown) rounded to this many digits."""
FAST_ROUND_BELOW = 1e5
"""Scores below this are rounded with NumPy (checked near halves); larger ones one by one in Python."""
FIRST_CHUNK = 4096
"""How many products, in order of rating and popularity, `bounded` looks at first; it doubles each time."""
BOUND_MARGIN = 5e-4
"""By how much the wanted scores must beat every product not looked at: five steps of the rounding to
SCORE_DIGITS, more than `near_top` looks below the last wanted one."""


Candidates = Callable[[int], tuple[np.ndarray, np.ndarray, bool]]
"""Given how many of the best are wanted: positions in ascending order, their scores, and whether they are all
the matching products (if not, every product left out scores below the wanted ones by more than rounding)."""


class Matching:
    """The products that meet the answers, as a mask over every product or as their positions (whichever the
    narrowing ended with: positions once few are left), each worked out from the other when asked for."""

    def __init__(self, size: int, *, mask: np.ndarray | None = None, positions: np.ndarray | None = None) -> None:
        self.size = size
        self._mask = mask
        self._positions = positions
        self.count = int(positions.size) if positions is not None else int(np.count_nonzero(self.mask))

    @property
    def mask(self) -> np.ndarray:
        if self._mask is None:
            self._mask = np.zeros(self.size, dtype=bool)
            self._mask[self.positions] = True
        return self._mask

    @property
    def positions(self) -> np.ndarray:
        """In ascending order."""
        if self._positions is None:
            self._positions = np.flatnonzero(self.mask)
        return self._positions


def every(matching: Matching, score: Callable[[np.ndarray], np.ndarray]) -> Candidates:
    """Every matching product, scored by `score(positions)`."""
    found: list[tuple[np.ndarray, np.ndarray, bool]] = []

    def candidates(want: int) -> tuple[np.ndarray, np.ndarray, bool]:
        if not found:
            positions = matching.positions
            found.append((positions, score(positions), True))
        return found[0]
    return candidates


def bounded(mask: np.ndarray, starts: np.ndarray, order: np.ndarray, most_gained: float,
            score: Callable[[np.ndarray], np.ndarray]) -> Candidates:
    """Only the matching products (`mask`) that can be among the best, found in `order` of the score every
    product `starts` with (rating and popularity), chunk by chunk: a product not yet looked at scores at most
    its start plus `most_gained`, so once the wanted number scored above that by more than rounding can move,
    the rest cannot reach them."""
    def candidates(want: int) -> tuple[np.ndarray, np.ndarray, bool]:
        seen_positions, seen_scores, end, chunk = [], [], 0, FIRST_CHUNK
        while end < order.size:
            block = order[end:end + chunk]
            end += block.size
            chunk *= 2
            block = block[mask[block]]
            seen_positions.append(block)
            seen_scores.append(score(block))
            if end == order.size or sum(a.size for a in seen_scores) < want:
                continue
            scores = np.concatenate(seen_scores)
            wanted = -np.partition(-scores, want - 1)[want - 1]
            if wanted >= most_gained + starts[order[end]] + BOUND_MARGIN:
                break
        positions, scores = np.concatenate(seen_positions), np.concatenate(seen_scores)
        ascending = np.argsort(positions)
        return positions[ascending], scores[ascending], end == order.size
    return candidates


def top(index: CatalogIndex, candidates: Candidates, count: int,
         tie_breaks: Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]]) -> tuple[np.ndarray, ...]:
    """The `count` best positions, one of each twins, by (-round(score, 4), -fit, -boosts, tie rank), as
    `engine.results` orders them, and the candidates' positions and scores they were chosen from;
    `tie_breaks(at)` gives the fit and boosts of the positions `at`.

    Only products that can be among the first `want` are ordered; `want` grows when twins leave
    fewer than `count` distinct products among them.
    """
    want = count
    while True:
        positions, scores, complete = candidates(want)
        near, rounded = near_top(scores, want)
        at = positions[near]
        fit, boosts = tie_breaks(at)
        ordered = at[first(want, -rounded, -fit, -boosts, index.tie_rank[at])]
        _, once = np.unique(index.twins[ordered], return_index=True)
        chosen = ordered[np.sort(once)[:count]]
        if chosen.size == count or (complete and want >= scores.size):
            return chosen, positions, scores
        want *= 4


def first(want: int, *keys: np.ndarray) -> np.ndarray:
    """Indices of the `want` smallest by `keys` compared in turn (the last has no ties), in that order.

    A sort of everything would cost most when most is tied (a catalog without ratings); instead each
    key only splits what the keys before it left tied at the boundary: a partition per key, then a
    sort of the `want` chosen.
    """
    undecided, need, chosen = np.arange(keys[0].size), want, []
    for key in keys:
        if undecided.size <= need:
            break
        values = key[undecided]
        kth = np.partition(values, need - 1)[need - 1]
        better = undecided[values < kth]
        chosen.append(better)
        need -= better.size
        undecided = undecided[values == kth]
    chosen.append(undecided[:need])
    picked = np.concatenate(chosen)
    return picked[np.lexsort(tuple(key[picked] for key in reversed(keys)))]


def near_top(scores: np.ndarray, want: int) -> tuple[np.ndarray, np.ndarray]:
    """Indices of the scores that can be among the `want` best once rounded to SCORE_DIGITS (a superset:
    ordered by rounded score, their first `want` are the first `want` of all), and those rounded scores."""
    if scores.size and np.abs(scores).max() >= FAST_ROUND_BELOW:
        return np.arange(scores.size), np.array([round(float(s), SCORE_DIGITS) for s in scores])
    if scores.size <= want:
        return np.arange(scores.size), round_scores(scores)
    approx = np.rint(scores * 10 ** SCORE_DIGITS)  # NumPy rounds off by a step at most: below by two, none can make it
    near = np.flatnonzero(approx >= np.partition(approx, approx.size - want)[approx.size - want] - 2)
    return near, round_scores(scores[near])


def round_scores(scores: np.ndarray) -> np.ndarray:
    """Python's round(score, 4) of every score: NumPy's, except where scaling by 10^4 lands near a half.

    NumPy rounds score * 10^4 to an integer and divides; that integer is Python's too unless the
    product's own rounding error crosses the half, which for scores below FAST_ROUND_BELOW cannot
    happen outside a window of 1e-5 around it.
    """
    rounded = np.round(scores, SCORE_DIGITS)
    scaled = scores * 10 ** SCORE_DIGITS
    for i in np.flatnonzero(np.abs(scaled - np.floor(scaled) - 0.5) < 1e-5):
        rounded[i] = round(float(scores[i]), SCORE_DIGITS)
    return rounded
