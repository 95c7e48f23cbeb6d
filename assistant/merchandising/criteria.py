"""Criteria: one test of one product attribute, parsed from a filter, boost or scope entry."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any, Literal

Kind = Literal["any", "not", "range", "contains", "excludes"]
_OPERATORS = {"any", "not", "min", "max", "contains", "excludes", "weight"}


class CriterionError(ValueError):
    """A filter or boost entry is malformed; `hint` says how to write it."""

    def __init__(self, message: str, hint: str) -> None:
        super().__init__(message)
        self.hint = hint


@dataclass(frozen=True)
class Criterion:
    """`attribute` tested by `kind` against `values` (or the range lo..hi)."""

    attribute: str
    kind: Kind
    values: tuple[Any, ...] = ()
    lo: float | None = None
    hi: float | None = None
    weight: float = 1.0

    def test(self, attrs: dict[str, Any]) -> bool:
        """Whether a product with attributes `attrs` passes."""
        value = attrs.get(self.attribute)
        if self.kind == "range":
            return _in_range(value, self.lo, self.hi)
        if self.kind in ("contains", "excludes"):
            text = " ".join(map(str, value)) if isinstance(value, list) else str(value or "")
            hit = any(str(v).lower() in text.lower() for v in self.values)
            return hit if self.kind == "contains" else not hit
        wanted = self._wanted
        overlap = any(_norm(v) in wanted for v in value) if isinstance(value, list) else _norm(value) in wanted
        return overlap if self.kind == "any" else not overlap

    @cached_property
    def _wanted(self) -> frozenset[Any]:
        """The values normalised once, not on every test (rules test every product of every strip)."""
        return frozenset(_norm(v) for v in self.values)

    def closeness(self, attrs: dict[str, Any], span: float) -> float:
        """1 when the value is in range, falling linearly to 0 at `span` outside it."""
        value = attrs.get(self.attribute)
        if not isinstance(value, (int, float)) or isinstance(value, bool) or span <= 0:
            return 0.0
        below = self.lo - value if self.lo is not None and value < self.lo else 0.0
        above = value - self.hi if self.hi is not None and value > self.hi else 0.0
        return max(0.0, 1 - (below + above) / span)


def parse(attribute: str, spec: Any, *, allow_weight: bool = False) -> Criterion:
    """Parse `attribute: spec` as written in a flow file."""
    if isinstance(spec, dict):
        return _parse_mapping(attribute, spec, allow_weight)
    values = tuple(spec) if isinstance(spec, list) else (spec,)
    if not values or any(isinstance(v, (dict, list)) for v in values):
        raise CriterionError(f"'{attribute}' needs a value or a list of values",
                             f"write `{attribute}: value` or `{attribute}: [a, b]`")
    return Criterion(attribute, "any", values)


def _parse_mapping(attribute: str, spec: dict[str, Any], allow_weight: bool) -> Criterion:
    unknown = set(spec) - _OPERATORS
    if unknown or (not allow_weight and "weight" in spec):
        bad = sorted(unknown)[0] if unknown else "weight"
        raise CriterionError(f"unknown operator '{bad}' for '{attribute}'",
                             "use any, not, min, max, contains or excludes" + (", weight" if allow_weight else ""))
    weight = spec.get("weight", 1.0)
    if not _is_number(weight) or weight <= 0:
        raise CriterionError(f"weight of '{attribute}' must be a positive number", "for example `weight: 2`")
    if "min" in spec or "max" in spec:
        lo, hi = spec.get("min"), spec.get("max")
        if any(v is not None and not _is_number(v) for v in (lo, hi)):
            raise CriterionError(f"min and max of '{attribute}' must be numbers", "for example `{min: 40, max: 120}`")
        if lo is not None and hi is not None and lo > hi:
            raise CriterionError(f"min {lo} is above max {hi} for '{attribute}'", "swap them")
        return Criterion(attribute, "range", lo=lo, hi=hi, weight=weight)
    kinds = [k for k in ("any", "not", "contains", "excludes") if k in spec]
    if len(kinds) != 1:
        raise CriterionError(f"'{attribute}' needs exactly one of any, not, min/max, contains, excludes",
                             f"for example `{attribute}: {{not: [value]}}`")
    raw = spec[kinds[0]]
    values = tuple(raw) if isinstance(raw, list) else (raw,)
    return Criterion(attribute, kinds[0], values, weight=weight)  # type: ignore[arg-type]


def parse_all(specs: dict[str, Any], *, allow_weight: bool = False) -> list[Criterion]:
    """Parse every entry of a filter or boost mapping (raises on the first bad one)."""
    return [parse(name, spec, allow_weight=allow_weight) for name, spec in specs.items()]


def _in_range(value: Any, lo: float | None, hi: float | None) -> bool:
    if not _is_number(value):
        return False
    return (lo is None or value >= lo) and (hi is None or value <= hi)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _norm(value: Any) -> Any:
    return value.strip().lower() if isinstance(value, str) else value
