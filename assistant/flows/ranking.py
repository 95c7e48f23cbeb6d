"""The quiz engine over the catalog index: every product at once, with NumPy, never a product table.

It answers exactly what `engine.results` answers over a list of products (a differential test holds
them together): the same constraints, the same greedy relaxation, the same scores to the last bit
(the float operations run in the same order, element by element), the same order of ties (rounded
score, fit, boosts, popularity, rating, title, SKU) and the same reasons. Only the few products shown are
built as objects; their reasons come from the masks (from the engine's own code when an answer was
relaxed, for the misses).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import numpy as np

from assistant.catalog.index import CatalogIndex, Column
from assistant.flows.answers import Answers
from assistant.flows.best import SCORE_DIGITS, Candidates, Matching, bounded, every, top
from assistant.flows.constraints import Constraint, Preference, constraints_for, preferences_for
from assistant.flows.engine import (
    MAX_REASONS,
    Candidate,
    Match,
    Reason,
    Relaxed,
    ResultSet,
    range_bounds,
    score_candidate,
    unique_reasons,
)
from assistant.flows.masks import all_of, closeness, constraint_mask, criterion_mask, near, satisfy, scope_mask
from assistant.flows.schema import Flow
from assistant.merchandising.rules import Rule
from assistant.merchandising.weights import rule_weight

PER_VALUE_LIMIT = 4096
"""A preference is worked out per distinct value of its attribute when it has at most this many."""
BOUNDED_FROM = 2_500
"""From this many matching products on, only those that can be among the best are scored (`_bounded`)."""
SPARSE_BELOW = 32
"""When fewer than 1 in this many products are left before the ranges, the ranges test only those."""
DEPTH_SLACK = 1.001
"""Rules reorder the engine's ranking by weight; how much deeper than the bound to look, for float rounding."""


def results(flow: Flow, answers: Answers, index: CatalogIndex, *, count: int | None = None,
            allowed: np.ndarray | None = None) -> ResultSet:
    """`engine.results` for the in-stock products of the index (and of `allowed`, when given)."""
    return _ranked(flow, answers, index, count or flow.results.count, allowed)[0]


