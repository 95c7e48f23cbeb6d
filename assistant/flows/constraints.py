"""Turn answers into hard constraints (filters) and soft preferences (boosts)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from assistant.flows.answers import Answers
from assistant.flows.schema import Answer, Flow, Question
from assistant.merchandising import criteria
from assistant.merchandising.criteria import Criterion


@dataclass(frozen=True)
class Option:
    """One way to satisfy a constraint: every criterion holds."""

    label: str
    criteria: tuple[Criterion, ...]

    def test(self, attrs: dict[str, Any]) -> bool:
        """Whether all criteria hold for `attrs`."""
        return all(c.test(attrs) for c in self.criteria)


@dataclass(frozen=True)
class Constraint:
    """The hard filter of one answered question; any of its options satisfies it."""

    question_id: str
    question_text: str
    options: tuple[Option, ...]
    importance: int
    position: int
    span: float = 0.0

    @property
    def label(self) -> str:
        """What the constraint asks for, as a shopper reads it ("in your budget", "Trail / Road")."""
        return " / ".join(o.label for o in self.options)

    def matched(self, attrs: dict[str, Any]) -> str | None:
        """The label of the first option `attrs` satisfies, or None."""
        return next((o.label for o in self.options if o.test(attrs)), None)

    def test(self, attrs: dict[str, Any]) -> bool:
        """Whether `attrs` satisfies the constraint."""
        return any(o.test(attrs) for o in self.options)

    def closeness(self, attrs: dict[str, Any]) -> float:
        """1 if satisfied; for a numeric range, how near the value is (0..1)."""
        if self.test(attrs):
            return 1.0
        ranges = [c for o in self.options for c in o.criteria if c.kind == "range"]
        return max((c.closeness(attrs, self.span) for c in ranges), default=0.0)


@dataclass(frozen=True)
class Preference:
    """A soft boost: `weight` when the criterion holds (scale: scaled by closeness)."""

    label: str
    criterion: Criterion
    span: float = 0.0

    def score(self, attrs: dict[str, Any]) -> float:
        """Weight times how well `attrs` matches."""
        if self.criterion.kind == "range" and self.span:
            return self.criterion.weight * self.criterion.closeness(attrs, self.span)
        return self.criterion.weight if self.criterion.test(attrs) else 0.0


_Parts = tuple[Question, tuple[Option, ...], tuple[Preference, ...]]


def constraints_for(flow: Flow, answers: Answers) -> list[Constraint]:
    """The hard constraints the answers so far impose."""
    found = []
    for position, (question_id, value) in enumerate(answers):
        parts = _parts(flow, question_id, value)
        if parts is not None and parts[1]:
            question, options = parts[0], parts[1]
            span = (question.max or 0) - (question.min or 0)
            found.append(Constraint(question.id, question.text, options, question.importance, position, span))
    return found


def preferences_for(flow: Flow, answers: Answers) -> list[Preference]:
    """The soft boosts the answers so far ask for."""
    found: list[Preference] = []
    for question_id, value in answers:
        parts = _parts(flow, question_id, value)
        if parts is not None:
            found.extend(parts[2])
    return found


PARTS_LIMIT = 4096
"""Answers whose options and preferences are remembered (per flow object); cleared whole when full."""
_remembered: dict[tuple[int, str, str], tuple[Flow, _Parts]] = {}


def _parts(flow: Flow, question_id: str, value: Any) -> _Parts | None:
    """The question answered, the options its answer allows and the preferences it asks for (None: no such
    question, or no answer). Worked out once per flow and answer: thousands of shoppers give the same ones."""
    question = flow.question(question_id)
    if question is None or value is None:
        return None
    if question.type == "range":  # nearly every shopper's own: not worth remembering
        return question, _options(question, value), ()
    key = (id(flow), question_id, repr(value))  # repr: hashable whatever was stored, and 1 is not True
    kept = _remembered.get(key)
    if kept is not None and kept[0] is flow:
        return kept[1]
    parts = question, _options(question, value), tuple(_preferences(question, value))
    if len(_remembered) >= PARTS_LIMIT:
        _remembered.clear()
    _remembered[key] = (flow, parts)
    return parts


def _preferences(question: Question, value: Any) -> list[Preference]:
    found: list[Preference] = []
    if question.type == "scale" and question.field:
        crit = Criterion(question.field, "range", lo=value, hi=value, weight=question.weight)
        span = (question.max or 0) - (question.min or 0)
        found.append(Preference(question.reason or question.text, crit, span))
    for answer in _chosen(question, value):
        found.extend(Preference(_label(answer), c) for c in criteria.parse_all(answer.boost, allow_weight=True))
    return found


def _options(question: Question, value: Any) -> tuple[Option, ...]:
    if question.type == "range" and question.field:
        lo, hi = value
        crit = Criterion(question.field, "range", lo=lo, hi=hi)
        return (Option(question.reason or _range_label(question, lo, hi), (crit,)),)
    chosen = _chosen(question, value)
    if any(not a.filter for a in chosen):  # "no preference" among the choices: nothing is ruled out
        return ()
    return tuple(Option(_label(a), tuple(criteria.parse_all(a.filter))) for a in chosen)


def _chosen(question: Question, value: Any) -> list[Answer]:
    ids = value if isinstance(value, list) else [value]
    if question.type not in ("single", "multi"):
        return []
    return [a for a in (question.answer(i) for i in ids) if a is not None]


def _label(answer: Answer) -> str:
    return answer.reason or answer.text


def _range_label(question: Question, lo: float, hi: float) -> str:
    if question.field == "price":
        return "in your budget"
    unit = f" {question.unit}" if question.unit else ""
    return f"{question.field} {lo:g}-{hi:g}{unit}"
