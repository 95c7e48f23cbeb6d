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
    """Candidates meeting every constraint not dropped, and the constraints dropped to get any."""
    order = relax_order(constraints)
    dropped: list[Constraint] = []
    while True:
        active = [c for c in constraints if c not in dropped]
        matching = [c for c in pool if all(k.test(c.attrs) for k in active)]
        if matching or not active:
            return matching, dropped
        dropped.append(order[len(dropped)])
