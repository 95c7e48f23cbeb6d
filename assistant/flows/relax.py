"""Relax the least important constraints, one at a time, until something matches."""

from __future__ import annotations

from typing import TYPE_CHECKING

from assistant.flows.constraints import Constraint

if TYPE_CHECKING:
    from assistant.flows.engine import Candidate


def relax_order(constraints: list[Constraint]) -> list[Constraint]:
    """Least important first; among equals, the one answered last goes first."""
    return sorted(constraints, key=lambda c: (c.importance, -c.position))


def satisfy(pool: list[Candidate], constraints: list[Constraint]) -> tuple[list[Candidate], list[Constraint]]:
    """Candidates meeting every constraint not dropped, and the constraints dropped to get any.

    Constraints are dropped least important first until something matches; then each dropped one
    but the last is taken back, most important first, if some of what matches still meets it. So
    every constraint reported as relaxed is one that no result meets: dropping it is what changed
    the results (a budget dropped on the way to dropping a brand is not reported when results in
    budget were there all along).
    """
    order = relax_order(constraints)
    dropped: list[Constraint] = []
    while True:
        active = [c for c in constraints if c not in dropped]
        matching = [c for c in pool if all(k.test(c.attrs) for k in active)]
        if matching or not active:
            break
        dropped.append(order[len(dropped)])
    for constraint in reversed(dropped[:-1]):
        kept = [c for c in matching if constraint.test(c.attrs)]
        if kept:
            matching = kept
            dropped.remove(constraint)
    return matching, dropped
