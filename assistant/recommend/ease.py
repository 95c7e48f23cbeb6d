"""Basket completion with EASE, a ridge regression of every item on all the others (Steck, WWW 2019).

Like co-occurrence it answers "often bought together", but each weight says what an item adds
once the rest of the basket is known, so items that merely ride along with popular ones stop
crowding the list; on Online Retail it completes carts far better than normalised co-occurrence.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from assistant.recommend.base import Context, Reason, Strategy, no_candidates
from assistant.recommend.codesets import distinct_codes
from assistant.recommend.interactions import Interactions
from assistant.recommend.sparse import merge_rows, session_item_matrix
from assistant.recommend.together import bought_with


class EASE(Strategy):
    """Score items by the learned item-to-item weights of everything in the cart (or session).

    Fitting inverts an items x items matrix, so it is limited to the ``max_items`` most popular
    items (the others get no opinion, so a chain falls back for them); memory grows with its square.

    Parameters
    ----------
    l2 : ridge penalty; larger values shrink rare pairs more.
    max_neighbors : keep only this many strongest positive weights per item (None keeps all).
    max_items : fit on at most this many items, the most popular.
    """

    def __init__(self, *, l2: float = 50.0, max_neighbors: int | None = 200, max_items: int = 10_000) -> None:
        self.l2 = l2
        self.max_neighbors = max_neighbors
        self.max_items = max_items

    def _fit(self, interactions: Interactions) -> None:
        binary = session_item_matrix(interactions)
        support = np.asarray(binary.sum(axis=0)).ravel()
        order = np.lexsort((np.arange(len(support)), -support))
        kept = np.sort(order[:min(self.max_items, len(support))])
        gram = (binary[:, kept].T @ binary[:, kept]).toarray().astype(np.float64)
        gram[np.diag_indices_from(gram)] += self.l2
        precision = np.linalg.inv(gram)
        weights = -precision / np.diag(precision)
        weights[np.diag_indices_from(weights)] = 0.0
        self.weights_ = _sparse_top(weights, kept, interactions.n_items, self.max_neighbors)

    def _candidates(self, codes: np.ndarray, context: Context) -> tuple[np.ndarray, np.ndarray]:
        return merge_rows(self.weights_, distinct_codes(codes)) if codes.size else no_candidates()

    def _reasons(self, top: np.ndarray, codes: np.ndarray) -> list[Reason]:
        return bought_with(self.weights_, self.item_ids_, codes, top)


def _sparse_top(weights: np.ndarray, kept: np.ndarray, n_items: int, keep: int | None) -> sp.csr_matrix:
    """The positive weights (the `keep` largest per row) as an n_items x n_items CSR matrix."""
    if keep is not None and keep < weights.shape[1]:
        cut = np.partition(weights, weights.shape[1] - keep, axis=1)[:, weights.shape[1] - keep][:, None]
        weights = np.where(weights >= cut, weights, 0.0)
    rows, cols = np.nonzero(weights > 0)
    matrix = sp.csr_matrix((weights[rows, cols].astype(np.float32), (kept[rows], kept[cols])),
                           shape=(n_items, n_items))
    matrix.sort_indices()
    return matrix
