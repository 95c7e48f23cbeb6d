"""The quiz engine over the catalog index: every product at once, with NumPy, never a product table.

It answers exactly what `engine.results` answers over a list of products (a differential test holds
them together): the same constraints, the same greedy relaxation, the same scores to the last bit
(the float operations run in the same order, element by element), the same order of ties (rounded
score, fit, boosts, popularity, rating, title, SKU) and the same reasons. Only the few products shown are
built as objects; their reasons come from the masks (from the engine's own code when an answer was
relaxed, for the misses).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace

import numpy as np

from assistant.catalog.index import CatalogIndex, Column
from assistant.flows.answers import Answers
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
from assistant.flows.relax import relax_order
from assistant.flows.schema import Flow
from assistant.merchandising import criteria
from assistant.merchandising.criteria import Criterion
from assistant.merchandising.rules import Rule
from assistant.merchandising.weights import rule_weight

SCORE_DIGITS = 4
FAST_ROUND_BELOW = 1e5
"""Scores below this are rounded with NumPy (checked near halves); larger ones one by one in Python."""
PER_VALUE_LIMIT = 4096
"""A preference is worked out per distinct value of its attribute when it has at most this many."""
BOUNDED_FROM = 50_000
"""From this many matching products on, only those that can be among the best are scored (`_bounded`)."""
SPARSE_BELOW = 8
"""When fewer than 1 in this many products are left before the ranges, the ranges test only those."""
FIRST_CHUNK = 8192
"""How many products, in order of rating and popularity, `_bounded` looks at first; it doubles each time."""
BOUND_MARGIN = 5e-4
"""By how much the wanted scores must beat every product not looked at: five steps of the rounding to
SCORE_DIGITS, more than `_near_top` looks below the last wanted one."""
DEPTH_SLACK = 1.001
"""Rules reorder the engine's ranking by weight; how much deeper than the bound to look, for float rounding."""


def criterion_mask(index: CatalogIndex, crit: Criterion, at: np.ndarray | None = None) -> np.ndarray:
    """Which products (of positions `at`, when given) pass `crit`; attribute tests are remembered per
    index, ranges are cheap to redo."""
    if crit.kind == "range":
        return _in_range(index, crit, at)
    mask = index.cached(("criterion", crit), lambda: _test_each_value(index, crit))
    return mask if at is None else mask[at]


def all_of(index: CatalogIndex, crits: Iterable[Criterion], at: np.ndarray | None = None) -> np.ndarray:
    """Which products (of positions `at`, when given) pass every one of `crits`."""
    mask = np.ones(index.size if at is None else at.size, dtype=bool)
    for crit in crits:
        mask &= criterion_mask(index, crit, at)
    return mask


def _test_each_value(index: CatalogIndex, crit: Criterion) -> np.ndarray:
    column = index.column(crit.attribute)
    if column is None:
        return np.full(index.size, crit.test({}), dtype=bool)
    return column.where(lambda value: crit.test({crit.attribute: value}))


def _in_range(index: CatalogIndex, crit: Criterion, at: np.ndarray | None = None) -> np.ndarray:
    """Whether each product (of positions `at`, when given) has a number in crit's range."""
    column = index.column(crit.attribute)
    if column is None:
        return np.zeros(index.size if at is None else at.size, dtype=bool)
    values, numeric = column.numbers()  # NaN where not a number: no comparison holds for it
    if crit.lo is None and crit.hi is None:
        return numeric if at is None else numeric[at]
    if at is not None:
        values = values[at]
    if crit.lo is None:
        return values <= crit.hi
    mask = values >= crit.lo
    if crit.hi is not None:
        mask &= values <= crit.hi
    return mask


def closeness(index: CatalogIndex, crit: Criterion, span: float, at: np.ndarray) -> np.ndarray:
    """`Criterion.closeness` of the products at `at`: 1 in range, falling linearly to 0 at `span` outside it."""
    column = index.column(crit.attribute)
    if column is None or span <= 0:
        return np.zeros(at.size)
    values, numeric = column.numbers()
    return _near(values[at], numeric[at], crit, span)


def _near(values: np.ndarray, numeric: np.ndarray, crit: Criterion, span: float) -> np.ndarray:
    """`Criterion.closeness` of each of `values` (0 where not `numeric`), element by element as the engine."""
    below = np.where(values < crit.lo, crit.lo - values, 0.0) if crit.lo is not None else 0.0
    above = np.where(values > crit.hi, values - crit.hi, 0.0) if crit.hi is not None else 0.0
    return np.where(numeric, np.maximum(0.0, 1 - (below + above) / span), 0.0)


