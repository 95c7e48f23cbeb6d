"""Recently viewed: the products of the shopper's own recent views, the latest first."""

from __future__ import annotations

from collections.abc import Collection, Iterable

import numpy as np

from assistant.recommend.base import Context, Reason, Scored, Strategy
from assistant.recommend.interactions import Interactions
from assistant.recommend.wording import N_

REASON = Reason("recently_viewed", N_("You viewed this recently"))


class RecentlyViewed(Strategy):
    """The context's viewed items, most recent first, each once; nothing to learn but which items exist.

    Scores fall with recency (1, 1/2, 1/3, ...), so rules can still boost and bury within the strip.
    """

    def _fit(self, interactions: Interactions) -> None:
        pass  # fit() keeps the item ids and popularity; the answer is the shopper's own history

    def recommend(self, context: Context, *, n: int = 10, exclude: Collection[str] = ()) -> list[Scored]:
        """At most `n` of the items viewed in `context.session`, the latest first, none in `exclude`."""
        self._check_fitted()
        banned = exclude if isinstance(exclude, set | frozenset | dict) else set(exclude)
        latest = [item for item in dict.fromkeys(reversed(context.session)) if item not in banned]
        return [Scored(item, 1.0 / (1 + rank), REASON) for rank, item in enumerate(latest[:max(n, 0)])]

    def knows_any(self, items: Iterable[str]) -> bool:
        """Any viewed item counts: the answer is the shopper's own, not the training data's (none before fitting)."""
        return hasattr(self, "item_ids_") and any(True for _ in items)

    def _candidates(self, codes: np.ndarray, context: Context) -> tuple[np.ndarray, np.ndarray]:
        raise NotImplementedError("RecentlyViewed answers from the context in recommend()")
