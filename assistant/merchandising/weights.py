"""How merchandising rules weigh a ranked product: its factors, and its weight at a position."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from assistant.merchandising.rules import Rule


def rule_weight(position: int, factors: tuple[float, ...]) -> float:
    """A product's weight at `position` of a ranking: 1 / (1 + position) times its rules' factors, one at a time
    in rule order (so weights tie exactly as they always did)."""
    weight = 1.0 / (1 + position)
    for factor in factors:
        weight *= factor
    return weight


def rule_factors(active: Sequence[Rule], attrs: dict[str, Any]) -> tuple[float, ...] | None:
    """The factors of the boost and bury rules `attrs` match, in rule order; None when an exclude rule matches."""
    found = []
    for rule in active:
        if rule.matches(attrs):
            if rule.action == "exclude":
                return None
            found.append(rule.factor)
    return tuple(found)