def constraint_mask(index: CatalogIndex, constraint: Constraint, at: np.ndarray | None = None) -> np.ndarray:
    """Products (of positions `at`, when given) meeting the constraint: any of its options, each with all
    of its criteria."""
    mask = np.zeros(index.size if at is None else at.size, dtype=bool)
    for option in constraint.options:
        mask |= all_of(index, option.criteria, at)
    return mask


def scope_mask(index: CatalogIndex, flow: Flow) -> np.ndarray:
    """Products in stock inside the flow's scope, remembered per flow version and stock."""
    key = ("stock", "scope", flow.id)
    kept = index.memo.get(key)
    if kept is None or kept[0] is not flow:  # an edited flow is a new object
        kept = index.remember(key, (flow, index.in_stock & all_of(index, criteria.parse_all(flow.scope))))
    return kept[1]


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
    candidates = _every(index, matching, dropped, preferences)
    if not dropped and matching.count >= BOUNDED_FROM:
        candidates = _bounded(index, matching.mask, preferences) or candidates
    top, positions, scores = _top(index, candidates, count, tie_breaks)
    if dropped:
        items = [score_candidate(Candidate(index.product(p), index.attrs(p)), active, dropped, preferences)
                 for p in top]
    else:
        items = _explained(index, top, scores[np.searchsorted(positions, top)], active, preferences)
    relaxed = [Relaxed(c.question_id, c.question_text, c.label) for c in dropped]
    return ResultSet(items, relaxed, matching.count), top


Candidates = Callable[[int], tuple[np.ndarray, np.ndarray, bool]]
"""Given how many of the best are wanted: positions in ascending order, their scores, and whether they are all
the matching products (if not, every product left out scores below the wanted ones by more than rounding)."""


class Matching:
    """The products that meet the answers, as a mask over every product or as their positions (whichever the
    narrowing ended with: positions once few are left), each worked out from the other when asked for."""

    def __init__(self, size: int, *, mask: np.ndarray | None = None, positions: np.ndarray | None = None) -> None:
        self.size = size
        self._mask = mask
        self._positions = positions
        self.count = int(positions.size) if positions is not None else int(np.count_nonzero(self.mask))

    @property
    def mask(self) -> np.ndarray:
        if self._mask is None:
            self._mask = np.zeros(self.size, dtype=bool)
            self._mask[self.positions] = True
        return self._mask

    @property
    def positions(self) -> np.ndarray:
        """In ascending order."""
        if self._positions is None:
            self._positions = np.flatnonzero(self.mask)
        return self._positions


def _every(index: CatalogIndex, matching: Matching, dropped: list[Constraint],
           preferences: list[Preference]) -> Candidates:
    """Every matching product, scored."""
    found: list[tuple[np.ndarray, np.ndarray, bool]] = []

    def candidates(want: int) -> tuple[np.ndarray, np.ndarray, bool]:
        if not found:
            positions = matching.positions
            found.append((positions, _scores(index, positions, dropped, preferences), True))
        return found[0]
    return candidates


def _bounded(index: CatalogIndex, mask: np.ndarray, preferences: list[Preference]) -> Candidates | None:
    """Only the matching products that can be among the best, found in order of the score every product starts
    with (rating and popularity), chunk by chunk: a product not yet looked at scores at most the preferences'
    best gains plus its own start, so once the wanted number scored above that by more than rounding can move,
    the rest cannot reach them. None when a preference has no per-value gains to bound it by."""
    best = 0.0
    for preference in preferences:
        gains = _gains_per_value(index, preference)
        if gains is None:
            return None
        best += float(gains.max())
    base = _base(index)
    order = index.cached("by rating and popularity", lambda: np.argsort(-base, kind="stable"))

    def candidates(want: int) -> tuple[np.ndarray, np.ndarray, bool]:
        seen_positions, seen_scores, end, chunk = [], [], 0, FIRST_CHUNK
        while end < order.size:
            block = order[end:end + chunk]
            end += block.size
            chunk *= 2
            block = block[mask[block]]
            seen_positions.append(block)
            seen_scores.append(_scores(index, block, [], preferences))
            if end == order.size or sum(a.size for a in seen_scores) < want:
                continue
            scores = np.concatenate(seen_scores)
            wanted = -np.partition(-scores, want - 1)[want - 1]
            if wanted >= best + base[order[end]] + BOUND_MARGIN:
                break
        positions, scores = np.concatenate(seen_positions), np.concatenate(seen_scores)
        ascending = np.argsort(positions)
        return positions[ascending], scores[ascending], end == order.size
    return candidates


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


