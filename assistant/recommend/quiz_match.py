"""The shopper's own quiz answers as the cold-start signal: "Picked for you" before any history exists.

The quiz engine over the site's catalog index (`flows.ranking`) ranks the in-stock products for the
answers, exactly as it ranks quiz results (constraints, relaxation, preferences); each item says
which answer it fits. Only products the bundle's catalog snapshot has take part (the strip shows
snapshot items), and the SKUs to exclude leave the pool before the answers are relaxed. Built per
request from the answers, so it is not trained; the snapshot's mask of each index is kept in the
bundle's memo.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable

import numpy as np

from assistant.catalog.index import CatalogIndex
from assistant.flows.answers import Answers
from assistant.flows.ranking import results
from assistant.flows.schema import Flow
from assistant.recommend.base import Context, Reason, Scored
from assistant.recommend.serving import Bundle
from assistant.recommend.wording import N_


class QuizMatch:
    """Products that fit the answers one shopper gave to one flow, best first (the Recommender contract)."""

    def __init__(self, flow: Flow, answers: Answers, index: CatalogIndex, known: np.ndarray) -> None:
        self.flow = flow
        self.answers = answers
        self.index = index
        self.known = known
        """Which products of the index the bundle's snapshot has."""

    def fit(self, interactions: object) -> QuizMatch:
        """Nothing to learn: the answers come with the request."""
        return self

    def recommend(self, context: Context, *, n: int = 10, exclude: Collection[str] = ()) -> list[Scored]:
        """At most `n` products for the answers, none in `exclude`; none when nothing fits (the chain falls back)."""
        if n <= 0 or not self.answers:
            return []
        allowed = self.known
        if exclude:
            allowed = allowed.copy()
            allowed[self.index.positions(exclude)] = False
        found = results(self.flow, self.answers, self.index, count=n, allowed=allowed)
        if found.fallback:
            return []
        return [Scored(m.product.sku, m.score, _reason(m.reasons[0].text if m.reasons else None))
                for m in found.items]

    def knows_any(self, items: Iterable[str]) -> bool:
        """Answers are a signal of their own: a strip built from them is never the same for everyone."""
        return True


def snapshot_mask(bundle: Bundle, index: CatalogIndex) -> np.ndarray:
    """Which products of `index` the bundle's catalog snapshot has; kept per bundle while the index's
    catalog is the same (a stock refresh keeps it, a rebuilt index makes a new one)."""
    kept = bundle.memo.get("quiz snapshot mask")
    if kept is None or kept[0] is not index.skus:
        mask = np.zeros(index.size, dtype=bool)
        mask[index.positions(bundle.catalog)] = True
        kept = (index.skus, mask)
        bundle.memo["quiz snapshot mask"] = kept
    return kept[1]


def _reason(label: str | None) -> Reason:
    if label:
        # Translators: {} is what the shopper answered, as the quiz says it ("trail running")
        return Reason.filled("quiz", N_("From your quiz: {}"), label)
    return Reason("quiz", N_("From your quiz answers"))
