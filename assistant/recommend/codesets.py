"""Set operations on the short integer arrays of one request (item codes of a cart, a few hundred candidates).

They do what ``np.unique`` and ``np.isin`` do, by sorting: at these sizes numpy's
general versions spend 10-30 µs a call (hash tables, method choice), which across a strategy chain
cost more than the scoring itself.
"""

from __future__ import annotations

import numpy as np


def distinct(values: np.ndarray) -> np.ndarray:
    """The distinct values, ascending (``np.unique``)."""
    ordered = np.sort(values)
    return ordered[_firsts(ordered)]


def distinct_codes(codes: np.ndarray) -> np.ndarray:
    """The distinct item codes of a context, ascending; a one-item context (the commonest) as it is."""
    return codes if codes.size <= 1 else distinct(codes)


def member(values: np.ndarray, ascending: np.ndarray) -> np.ndarray:
    """Whether each of `values` is one of `ascending` (sorted), as a boolean array (``np.isin``)."""
    if ascending.size == 0:
        return np.zeros(values.size, dtype=bool)
    at = np.minimum(np.searchsorted(ascending, values), ascending.size - 1)
    return ascending[at] == values


def _firsts(ordered: np.ndarray) -> np.ndarray:
    firsts = np.ones(ordered.size, dtype=bool)
    np.not_equal(ordered[1:], ordered[:-1], out=firsts[1:])
    return firsts
