"""Sequential rules: what shoppers viewed within a few clicks after the item being viewed."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from assistant.recommend.base import Context, Reason, Strategy, no_candidates
from assistant.recommend.interactions import Interactions
from assistant.recommend.wording import N_

STEP_WEIGHTS = ("same", "div", "quadratic", "log", "linear")


def step_weight(name: str, steps: np.ndarray) -> np.ndarray:
    """Weight of something `steps` (1, 2, ...) clicks away: same 1, div 1/s, quadratic 1/s^2, log, linear."""
    steps = np.asarray(steps, dtype=np.float64)
    if name == "same":
        return np.ones_like(steps)
    if name == "div":
        return 1.0 / steps
    if name == "quadratic":
        return 1.0 / steps**2
    if name == "log":
        return 1.0 / np.log10(steps + 1.7)
    if name == "linear":
        return np.where(steps <= 100, 1.0 - 0.1 * steps, 0.0)
    raise ValueError(f"unknown step weighting {name!r} (choose from {', '.join(STEP_WEIGHTS)})")


def sequential_rules(interactions: Interactions, *, steps: int, weighting: str) -> sp.csr_matrix:
    """Items x items: for every click, each item clicked up to `steps` clicks later, weighted by the distance."""
    items, session = interactions.items, interactions.session_of_events()
    rows, cols, weights = [], [], []
    for distance in range(1, steps + 1):
        same = session[:-distance] == session[distance:]
        rows.append(items[:-distance][same])
        cols.append(items[distance:][same])
        weights.append(np.full(int(same.sum()), step_weight(weighting, np.array([distance]))[0]))
    shape = (interactions.n_items, interactions.n_items)
    if not rows:
        return sp.csr_matrix(shape, dtype=np.float32)
    coo = sp.coo_matrix((np.concatenate(weights), (np.concatenate(rows), np.concatenate(cols))), shape=shape)
    return coo.tocsr().astype(np.float32)


class SequentialRules(Strategy):
    """Items that followed the last viewed item in training sessions, closer followers counting more.

    Parameters
    ----------
    steps : how many clicks after an item still count as following it.
    weighting : how a follower's weight falls with its distance (see :func:`step_weight`).
    """

    def __init__(self, *, steps: int = 10, weighting: str = "div") -> None:
        self.steps = steps
        self.weighting = weighting

    def _fit(self, interactions: Interactions) -> None:
        self.rules_ = sequential_rules(interactions, steps=self.steps, weighting=self.weighting)

    def _candidates(self, codes: np.ndarray, context: Context) -> tuple[np.ndarray, np.ndarray]:
        return rule_row(self.rules_, codes)

    def _reasons(self, top: np.ndarray, codes: np.ndarray) -> list[Reason]:
        source = str(self.item_ids_[codes[-1]])
        return [Reason("next_viewed", N_("Often viewed next after this item"), source)] * len(top)


def rule_row(rules: sp.csr_matrix, codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The followers of the last item in `codes` and their rule scores (empty when there is none)."""
    if codes.size == 0:
        return no_candidates()
    start, end = rules.indptr[codes[-1]], rules.indptr[codes[-1] + 1]
    return rules.indices[start:end].astype(np.int64), rules.data[start:end].astype(np.float64)
