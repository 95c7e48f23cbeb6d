"""Which products of the catalog index pass a criterion, a constraint or a flow's scope: boolean masks over
every product (or over the positions `at`), with attribute tests worked out once per distinct value."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from assistant.catalog.index import CatalogIndex
from assistant.flows.constraints import Constraint
from assistant.flows.relax import relax_order
from assistant.flows.schema import Flow
from assistant.merchandising import criteria
from assistant.merchandising.criteria import Criterion


def criterion_mask(index: CatalogIndex, crit: Criterion, at: np.ndarray | None = None) -> np.ndarray:
    """Which products (of positions `at`, when given) pass `crit`; attribute tests are remembered per
    index (read-only: every caller shares them), ranges are cheap to redo."""
    if crit.kind == "range":
        return _in_range(index, crit, at)
    mask = index.cached(("criterion", crit), lambda: _read_only(_test_each_value(index, crit)))
    return mask if at is None else mask[at]


def all_of(index: CatalogIndex, crits: Iterable[Criterion], at: np.ndarray | None = None) -> np.ndarray:
    """Which products (of positions `at`, when given) pass every one of `crits` (read-only)."""
    crits = tuple(crits)
    if len(crits) == 1:  # the usual answer: no copy of a mask over every product
        return criterion_mask(index, crits[0], at)
    mask = np.ones(index.size if at is None else at.size, dtype=bool)
    for crit in crits:
        mask &= criterion_mask(index, crit, at)
    return mask


def _read_only(mask: np.ndarray) -> np.ndarray:
    mask.flags.writeable = False
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
    return near(values[at], numeric[at], crit, span)


def near(values: np.ndarray, numeric: np.ndarray, crit: Criterion, span: float) -> np.ndarray:
    """`Criterion.closeness` of each of `values` (0 where not `numeric`), element by element as the engine."""
    below = np.where(values < crit.lo, crit.lo - values, 0.0) if crit.lo is not None else 0.0
    above = np.where(values > crit.hi, values - crit.hi, 0.0) if crit.hi is not None else 0.0
    return np.where(numeric, np.maximum(0.0, 1 - (below + above) / span), 0.0)


def constraint_mask(index: CatalogIndex, constraint: Constraint, at: np.ndarray | None = None) -> np.ndarray:
    """Products (of positions `at`, when given) meeting the constraint: any of its options, each with all
    of its criteria (read-only)."""
    if len(constraint.options) == 1:
        return all_of(index, constraint.options[0].criteria, at)
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
