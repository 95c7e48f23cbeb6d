"""A shopper's answers so far: which question comes next, and validating a new answer."""

from __future__ import annotations

from typing import Any

from assistant.errors import Invalid
from assistant.flows.schema import Flow, Question
from assistant.numbers import is_finite

Answers = list[tuple[str, Any]]
"""Answers in the order given: (question id, value); value None means an optional question skipped."""


def _holds(expected: str | list[str], got: Any) -> bool:
    if got is None:
        return False
    wanted = {expected} if isinstance(expected, str) else set(expected)
    return not wanted.isdisjoint(got if isinstance(got, list) else [got])


def is_asked(question: Question, given: dict[str, Any]) -> bool:
    """Whether `question`'s `when` holds for the answers `given`."""
    return all(_holds(expected, given.get(qid)) for qid, expected in question.when.items())


def next_question(flow: Flow, answers: Answers) -> Question | None:
    """The next question to ask, or None when the quiz is finished."""
    given = dict(answers)
    for question in flow.questions:
        if question.id not in given and is_asked(question, given):
            return question
    return None


def progress(flow: Flow, answers: Answers) -> tuple[int, int]:
    """(answered, estimated total): later questions count unless an answer already rules them out."""
    given = dict(answers)
    current = next_question(flow, answers)
    if current is None:
        return len(answers), len(answers)
    later = flow.questions[flow.questions.index(current):]
    remaining = sum(
        all(qid not in given or _holds(expected, given[qid]) for qid, expected in q.when.items())
        for q in later
    )
    return len(answers), len(answers) + remaining


def give_answer(flow: Flow, answers: Answers, question_id: str, value: Any) -> Answers:
    """Answers after answering `question_id`; answering an earlier question drops those after it."""
    question = flow.question(question_id)
    if question is None:
        raise Invalid(f"flow '{flow.id}' has no question '{question_id}'", field="question")
    position = next((i for i, (qid, _) in enumerate(answers) if qid == question_id), None)
    if position is not None:
        answers = answers[:position]
    current = next_question(flow, answers)
    if current is None:
        raise Invalid("the quiz is already finished", field="question")
    if current.id != question_id:
        raise Invalid(f"'{question_id}' is not the current question (expected '{current.id}')", field="question")
    return [*answers, (question_id, normalize(question, value))]


def normalize(question: Question, value: Any) -> Any:
    """Check `value` against the question's type and return it in canonical form."""
    if value is None or value == []:
        if question.optional:
            return None
        raise Invalid(f"question '{question.id}' needs an answer", field="value")
    checker = {"single": _single, "multi": _multi, "range": _range, "scale": _scale}[question.type]
    return checker(question, value)


def _single(question: Question, value: Any) -> str:
    if not isinstance(value, str) or question.answer(value) is None:
        known = ", ".join(a.id for a in question.answers)
        raise Invalid(f"'{value}' is not an answer of '{question.id}' (one of: {known})", field="value")
    return value


def _multi(question: Question, value: Any) -> list[str]:
    if not isinstance(value, list):
        raise Invalid(f"'{question.id}' takes a list of answer ids", field="value")
    if len(value) > len(question.answers):
        raise Invalid("more answers than the question has", field="value")
    chosen = [_single(question, item) for item in value]
    return list(dict.fromkeys(chosen))


def _range(question: Question, value: Any) -> list[float]:
    if isinstance(value, dict):
        value = [value.get("min", question.min), value.get("max", question.max)]
    if not isinstance(value, list) or len(value) != 2 or not all(_finite(v) for v in value):
        raise Invalid(f"'{question.id}' takes [min, max] as two numbers", field="value")
    lo, hi = float(value[0]), float(value[1])
    if lo > hi:
        raise Invalid(f"min {lo:g} is above max {hi:g}", field="value")
    return [lo, hi]


def _scale(question: Question, value: Any) -> float:
    if not _finite(value):
        raise Invalid(f"'{question.id}' takes a number", field="value")
    lo, hi = question.min or 0, question.max or 0
    if not lo <= value <= hi:
        raise Invalid(f"{value:g} is outside {lo:g}..{hi:g}", field="value")
    return float(value)


def _finite(value: Any) -> bool:
    return is_finite(value)
