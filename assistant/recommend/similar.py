"""Similar items from content: TF-IDF over title, description and attributes, plus price closeness.

For product pages and out-of-stock substitutes. Neighbours are computed at fit time within each
category (what a shopper means by "similar"), so fitting stays linear in the catalog size and
serving is a lookup in two small arrays.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Self

import numpy as np

from assistant.recommend.base import Context, Reason, Strategy, no_candidates
from assistant.recommend.wording import N_

ROWS_PER_BLOCK = 1024


class ContentSimilar(Strategy):
    """Score items by how alike their text is to the viewed (or last clicked) item, and how close the price.

    Parameters
    ----------
    n_neighbors : similar items kept per item.
    price_weight : share of the similarity that comes from price closeness (0 = text only).
    max_features : TF-IDF vocabulary size.
    """

    def __init__(self, *, n_neighbors: int = 30, price_weight: float = 0.25, max_features: int = 50_000) -> None:
        self.n_neighbors = n_neighbors
        self.price_weight = price_weight
        self.max_features = max_features

    def fit_catalog(self, *, item_ids: Sequence[str], texts: Sequence[str], prices: Sequence[float],
                    categories: Sequence[str], popularity: Sequence[float] | None = None) -> Self:
        """Learn neighbours from the catalog's texts, prices and categories; return self."""
        count = len(item_ids)
        self.item_ids_ = np.asarray(item_ids, dtype=str)
        self.popularity_ = np.asarray(popularity if popularity is not None else np.zeros(count), dtype=np.float64)
        from sklearn.feature_extraction.text import TfidfVectorizer  # training only: serving never imports it

        vectors = TfidfVectorizer(max_features=self.max_features, sublinear_tf=True, dtype=np.float32,
                                  strip_accents="unicode").fit_transform(texts).tocsr()
        log_price = np.log1p(np.maximum(np.asarray(prices, dtype=np.float64), 0.0))
        k = min(self.n_neighbors, max(count - 1, 0))
        self.neighbors_ = np.full((count, k), -1, dtype=np.int32)
        self.similarity_ = np.zeros((count, k), dtype=np.float32)
        groups = np.asarray(categories, dtype=str)
        for group in np.unique(groups):
            self._fit_group(np.flatnonzero(groups == group), vectors, log_price, k)
        return self

    def _fit_group(self, members: np.ndarray, vectors: object, log_price: np.ndarray, k: int) -> None:
        block = vectors[members]  # type: ignore[index]
        keep = min(k, len(members) - 1)
        if keep <= 0:
            return
        for start in range(0, len(members), ROWS_PER_BLOCK):
            rows = slice(start, start + ROWS_PER_BLOCK)
            text = (block[rows] @ block.T).toarray()
            price = np.exp(-np.abs(log_price[members[rows], None] - log_price[None, members]))
            score = (1 - self.price_weight) * text + self.price_weight * price
            score[np.arange(score.shape[0]), np.arange(start, start + score.shape[0])] = -1.0  # not itself
            best = np.argpartition(-score, keep - 1, axis=1)[:, :keep]
            order = np.argsort(-np.take_along_axis(score, best, axis=1), axis=1, kind="stable")
            best = np.take_along_axis(best, order, axis=1)
            self.neighbors_[members[rows], :keep] = members[best]
            self.similarity_[members[rows], :keep] = np.take_along_axis(score, best, axis=1)

    def fit(self, interactions: object) -> Self:
        """Content similarity learns from the catalog: use :meth:`fit_catalog`."""
        raise TypeError("ContentSimilar learns from the catalog: call fit_catalog(...)")

    def _candidates(self, codes: np.ndarray, context: Context) -> tuple[np.ndarray, np.ndarray]:
        if codes.size == 0:
            return no_candidates()
        source = int(codes[-1])
        valid = self.neighbors_[source] >= 0
        scores = np.maximum(self.similarity_[source][valid], 1e-6)  # a neighbour always has an opinion
        return self.neighbors_[source][valid].astype(np.int64), scores.astype(np.float64)

    def near_duplicates(self, item: str, threshold: float) -> tuple[str, ...]:
        """The neighbours of `item` at least `threshold` similar (none for an unknown item); remembered per item."""
        has_near, known = self._near(threshold)
        found = known.get(item)
        if found is None:
            code = self._index().get(item)
            if code is None or not has_near[code]:
                found = ()
            else:
                row = self.neighbors_[code]
                found = tuple(self.item_ids_[row[(self.similarity_[code] >= threshold) & (row >= 0)]].tolist())
            known[item] = found
        return found

    def _near(self, threshold: float) -> tuple[np.ndarray, dict[str, tuple[str, ...]]]:
        """Per item, whether any neighbour is at least `threshold` similar (worked out once per threshold), and
        the near duplicates found so far, by item."""
        cache: dict[float, tuple[np.ndarray, dict[str, tuple[str, ...]]]]
        owner, cache = getattr(self, "_near_cache", (None, {}))
        if owner is not self.neighbors_:
            cache = {}
            self._near_cache = (self.neighbors_, cache)  # one tuple, assigned at once, as for the item index
        if threshold not in cache:
            cache[threshold] = (np.any((self.similarity_ >= threshold) & (self.neighbors_ >= 0), axis=1), {})
        return cache[threshold]

    def _reasons(self, top: np.ndarray, codes: np.ndarray) -> list[Reason]:
        source = str(self.item_ids_[int(codes[-1])])
        return [Reason("similar", N_("Similar to what you viewed"), source)] * len(top)
