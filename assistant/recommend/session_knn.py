"""Session-based kNN: find past sessions like the current one and recommend what they contained.

One estimator covers the family of Ludewig & Jannach's neighbourhood methods: V-SKNN (position-weighted
vector similarity, ``weighting``/``weighting_score``/``idf_weighting``), STAN and VSTAN (exponential
decays ``lambda_spw``, ``lambda_snh``, ``lambda_inh``, ``lambda_ipw``), and optionally sequential-rule
scores of the last item blended in.
"""

from __future__ import annotations

from collections.abc import Collection

import numpy as np
import scipy.sparse as sp

from assistant.recommend.base import Context, Reason, Strategy, no_candidates
from assistant.recommend.codesets import distinct, member
from assistant.recommend.interactions import Interactions
from assistant.recommend.rules import rule_row, sequential_rules, step_weight
from assistant.recommend.sparse import column_sums, ranges
from assistant.recommend.wording import N_

SECONDS_PER_DAY = 86_400.0
SHORT_CONTEXT = 32
"""Contexts up to this many clicks take the small-array paths (same answers, fewer numpy calls)."""
POSITION_WEIGHTS = ("same", "div", "quadratic", "log", "linear")


def position_weight(name: str, positions: np.ndarray, length: int) -> np.ndarray:
    """Weight of the click at `positions` (1-based) of a session of `length` clicks; later clicks weigh more."""
    positions = np.asarray(positions, dtype=np.float64)
    if name == "same":
        return np.ones_like(positions)
    if name == "div":
        return positions / length
    if name == "quadratic":
        return (positions / length) ** 2
    if name == "log":
        return 1.0 / np.log10(length - positions + 1.7)
    if name == "linear":
        return np.where(positions <= 10, 1.0 - 0.1 * (length - positions), 0.0)
    raise ValueError(f"unknown position weighting {name!r} (choose from {', '.join(POSITION_WEIGHTS)})")


