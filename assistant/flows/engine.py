"""The quiz engine: rank the catalog for a shopper's answers, with reasons, never empty."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

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
        (score_candidate(c, active, dropped, preferences) for c in matching),
        key=lambda m: (-m.score, -(m.product.rating or 0), m.product.title),
    )
    relaxed = [Relaxed(c.question_id, c.question_text, c.label) for c in dropped]
    return ResultSet(ranked[:count], relaxed, len(matching))


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
    return Match(candidate.product, round(score, 4), _unique(reasons)[:MAX_REASONS], misses)


def _fallback(flow: Flow, everything: Iterable[Product], count: int) -> ResultSet:
    if flow.results.fallback == "none":
        return ResultSet([], [], 0, fallback=True)
    key = (lambda p: -(p.rating or 0)) if flow.results.fallback == "rating" else (lambda p: -p.popularity)
    chosen = sorted((p for p in everything if p.in_stock), key=key)[:count]
    text = "top rated in the shop" if flow.results.fallback == "rating" else "popular in the shop"
    return ResultSet([Match(p, 0.0, [Reason("popular", text)]) for p in chosen], [], 0, fallback=True)


def _unique(reasons: list[Reason]) -> list[Reason]:
    unique: dict[str, Reason] = {}
    for reason in reasons:
        unique.setdefault(reason.text, reason)
    return list(unique.values())
