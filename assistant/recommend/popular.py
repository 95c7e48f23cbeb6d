"""Best sellers: overall popularity, or time-decayed "trending now", optionally within the viewed category."""

from __future__ import annotations

import numpy as np

from assistant.recommend.base import Context, Reason, Strategy
from assistant.recommend.interactions import Interactions

SECONDS_PER_DAY = 86_400.0


class Popular(Strategy):
    """Items ranked by how many sessions contain them.

    Parameters
    ----------
    by_category : when the context names a category, rank only the items of that category
        (falling back to all items when the category is unknown).
    """

    kind = "popular"
    text = "Popular with other shoppers"

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

    def _scores(self, codes: np.ndarray, context: Context) -> np.ndarray:
        scores = self.weights_.copy()
        if self.by_category and context.category:
            inside = self.categories_ == context.category
            if inside.any():
                scores[~inside] = 0.0
        return scores

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
    text = "Trending now"

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