class SessionKNN(Strategy):
    """Score items by the ``k`` training sessions most similar to the current one.

    Parameters
    ----------
    k : number of neighbour sessions whose items are scored.
    sample_size : neighbours are sought among the most recent sessions sharing an item with the
        current one, at most this many (0 = all).
    similarity : ``vec`` (sum of the weights of shared items / distinct items of the current session,
        V-SKNN) or ``cosine`` (weighted cosine between the two item sets, VSTAN).
    weighting : weight of a current-session item by its position (see :func:`position_weight`);
        replaced by ``exp((p - length) / lambda_spw)`` when ``lambda_spw`` is set (STAN).
    weighting_score : a neighbour's items count less when the most recent item it shares is ``s``
        clicks back (see :func:`~assistant.recommend.rules.step_weight`); replaced by
        ``exp(-(s - 1) / lambda_ipw)`` when ``lambda_ipw`` is set (VSTAN).
    idf_weighting : multiply an item's score by ``1 + idf_weighting * idf`` (0 = off).
    lambda_snh : a neighbour ``d`` days older than the newest training session counts ``exp(-d / lambda_snh)``.
    lambda_inh : within a neighbour, an item ``g`` clicks away from the last shared item counts
        ``exp(-g / lambda_inh)``.
    neighbors_from : seek neighbours among sessions sharing ``all`` items of the current session or only the ``last``.
    remind : allow items already in the current session (a shop page would pass them in ``exclude`` anyway).
    rules_weight : add this times the (max-normalised) sequential-rule scores of the last item to the
        (max-normalised) neighbourhood scores; 0 turns rules off.
    rules_steps, rules_weighting : how the sequential rules are counted (see :class:`SequentialRules`).
    reminder_boost : add this to the (normalised) score of every item already in the session, since
        shoppers often go back to one (only with ``remind``).
    one_item_answers : for every item, keep the best this many recommendations for a context of that one
        item, worked out at fit time (0 = none). The commonest contexts (one viewed or carted item) are then
        served from them, and the same as searching: an ask that would reach past them searches.
    """

    def __init__(self, *, k: int = 100, sample_size: int = 1000, similarity: str = "vec",
                 weighting: str = "quadratic", weighting_score: str = "quadratic", idf_weighting: float = 0.0,
                 lambda_spw: float | None = None, lambda_ipw: float | None = None, lambda_snh: float | None = None,
                 lambda_inh: float | None = None, neighbors_from: str = "all", remind: bool = True,
                 rules_weight: float = 0.0, rules_steps: int = 10, rules_weighting: str = "div",
                 reminder_boost: float = 0.0, one_item_answers: int = 64) -> None:
        self.k = k
        self.sample_size = sample_size
        self.similarity = similarity
        self.weighting = weighting
        self.weighting_score = weighting_score
        self.idf_weighting = idf_weighting
        self.lambda_spw = lambda_spw
        self.lambda_ipw = lambda_ipw
        self.lambda_snh = lambda_snh
        self.lambda_inh = lambda_inh
        self.neighbors_from = neighbors_from
        self.remind = remind
        self.rules_weight = rules_weight
        self.rules_steps = rules_steps
        self.rules_weighting = rules_weighting
        self.reminder_boost = reminder_boost
        self.one_item_answers = one_item_answers

    def _fit(self, interactions: Interactions) -> None:
        if self.similarity not in ("vec", "cosine"):
            raise ValueError(f"unknown similarity {self.similarity!r} (choose vec or cosine)")
        if self.neighbors_from not in ("all", "last"):
            raise ValueError(f"unknown neighbors_from {self.neighbors_from!r} (choose all or last)")
        self.sessions_ = last_positions(interactions)
        self.items_ = self.sessions_.tocsc()
        self.session_sizes_ = np.diff(self.sessions_.indptr).astype(np.float64)
        ends = interactions.session_end_times()
        self.session_age_days_ = (ends[-1] - ends) / SECONDS_PER_DAY if len(ends) else ends
        events = interactions.item_counts().astype(np.float64)
        with np.errstate(divide="ignore"):
            self.idf_ = np.where(events > 0, np.log(max(interactions.n_sessions, 1) / events), 0.0)
        if self.rules_weight:
            self.rules_ = sequential_rules(interactions, steps=self.rules_steps, weighting=self.rules_weighting)
        else:
            self.rules_ = sp.csr_matrix((interactions.n_items, interactions.n_items), dtype=np.float32)
        answers = self._one_item_answers(interactions.n_items)
        self.one_item_indptr_, self.one_item_codes_, self.one_item_scores_ = answers
        self.one_item_kept_ = self.one_item_answers  # a row this long may have been cut off

    def _one_item_answers(self, n_items: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The best `one_item_answers` items for the context of each one item, best first, as CSR-like arrays."""
        search = super()._best
        answers = [search(np.array([code]), Context(), (), self.one_item_answers)
                   for code in range(n_items if self.one_item_answers > 0 else 0)]
        lengths = np.array([codes.size for codes, _ in answers], dtype=np.int64)
        indptr = np.concatenate(([0], np.cumsum(lengths))) if answers else np.zeros(n_items + 1, dtype=np.int64)
        codes = np.concatenate([c for c, _ in answers]).astype(np.int32) if answers else np.zeros(0, dtype=np.int32)
        scores = np.concatenate([s for _, s in answers]) if answers else np.zeros(0)
        return indptr, codes, scores

    def _best(self, codes: np.ndarray, context: Context, exclude: Collection[str],
              n: int) -> tuple[np.ndarray, np.ndarray]:
        """For a one-item context, the kept answers minus `exclude`, while they hold `n`; otherwise a search."""
        indptr = getattr(self, "one_item_indptr_", None)  # bundles trained before answers were kept search
        if codes.size == 1 and n > 0 and indptr is not None and indptr.size == len(self.item_ids_) + 1:
            start, end = indptr[codes[0]], indptr[codes[0] + 1]
            ahead = min(end, start + n + len(exclude))
            items, scores = self._allowed(self.one_item_codes_[start:ahead], self.one_item_scores_[start:ahead],
                                          exclude, n)
            if items.size == n or end - start < self.one_item_kept_:  # all found, or nothing was cut off
                return items.astype(np.int64), scores
        return super()._best(codes, context, exclude, n)

    def _candidates(self, codes: np.ndarray, context: Context) -> tuple[np.ndarray, np.ndarray]:
        if codes.size == 0:
            return no_candidates()
        neighbors, weights, anchors = self._neighbors(codes)
        items, scores = self._score_neighbors(neighbors, weights, anchors) if neighbors.size else no_candidates()
        parts = [(items, _normalised(scores))]
        if self.rules_weight:
            followers, rules = rule_row(self.rules_, codes)
            parts.append((followers, self.rules_weight * _normalised(rules)))
        if self.remind and self.reminder_boost:
            seen = distinct(codes)
            parts.append((seen, np.full(seen.size, self.reminder_boost)))
        items, scores = parts[0]
        if len(parts) > 1:  # added item by item in this order, as the dense vectors they replace were
            items, scores = column_sums(np.concatenate([i for i, _ in parts]), np.concatenate([s for _, s in parts]),
                                        len(self.item_ids_))
        if not self.remind:
            scores = np.where(member(items, distinct(codes)), 0.0, scores)
        return items, scores

    def _neighbors(self, codes: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The k nearest sessions, their weights, and for each the position of its most recent shared item."""
        items, last = _last_positions(codes)
        weights = self._position_weights(last, len(codes))
        sources = items if self.neighbors_from == "all" else codes[-1:]
        sessions, item_of, positions = self._postings(items, sources)
        candidates, inverse = np.unique(sessions, return_inverse=True)
        if self.sample_size and candidates.size > self.sample_size:
            cut = candidates.size - self.sample_size
            kept = inverse >= cut
            candidates, inverse = candidates[cut:], inverse[kept] - cut
            item_of, positions = item_of[kept], positions[kept]
        similarity = np.bincount(inverse, weights=weights[item_of], minlength=candidates.size)
        similarity = self._normalise_similarity(similarity, candidates, weights)
        if self.lambda_snh:
            similarity *= np.exp(-self.session_age_days_[candidates] / self.lambda_snh)
        chosen = _top_k(similarity, candidates, self.k)
        recent = np.zeros(candidates.size)
        np.maximum.at(recent, inverse, last[item_of])
        anchor = np.zeros(candidates.size)
        np.maximum.at(anchor, inverse, positions)
        steps = len(codes) - recent[chosen] + 1
        match = (np.exp(-(steps - 1) / self.lambda_ipw) if self.lambda_ipw
                 else step_weight(self.weighting_score, steps))
        return candidates[chosen], similarity[chosen] * match, anchor[chosen]

    def _postings(self, items: np.ndarray, sources: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Sessions holding any of `items` (restricted to those holding a `sources` item): session, item, position."""
        indptr = self.items_.indptr
        starts, ends = indptr[items], indptr[items + 1]
        if items.size <= SHORT_CONTEXT:  # slices of a few posting lists, not a gather
            bounds = list(zip(starts.tolist(), ends.tolist(), strict=True))
            sessions = np.concatenate([self.items_.indices[a:b] for a, b in bounds])
            positions = np.concatenate([self.items_.data[a:b] for a, b in bounds])
        else:
            flat = ranges(starts, ends)
            sessions, positions = self.items_.indices[flat], self.items_.data[flat]
        item_of = np.repeat(np.arange(items.size), ends - starts)
        if sources.size < items.size:
            allowed = self.items_.indices[ranges(indptr[sources], indptr[sources + 1])]
            keep = member(sessions, distinct(allowed))
            sessions, item_of, positions = sessions[keep], item_of[keep], positions[keep]
        return sessions, item_of, positions

    def _position_weights(self, last: np.ndarray, length: int) -> np.ndarray:
        if self.lambda_spw:
            return np.exp((last - length) / self.lambda_spw)
        return position_weight(self.weighting, last, length)

    def _normalise_similarity(self, similarity: np.ndarray, candidates: np.ndarray, weights: np.ndarray) -> np.ndarray:
        if self.similarity == "vec":
            return similarity / weights.size
        norm = np.sqrt(np.sum(weights**2)) * np.sqrt(self.session_sizes_[candidates])
        return similarity / np.where(norm > 0, norm, 1.0)

    def _score_neighbors(self, neighbors: np.ndarray, weights: np.ndarray,
                         anchors: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        indptr = self.sessions_.indptr
        starts, ends = indptr[neighbors], indptr[neighbors + 1]
        flat = ranges(starts, ends)
        entry = np.repeat(weights, ends - starts)
        if self.lambda_inh:
            gap = np.abs(self.sessions_.data[flat] - np.repeat(anchors, ends - starts))
            entry = entry * np.exp(-gap / self.lambda_inh)
        items, scores = column_sums(self.sessions_.indices[flat], entry, len(self.item_ids_))
        if self.idf_weighting:
            scores = scores * (1.0 + self.idf_weighting * self.idf_[items])
        return items, scores

    def _reasons(self, top: np.ndarray, codes: np.ndarray) -> list[Reason]:
        return [Reason("similar_session", N_("Viewed by shoppers like you"))] * len(top)


def last_positions(interactions: Interactions) -> sp.csr_matrix:
    """Sessions x items, holding the 1-based position of the item's last click in the session."""
    session = interactions.session_of_events()
    position = np.arange(len(session)) - interactions.indptr[session] + 1
    key = session.astype(np.int64) * interactions.n_items + interactions.items
    order = np.lexsort((position, key))
    last = np.append(key[order][1:] != key[order][:-1], True)[:len(key)]
    keys, values = key[order][last], position[order][last]
    matrix = sp.csr_matrix((values.astype(np.float64), (keys // interactions.n_items, keys % interactions.n_items)),
                           shape=(interactions.n_sessions, interactions.n_items))
    matrix.sort_indices()
    return matrix


def _last_positions(codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct items of `codes` (ascending) and the 1-based position of each one's last occurrence."""
    if codes.size <= SHORT_CONTEXT:  # a shopper's few clicks: a dict beats np.unique's fixed cost
        last = {code: position for position, code in enumerate(codes.tolist(), start=1)}
        items = sorted(last)
        return np.array(items, dtype=codes.dtype), np.array([last[i] for i in items], dtype=np.float64)
    reversed_items, first_from_end = np.unique(codes[::-1], return_index=True)
    return reversed_items, (len(codes) - first_from_end).astype(np.float64)


def _top_k(similarity: np.ndarray, candidates: np.ndarray, k: int) -> np.ndarray:
    """Indices of the k most similar (positive) candidates; ties go to the more recent session."""
    positive = np.flatnonzero(similarity > 0)
    if positive.size > k:
        threshold = np.partition(similarity[positive], positive.size - k)[positive.size - k]
        positive = positive[similarity[positive] >= threshold]
    order = np.lexsort((-candidates[positive], -similarity[positive]))
    return positive[order[:k]]


def _normalised(scores: np.ndarray) -> np.ndarray:
    top = scores.max(initial=0.0)
    return scores / top if top > 0 else scores
