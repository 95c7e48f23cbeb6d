"""Sparse-matrix helpers the strategies share: session x item matrices and fast row gathers."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from assistant.recommend.interactions import Interactions


def session_item_matrix(interactions: Interactions) -> sp.csr_matrix:
    """Binary sessions x items matrix: 1 where the session contains the item."""
    data = np.ones(len(interactions.items), dtype=np.float32)
    matrix = sp.csr_matrix((data, interactions.items, interactions.indptr),
                           shape=(interactions.n_sessions, interactions.n_items))
    matrix.sum_duplicates()
    matrix.data[:] = 1.0
    return matrix


def ranges(starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """Concatenation of ``arange(s, e)`` for every pair, without a Python loop."""
    lengths = ends - starts
    total = int(lengths.sum())
    if total == 0:
        return np.zeros(0, dtype=np.int64)
    return np.repeat(starts - np.cumsum(lengths) + lengths, lengths) + np.arange(total)


def sum_rows(matrix: sp.csr_matrix, rows: np.ndarray) -> np.ndarray:
    """Dense sum of the given rows of a CSR matrix."""
    flat = ranges(matrix.indptr[rows], matrix.indptr[rows + 1])
    return np.bincount(matrix.indices[flat], weights=matrix.data[flat], minlength=matrix.shape[1])


def strongest_rows(matrix: sp.csr_matrix, rows: np.ndarray, columns: np.ndarray) -> np.ndarray:
    """For each of `columns`, which of `rows` holds its largest entry (-1 when none holds any)."""
    lengths = matrix.indptr[rows + 1] - matrix.indptr[rows]
    flat = ranges(matrix.indptr[rows], matrix.indptr[rows + 1])
    owner, cols, values = np.repeat(rows, lengths), matrix.indices[flat], matrix.data[flat]
    wanted = np.zeros(matrix.shape[1], dtype=bool)
    wanted[columns] = True
    keep = wanted[cols]
    owner, cols, values = owner[keep], cols[keep], values[keep]
    order = np.lexsort((owner, -values, cols))
    first = order[np.append(True, cols[order][1:] != cols[order][:-1])] if order.size else order
    best = dict(zip(cols[first].tolist(), owner[first].tolist(), strict=True))
    return np.array([best.get(int(c), -1) for c in columns], dtype=np.int64)
