"""Sparse-matrix helpers the strategies share: session x item matrices and fast row gathers."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from assistant.recommend.interactions import Interactions

DENSE_BELOW = 16
"""column_sums adds densely once there are more than 1/DENSE_BELOW entries per column."""


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


def merge_rows(matrix: sp.csr_matrix, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The sum of the given rows of a CSR matrix as (distinct columns, sums): a few short lists merged.

    The sums are those of a dense sum (each column's entries added in row order), without allocating
    a row as wide as the matrix unless the rows hold many entries (see :func:`column_sums`). Each row
    holds a column at most once (canonical CSR).
    """
    if rows.size <= 1:  # the common cases, without the cost of merging
        start, end = (matrix.indptr[rows[0]], matrix.indptr[rows[0] + 1]) if rows.size else (0, 0)
        return matrix.indices[start:end].astype(np.int64), matrix.data[start:end].astype(np.float64)
    flat = ranges(matrix.indptr[rows], matrix.indptr[rows + 1])
    return column_sums(matrix.indices[flat], matrix.data[flat], matrix.shape[1])


def column_sums(columns: np.ndarray, values: np.ndarray, width: int) -> tuple[np.ndarray, np.ndarray]:
    """The distinct `columns` (of ``0..width-1``) and the sum of the `values` of each, added in the order given.

    Few entries are merged by sorting them; many (over ``width / DENSE_BELOW``) by a dense sum, which
    then leaves out a column whose values sum to 0.
    """
    if columns.size * DENSE_BELOW > width:
        sums = np.bincount(columns, weights=values, minlength=width)
        found = np.flatnonzero(sums)
        return found, sums[found]
    found, inverse = np.unique(columns, return_inverse=True)
    return found, np.bincount(inverse, weights=values, minlength=found.size)


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
