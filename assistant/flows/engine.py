"""The quiz engine: rank the catalog for a shopper's answers, with reasons, never empty."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from assistant.catalog.index import TWIN_IGNORES, value_key
from assistant.catalog.models import Listed, Product
from assistant.catalog.service import attribute_items
from assistant.flows.answers import Answers
from assistant.flows.constraints import Constraint, Preference, constraints_for, preferences_for
from assistant.flows.relax import satisfy
from assistant.flows.schema import Flow
from assistant.merchandising import criteria

MAX_REASONS = 3


@dataclass(frozen=True)
class Candidate:
    """A product as the engine sees it: its attributes flattened into one mapping."""

    product: Listed
    attrs: dict[str, Any]

    @classmethod
    def of(cls, product: Product) -> Candidate:
        """Wrap `product`."""
        return cls(product, dict(attribute_items(product)))


@dataclass(frozen=True)
class Reason:
    """Why a product is shown: `kind` (answer, preference, popular, ...) and shopper-facing text."""

    kind: str
    text: str


@dataclass(frozen=True)
class Match:
    """One ranked result."""

    product: Listed
    score: float
    reasons: list[Reason]
    misses: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Relaxed:
    """A constraint the engine dropped because nothing satisfied every answer."""

    question_id: str
    question_text: str
    label: str


@dataclass
class ResultSet:
    """Ranked results and how they were reached."""

    items: list[Match]
    relaxed: list[Relaxed]
    matching: int
    fallback: bool = False


def candidates(flow: Flow, products: Iterable[Product]) -> list[Candidate]:
    """In-stock products inside the flow's scope."""
    return in_scope(flow, (Candidate.of(p) for p in products if p.in_stock))


def in_scope(flow: Flow, pool: Iterable[Candidate]) -> list[Candidate]:
    """The candidates inside the flow's scope."""
    scope = criteria.parse_all(flow.scope)
    return [c for c in pool if all(s.test(c.attrs) for s in scope)]


def results(flow: Flow, answers: Answers, pool: list[Candidate], *, count: int | None = None,
            everything: Iterable[Product] = ()) -> ResultSet:
    """Rank `pool` for `answers`; relax the least important constraints when nothing matches."""
    count = count or flow.results.count
    constraints = constraints_for(flow, answers)
    matching, dropped = satisfy(pool, constraints)
    if not matching:
        return _fallback(flow, everything, count)
    active = [c for c in constraints if c not in dropped]
    preferences = preferences_for(flow, answers)
    ranked = sorted(
        ((score_candidate(c, active, dropped, preferences), c) for c in matching),
        key=lambda mc: (-mc[0].score, -fit(mc[1].attrs, active, preferences), -boosts(mc[1].attrs, preferences),
                        -mc[0].product.popularity, -(mc[0].product.rating or 0), mc[0].product.title),
    )
    relaxed = [Relaxed(c.question_id, c.question_text, c.label) for c in dropped]
    return ResultSet(_distinct(ranked, count), relaxed, len(matching))


def fit(attrs: dict[str, Any], active: list[Constraint], preferences: list[Preference]) -> float:
    """How well a product fits beyond its score, the first tie-break: for each budget-like range answered,
    1 at the middle of the range falling to 0 at its ends; for each scale answered, its closeness."""
    total = 0.0
    for constraint in active:
        bounds = range_bounds(constraint)
        if bounds is not None:
            value = attrs.get(bounds[0])
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                total += 1 - abs(value - bounds[1]) / bounds[2]
    for preference in preferences:
        if preference.criterion.kind == "range" and preference.span:
            total += preference.criterion.closeness(attrs, preference.span)
    return total


def range_bounds(constraint: Constraint) -> tuple[str, float, float] | None:
    """(attribute, middle, half width) of a constraint that is one closed range, else None."""
    if len(constraint.options) != 1 or len(constraint.options[0].criteria) != 1:
        return None
    crit = constraint.options[0].criteria[0]
    if crit.kind != "range" or crit.lo is None or crit.hi is None or not crit.hi > crit.lo:
        return None
    return crit.attribute, (crit.lo + crit.hi) / 2, (crit.hi - crit.lo) / 2


def boosts(attrs: dict[str, Any], preferences: list[Preference]) -> int:
    """How many of the answers' boosts (positive, not scales) a product earns: the second tie-break."""
    return sum(1 for p in preferences
               if p.criterion.kind != "range" and p.criterion.weight > 0 and p.criterion.test(attrs))


def twin_key(attrs: dict[str, Any], title: str) -> tuple[Any, ...]:
    """Products with the same title and attributes (price and rating aside) are one product to a shopper."""
    return title, tuple(sorted((name, value_key(value)) for name, value in attrs.items()
                               if name not in TWIN_IGNORES))


def _distinct(ranked: list[tuple[Match, Candidate]], count: int) -> list[Match]:
    """The first `count` of `ranked`, each only once among its twins (the best placed stays)."""
    seen: set[tuple[Any, ...]] = set()
    chosen: list[Match] = []
    for match, candidate in ranked:
        key = twin_key(candidate.attrs, match.product.title)
        if key not in seen:
            seen.add(key)
            chosen.append(match)
            if len(chosen) == count:
                break
    return chosen


def score_candidate(candidate: Candidate, active: list[Constraint], dropped: list[Constraint],
                    preferences: list[Preference]) -> Match:
    """One product ranked: its score, the reasons it fits and the relaxed answers it misses."""
    attrs = candidate.attrs
    reasons = [Reason("answer", label) for c in active if (label := c.matched(attrs))]
    score = 0.0
    for preference in preferences:
        gained = preference.score(attrs)
        score += gained
        if gained >= 0.75 * preference.criterion.weight:
            reasons.append(Reason("preference", preference.label))
    misses = []
    for constraint in dropped:
        near = constraint.closeness(attrs)
        score += 2 * constraint.importance * near
        if near < 1:
            misses.append(constraint.label)
        else:
            reasons.append(Reason("answer", constraint.matched(attrs) or constraint.question_text))
    score += 0.1 * (candidate.product.rating or 0) / 5 + 0.01 * candidate.product.popularity
    return Match(candidate.product, round(score, 4), unique_reasons(reasons)[:MAX_REASONS], misses)


def _fallback(flow: Flow, everything: Iterable[Product], count: int) -> ResultSet:
    if flow.results.fallback == "none":
        return ResultSet([], [], 0, fallback=True)
    key = (lambda p: -(p.rating or 0)) if flow.results.fallback == "rating" else (lambda p: -p.popularity)
    chosen = sorted((p for p in everything if p.in_stock), key=key)[:count]
    text = "top rated in the shop" if flow.results.fallback == "rating" else "popular in the shop"
    return ResultSet([Match(p, 0.0, [Reason("popular", text)]) for p in chosen], [], 0, fallback=True)


def unique_reasons(reasons: list[Reason]) -> list[Reason]:
    """The first reason of each text, in order."""
    unique: dict[str, Reason] = {}
    for reason in reasons:
        unique.setdefault(reason.text, reason)
    return list(unique.values())
