"""Often bought (or viewed) together: item-to-item co-occurrence, summed over everything in the cart."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from assistant.recommend.base import Context, Reason, Strategy, no_candidates
from assistant.recommend.codesets import distinct_codes
from assistant.recommend.interactions import Interactions
from assistant.recommend.sparse import merge_rows, session_item_matrix, strongest_rows
from assistant.recommend.wording import N_


class CoOccurrence(Strategy):
    """Items that share sessions with the context's items, normalised by popularity.

    The score of candidate ``j`` for context items ``I`` is ``sum_i C[i, j] / (n_i**alpha * n_j**beta)``
    where ``C[i, j]`` counts the sessions holding both and ``n_i`` the sessions holding ``i``:
    ``alpha = beta = 0`` are plain counts, ``0.5, 0.5`` cosine, ``1, 0`` the conditional probability
    P(j | i), so each context item has the same say.

    Parameters
    ----------
    alpha : exponent of the context item's popularity in the denominator.
    beta : exponent of the candidate's popularity in the denominator (higher favours rarer items).
    max_neighbors : keep only this many strongest partners per item (None keeps all).
    """

    def __init__(self, *, alpha: float = 0.0, beta: float = 0.0, max_neighbors: int | None = None) -> None:
        self.alpha = alpha
        self.beta = beta
        self.max_neighbors = max_neighbors

    def _fit(self, interactions: Interactions) -> None:
        binary = session_item_matrix(interactions)
        counts = (binary.T @ binary).tocsr()
        counts.setdiag(0.0)
        counts.eliminate_zeros()
        support = np.asarray(binary.sum(axis=0)).ravel().astype(np.float64)
        left = sp.diags(_inverse_power(support, self.alpha))
        right = sp.diags(_inverse_power(support, self.beta))
        self.similarity_ = _prune((left @ counts @ right).tocsr().astype(np.float32), self.max_neighbors)

    def _candidates(self, codes: np.ndarray, context: Context) -> tuple[np.ndarray, np.ndarray]:
        return merge_rows(self.similarity_, distinct_codes(codes)) if codes.size else no_candidates()

    def _reasons(self, top: np.ndarray, codes: np.ndarray) -> list[Reason]:
        return bought_with(self.similarity_, self.item_ids_, codes, top)


def bought_with(matrix: sp.csr_matrix, item_ids: np.ndarray, codes: np.ndarray, top: np.ndarray) -> list[Reason]:
    """An "often bought together" reason for each of `top`, naming the context item that weighs most for it."""
    rows = distinct_codes(codes)
    # one context item: every candidate came from its row
    sources = strongest_rows(matrix, rows, top).tolist() if rows.size > 1 else [int(rows[0])] * top.size
    reasons = {s: Reason("bought_together", N_("Often bought together with an item you chose"),
                         str(item_ids[s]) if s >= 0 else None) for s in set(sources)}
    return [reasons[s] for s in sources]


def _inverse_power(values: np.ndarray, exponent: float) -> np.ndarray:
    with np.errstate(divide="ignore"):
        result = np.where(values > 0, values ** -exponent, 0.0)
    return result


def _prune(matrix: sp.csr_matrix, keep: int | None) -> sp.csr_matrix:
    """Keep the `keep` largest entries of every row."""
    if keep is None:
        return matrix
    rows = []
    for r in range(matrix.shape[0]):
        start, end = matrix.indptr[r], matrix.indptr[r + 1]
        order = np.argsort(-matrix.data[start:end], kind="stable")[:keep]
        rows.append(np.sort(start + order))
    kept = np.concatenate(rows) if rows else np.zeros(0, dtype=np.int64)
    lengths = np.array([len(r) for r in rows], dtype=np.int64)
    indptr = np.concatenate(([0], np.cumsum(lengths)))
    return sp.csr_matrix((matrix.data[kept], matrix.indices[kept], indptr), shape=matrix.shape)
