"""Best sellers: overall popularity, or time-decayed "trending now", optionally within the viewed category."""

from __future__ import annotations

from collections.abc import Collection

import numpy as np

from assistant.recommend.base import Context, Reason, Scored, Strategy, no_candidates
from assistant.recommend.interactions import Interactions
from assistant.recommend.wording import N_

SECONDS_PER_DAY = 86_400.0
HEAD = 128
"""Items of each ranking kept ready-made (a strip of eight asks the chain for 32)."""


class Popular(Strategy):
    """Items ranked by how many sessions contain them.

    Parameters
    ----------
    by_category : when the context names a category, rank only the items of that category
        (falling back to all items when the category is unknown).
    """

    kind = "popular"
    text = N_("Popular with other shoppers")
    # Translators: {} is a product category as the shop's catalog names it ("Shoes")
    text_in = N_("Popular in {}")
    needs_items = False

    def __init__(self, *, by_category: bool = False) -> None:
        self.by_category = by_category

    def _fit(self, interactions: Interactions) -> None:
        self.weights_ = self._weights(interactions)
        categories = interactions.item_categories
        self.categories_ = categories if categories is not None else np.full(interactions.n_items, "", dtype=str)

    def _weights(self, interactions: Interactions) -> np.ndarray:
        sessions = interactions.session_of_events()
        first = np.unique(sessions.astype(np.int64) * interactions.n_items + interactions.items)
        return np.bincount(first % interactions.n_items, minlength=interactions.n_items).astype(np.float64)

    def recommend(self, context: Context, *, n: int = 10, exclude: Collection[str] = ()) -> list[Scored]:
        """At most `n` items for `context`, best first, none in `exclude`.

        The answer is the same for everyone but the exclusions, so the head of each ranking is kept as
        ready-made items; only an ask reaching past it takes the general path.
        """
        self._check_fitted()
        ranking, head = self._ranking(context.category if self.by_category else None)
        banned = exclude if isinstance(exclude, set | frozenset) else set(exclude)
        chosen: list[Scored] = []
        for item in head:
            if len(chosen) >= n:
                break
            if item.item_id not in banned:
                chosen.append(item)
        if len(chosen) >= n or len(head) == ranking.size:
            return chosen
        top, scores = self._best(np.zeros(0, dtype=np.int64), context, exclude, n)
        reason = head[0].reason  # the ranking's own: "Popular in Shoes" for a category's
        ids = self.item_ids_[top].tolist()
        return [Scored(i, score, reason) for i, score in zip(ids, scores.tolist(), strict=True)]

    def _best(self, codes: np.ndarray, context: Context, exclude: Collection[str],
              n: int) -> tuple[np.ndarray, np.ndarray]:
        """The head of the ranking of the context's category (or of all items), skipping `exclude`."""
        if n <= 0:
            return no_candidates()
        ranking, _ = self._ranking(context.category if self.by_category else None)
        head = ranking[:n + len(exclude)]
        return self._allowed(head, self.weights_[head], exclude, n)

    def _ranking(self, category: str | None) -> tuple[np.ndarray, list[Scored]]:
        """Item codes with a positive weight, best first (ties: more events, then lower code), and the first as items.

        Worked out once per category (unknown or no category: all items).
        """
        cached = getattr(self, "_rankings", None)
        if cached is None or cached[0] is not self.weights_:
            # one tuple, assigned at once, so concurrent requests never see a half-built cache
            rankings: dict[str | None, tuple[np.ndarray, list[Scored]]] = {}
            cached = (self.weights_, rankings, frozenset(self.categories_.tolist()))
            self._rankings = cached
        rankings, known = cached[1], cached[2]
        key = category if category and category in known else None
        if key not in rankings:
            candidates = np.flatnonzero((self.weights_ > 0) & ((self.categories_ == key) if key is not None else True))
            ranking = candidates[np.lexsort((candidates, -self.popularity_[candidates], -self.weights_[candidates]))]
            reason = Reason(self.kind, self.text) if key is None else Reason.filled(self.kind, self.text_in, key)
            head = [Scored(i, w, reason) for i, w in zip(self.item_ids_[ranking[:HEAD]].tolist(),
                                                          self.weights_[ranking[:HEAD]].tolist(), strict=True)]
            rankings[key] = (ranking, head)
        return rankings[key]

    def _reasons(self, top: np.ndarray, codes: np.ndarray) -> list[Reason]:
        return [Reason(self.kind, self.text)] * len(top)


class Trending(Popular):
    """Items ranked by sessions containing them, each session weighted down by its age.

    Parameters
    ----------
    half_life_days : a session this many days older than the newest one counts half.
    by_category : as for :class:`Popular`.
    """

    kind = "trending"
    text = N_("Trending now")
    # Translators: {} is a product category as the shop's catalog names it ("Shoes")
    text_in = N_("Trending in {}")

    def __init__(self, *, half_life_days: float = 7.0, by_category: bool = False) -> None:
        self.half_life_days = half_life_days
        self.by_category = by_category

    def _weights(self, interactions: Interactions) -> np.ndarray:
        end = interactions.session_end_times()
        age_days = (end[-1] - end) / SECONDS_PER_DAY if len(end) else end
        decay = np.exp2(-age_days / self.half_life_days)
        sessions = interactions.session_of_events()
        keys, first = np.unique(sessions.astype(np.int64) * interactions.n_items + interactions.items,
                                return_index=True)
        return np.bincount(keys % interactions.n_items, weights=decay[sessions[first]],
                           minlength=interactions.n_items)