def satisfy(index: CatalogIndex, pool: np.ndarray,
            constraints: list[Constraint]) -> tuple[np.ndarray, list[Constraint]]:
    """`relax.satisfy` with masks: products meeting every constraint not dropped, and those dropped."""
    masks = {id(c): constraint_mask(index, c) for c in constraints}
    order = relax_order(constraints)
    dropped: list[Constraint] = []
    while True:
        matching = pool.copy()
        for c in constraints:
            if c not in dropped:
                matching &= masks[id(c)]
        if matching.any() or len(dropped) == len(constraints):
            break
        dropped.append(order[len(dropped)])
    for constraint in reversed(dropped[:-1]):  # take back what some of the results meet anyway
        kept = matching & masks[id(constraint)]
        if kept.any():
            matching = kept
            dropped.remove(constraint)
    return matching, dropped


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
        return crit.weight * _near(values, ~np.isnan(values), crit, preference.span)
    return np.where(column.per_value(lambda value: crit.test({crit.attribute: value})), crit.weight, 0.0)


def _rating(index: CatalogIndex) -> np.ndarray:
    """Ratings with none as 0, as the engine reads `rating or 0`."""
    return index.cached("rating or 0", lambda: np.nan_to_num(index.rating, nan=0.0))


def _top(index: CatalogIndex, candidates: Candidates, count: int,
         tie_breaks: Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]]) -> tuple[np.ndarray, ...]:
    """The `count` best positions, one of each twins, by (-round(score, 4), -fit, -boosts, tie rank), as
    `engine.results` orders them, and the candidates' positions and scores they were chosen from;
    `tie_breaks(at)` gives the fit and boosts of the positions `at`.

    Only products that can be among the first `want` are ordered; `want` grows when twins leave
    fewer than `count` distinct products among them.
    """
    want = count
    while True:
        positions, scores, complete = candidates(want)
        near, rounded = _near_top(scores, want)
        at = positions[near]
        fit, boosts = tie_breaks(at)
        ordered = at[_first(want, -rounded, -fit, -boosts, index.tie_rank[at])]
        _, first = np.unique(index.twins[ordered], return_index=True)
        chosen = ordered[np.sort(first)[:count]]
        if chosen.size == count or (complete and want >= scores.size):
            return chosen, positions, scores
        want *= 4


def _first(want: int, *keys: np.ndarray) -> np.ndarray:
    """Indices of the `want` smallest by `keys` compared in turn (the last has no ties), in that order.

    A sort of everything would cost most when most is tied (a catalog without ratings); instead each
    key only splits what the keys before it left tied at the boundary: a partition per key, then a
    sort of the `want` chosen.
    """
    undecided, need, chosen = np.arange(keys[0].size), want, []
    for key in keys:
        if undecided.size <= need:
            break
        values = key[undecided]
        kth = np.partition(values, need - 1)[need - 1]
        better = undecided[values < kth]
        chosen.append(better)
        need -= better.size
        undecided = undecided[values == kth]
    chosen.append(undecided[:need])
    picked = np.concatenate(chosen)
    return picked[np.lexsort(tuple(key[picked] for key in reversed(keys)))]


def _near_top(scores: np.ndarray, want: int) -> tuple[np.ndarray, np.ndarray]:
    """Indices of the scores that can be among the `want` best once rounded to SCORE_DIGITS (a superset:
    ordered by rounded score, their first `want` are the first `want` of all), and those rounded scores."""
    if scores.size and np.abs(scores).max() >= FAST_ROUND_BELOW:
        return np.arange(scores.size), np.array([round(float(s), SCORE_DIGITS) for s in scores])
    if scores.size <= want:
        return np.arange(scores.size), _round(scores)
    approx = np.rint(scores * 10 ** SCORE_DIGITS)  # NumPy rounds off by a step at most: below by two, none can make it
    near = np.flatnonzero(approx >= np.partition(approx, approx.size - want)[approx.size - want] - 2)
    return near, _round(scores[near])


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


def _round(scores: np.ndarray) -> np.ndarray:
    """Python's round(score, 4) of every score: NumPy's, except where scaling by 10^4 lands near a half.

    NumPy rounds score * 10^4 to an integer and divides; that integer is Python's too unless the
    product's own rounding error crosses the half, which for scores below FAST_ROUND_BELOW cannot
    happen outside a window of 1e-5 around it.
    """
    rounded = np.round(scores, SCORE_DIGITS)
    scaled = scores * 10 ** SCORE_DIGITS
    for i in np.flatnonzero(np.abs(scaled - np.floor(scaled) - 0.5) < 1e-5):
        rounded[i] = round(float(scores[i]), SCORE_DIGITS)
    return rounded


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