def _ranked(flow: Flow, answers: Answers, index: CatalogIndex, count: int,
            allowed: np.ndarray | None, allowed_key: object = None) -> tuple[ResultSet, np.ndarray]:
    """The results and the index positions of their products (`allowed_key` names `allowed` for caching)."""
    constraints = constraints_for(flow, answers)
    matching, dropped = _matching(flow, index, constraints, allowed, allowed_key)
    if matching.count == 0:
        everything = index.in_stock if allowed is None else index.in_stock & allowed
        return _fallback(flow, index, everything, count)
    active = [c for c in constraints if c not in dropped]
    preferences = preferences_for(flow, answers)

    def tie_breaks(at: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return _fit(index, at, active, preferences), _boosts(index, at, preferences)
    candidates = every(matching, lambda at: _scores(index, at, dropped, preferences))
    if not dropped and matching.count >= BOUNDED_FROM:
        candidates = _bounded(index, matching.mask, preferences) or candidates
    chosen, positions, scores = top(index, candidates, count, tie_breaks)
    if dropped:
        items = [score_candidate(Candidate(index.product(p), index.attrs(p)), active, dropped, preferences)
                 for p in chosen]
    else:
        items = _explained(index, chosen, scores[np.searchsorted(positions, chosen)], active, preferences)
    relaxed = [Relaxed(c.question_id, c.question_text, c.label) for c in dropped]
    return ResultSet(items, relaxed, matching.count), chosen


def _bounded(index: CatalogIndex, mask: np.ndarray, preferences: list[Preference]) -> Candidates | None:
    """`best.bounded` with the preferences' best gains (None when one has no per-value gains to bound it by)."""
    most_gained = 0.0
    for preference in preferences:
        gains = _gains_per_value(index, preference)
        if gains is None:
            return None
        most_gained += float(gains.max())
    starts = _base(index)
    order = index.cached("by rating and popularity", lambda: np.argsort(-starts, kind="stable"))
    return bounded(mask, starts, order, most_gained, lambda at: _scores(index, at, [], preferences))


def _explained(index: CatalogIndex, top: np.ndarray, scores: np.ndarray, active: list[Constraint],
               preferences: list[Preference]) -> list[Match]:
    """`score_candidate` of the products at `top` (with their `scores`) when no constraint was dropped, from
    the masks the ranking already holds instead of testing each product's attributes again: each constraint's
    first option the product meets, then each preference it earns three quarters of."""
    reasons: list[list[Reason]] = [[] for _ in range(top.size)]
    for constraint in active:
        labels: list[str | None] = [None] * top.size
        for option in constraint.options:
            for i in np.flatnonzero(all_of(index, option.criteria, top)):
                labels[i] = labels[i] if labels[i] is not None else option.label
        for kept, label in zip(reasons, labels, strict=True):
            if label:
                kept.append(Reason("answer", label))
    for preference in preferences:
        for i in np.flatnonzero(_gained(index, preference, top) >= 0.75 * preference.criterion.weight):
            reasons[i].append(Reason("preference", preference.label))
    return [Match(index.product(int(p)), round(float(score), SCORE_DIGITS), unique_reasons(kept)[:MAX_REASONS], [])
            for p, score, kept in zip(top, scores, reasons, strict=True)]


def _matching(flow: Flow, index: CatalogIndex, constraints: list[Constraint], allowed: np.ndarray | None,
              allowed_key: object) -> tuple[Matching, list[Constraint]]:
    """Which products meet every constraint not dropped, and the constraints dropped to get any.

    The usual case needs no relaxation: the answers narrow the flow's products one at a time, in the
    order given, each step a mask remembered per answers so far (shoppers share their first answers),
    ranges last. Masks over every product, not lists of positions: an AND of two of them costs less than
    picking a list's entries out of one (at 1,000,000 products, 0.03 ms against 2 ms). Ranges (a budget
    differs from shopper to shopper) are tested on the positions left when few are (under 1 in
    SPARSE_BELOW), those positions remembered too, and on every product otherwise. Only when that leaves
    nothing is every mask worked out for the greedy relaxation of `satisfy`.
    """
    ranged = [c for c in constraints if any(k.kind == "range" for o in c.options for k in o.criteria)]
    plain = tuple(c for c in constraints if c not in ranged)
    remember = allowed is None or allowed_key is not None
    mask = _pool_mask(flow, index, allowed, allowed_key, remember)
    for depth in range(len(plain)):
        def narrow(before: np.ndarray = mask, constraint: Constraint = plain[depth]) -> np.ndarray:
            return before & constraint_mask(index, constraint)
        mask = index.per_answers(("mask", flow.id, allowed_key, plain[:depth + 1]), flow, narrow) if remember \
            else narrow()
    matching = Matching(index.size, mask=mask)
    if ranged and matching.count * SPARSE_BELOW < index.size:
        key = ("positions", flow.id, allowed_key, plain)
        positions = index.per_answers(key, flow, lambda: matching.positions) if remember else matching.positions
        for constraint in ranged:
            positions = positions[constraint_mask(index, constraint, positions)]
        matching = Matching(index.size, positions=positions)
    elif ranged:
        for constraint in ranged:
            mask = mask & constraint_mask(index, constraint)
        matching = Matching(index.size, mask=mask)
    if not constraints or matching.count:
        return matching, []
    pool = scope_mask(index, flow) if allowed is None else scope_mask(index, flow) & allowed
    found, dropped = satisfy(index, pool, constraints)
    return Matching(index.size, mask=found), dropped


def _pool_mask(flow: Flow, index: CatalogIndex, allowed: np.ndarray | None, key: object,
               remember: bool) -> np.ndarray:
    """The flow's in-stock products (of `allowed`, which `key` names when `remember`)."""
    def make() -> np.ndarray:
        return scope_mask(index, flow) if allowed is None else scope_mask(index, flow) & allowed
    return index.per_answers(("mask", flow.id, key, ()), flow, make) if remember else make()


def _scores(index: CatalogIndex, positions: np.ndarray, dropped: list[Constraint],
            preferences: list[Preference]) -> np.ndarray:
    """`engine`'s score of each product at `positions`, the same float operations in the same order."""
    score = np.zeros(positions.size)
    for preference in preferences:
        score += _gained(index, preference, positions)
    for constraint in dropped:
        near = np.zeros(positions.size)
        for option in constraint.options:
            for crit in option.criteria:
                if crit.kind == "range":
                    near = np.maximum(near, closeness(index, crit, constraint.span, positions))
        near = np.where(constraint_mask(index, constraint)[positions], 1.0, near)
        score += 2 * constraint.importance * near
    score += _base(index)[positions]
    return score


def _base(index: CatalogIndex) -> np.ndarray:
    """The score every product starts with: its rating and popularity."""
    return index.cached("rating and popularity", lambda: 0.1 * _rating(index) / 5 + 0.01 * index.popularity)


def _gained(index: CatalogIndex, preference: Preference, at: np.ndarray) -> np.ndarray:
    """`Preference.score` of the products at `at`: worked out once per distinct value of the attribute (a
    preference's values come from the flow file, a scale's from its few steps) and spread by the codes."""
    gains = _gains_per_value(index, preference)
    if gains is None:
        crit = preference.criterion
        if crit.kind == "range" and preference.span:
            return crit.weight * closeness(index, crit, preference.span, at)
        return np.where(criterion_mask(index, crit)[at], crit.weight, 0.0)
    column = index.columns[preference.criterion.attribute]
    return gains[column.codes[at]]


def _gains_per_value(index: CatalogIndex, preference: Preference) -> np.ndarray | None:
    """What each distinct value of the preference's attribute earns, then a product without it; None when the
    attribute has no column or too many values for that."""
    column = index.column(preference.criterion.attribute)
    if column is None or len(column.values) > PER_VALUE_LIMIT:
        return None
    return index.cached(("gained", preference), lambda: _gained_per_value(column, preference))  # type: ignore[no-any-return]


def _gained_per_value(column: Column, preference: Preference) -> np.ndarray:
    """What each distinct value of `column` earns (the last entry: a product without it), by the same float
    operations as `closeness` and `criterion_mask` per product."""
    crit = preference.criterion
    if crit.kind == "range" and preference.span:
        values = column.value_numbers()
        return crit.weight * near(values, ~np.isnan(values), crit, preference.span)
    return np.where(column.per_value(lambda value: crit.test({crit.attribute: value})), crit.weight, 0.0)


def _rating(index: CatalogIndex) -> np.ndarray:
    """Ratings with none as 0, as the engine reads `rating or 0`."""
    return index.cached("rating or 0", lambda: np.nan_to_num(index.rating, nan=0.0))


def _fit(index: CatalogIndex, at: np.ndarray, active: list[Constraint], preferences: list[Preference]) -> np.ndarray:
    """`engine.fit` of the products at `at`, the same float operations in the same order."""
    total = np.zeros(at.size)
    for constraint in active:
        bounds = range_bounds(constraint)
        column = index.column(bounds[0]) if bounds is not None else None
        if bounds is not None and column is not None:
            values, numeric = column.numbers()
            total += np.where(numeric[at], 1 - np.abs(values[at] - bounds[1]) / bounds[2], 0.0)
    for preference in preferences:
        if preference.criterion.kind == "range" and preference.span:
            total += closeness(index, preference.criterion, preference.span, at)
    return total


def _boosts(index: CatalogIndex, at: np.ndarray, preferences: list[Preference]) -> np.ndarray:
    """`engine.boosts` of the products at `at`."""
    earned = np.zeros(at.size, dtype=np.int64)
    for preference in preferences:
        crit = preference.criterion
        if crit.kind != "range" and crit.weight > 0:
            earned += criterion_mask(index, crit, at)
    return earned


def _fallback(flow: Flow, index: CatalogIndex, everything: np.ndarray,
              count: int) -> tuple[ResultSet, np.ndarray]:
    """`engine._fallback`: the most popular (or best rated) products in stock, in SKU order among equals."""
    if flow.results.fallback == "none":
        return ResultSet([], [], 0, fallback=True), np.zeros(0, dtype=np.int64)
    rated = flow.results.fallback == "rating"
    positions = np.flatnonzero(everything)
    values = _rating(index)[positions] if rated else index.popularity[positions]
    if positions.size > count:  # only products at least as good as the count-th can be among the first
        kth = -np.partition(-values, count - 1)[count - 1]
        keep = values >= kth
        positions, values = positions[keep], values[keep]
    chosen = positions[np.lexsort((positions, -values))[:count]]
    text = "top rated in the shop" if rated else "popular in the shop"
    return ResultSet([Match(index.product(p), 0.0, [Reason("popular", text)]) for p in chosen], [], 0,
                     fallback=True), chosen


def rank(flow: Flow, answers: Answers, index: CatalogIndex, rules: Sequence[Rule] = ()) -> ResultSet:
    """The results under the boost, bury and exclude rules of quiz_results (as tests/flows/rank_reference.py).

    Excluded products leave the pool before ranking (so relaxation still finds the best of the rest);
    boosts and buries then multiply 1 / (1 + position), as on every strip. Pins are for strips.
    """
    active = [r for r in rules if r.applies("quiz_results")]
    if not active:
        return results(flow, answers, index)
    matched = [(rule, all_of(index, rule.when)) for rule in active]
    allowed = np.ones(index.size, dtype=bool)
    for rule, mask in matched:
        if rule.action == "exclude":
            allowed &= ~mask
    weighing = [(rule, mask) for rule, mask in matched if rule.action in ("boost", "bury")]
    key = tuple(active)
    if not weighing:
        return _ranked(flow, answers, index, flow.results.count, allowed, key)[0]
    count = flow.results.count
    found, at = _ranked(flow, answers, index, _depth(count, [r for r, _ in weighing]), allowed, key)
    factors = [tuple(rule.factor for rule, mask in weighing if mask[p]) for p in at]
    weighted = sorted((-rule_weight(position, f), position, m)
                      for position, (f, m) in enumerate(zip(factors, found.items, strict=True)))
    return replace(found, items=[m for _, _, m in weighted[:count]])


def _depth(count: int, rules: Sequence[Rule]) -> int:
    """How deep into the ranking the first `count` by weight can come from.

    A product at position p weighs at most most/(1+p); each of the first `count` weighs at least
    least/count; so beyond count*most/least positions nothing can overtake them.
    """
    most = float(np.prod([max(1.0, r.factor) for r in rules]))
    least = float(np.prod([min(1.0, r.factor) for r in rules]))
    return int(np.ceil(count * most / least * DEPTH_SLACK)) + 1
