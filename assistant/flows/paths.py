"""Walk every answer path of a flow (each single answer, each multi answer alone, range at full width)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from assistant.flows.answers import Answers, next_question
from assistant.flows.schema import Flow, Question

MAX_PATHS = 20_000


def choices(question: Question) -> list[Any]:
    """The representative values of `question` a path can take."""
    if question.type == "single":
        values: list[Any] = [a.id for a in question.answers]
    elif question.type == "multi":
        values = [[a.id] for a in question.answers]
    elif question.type == "range":
        values = [[question.min, question.max]]
    else:
        values = [question.min]
    return [*values, None] if question.optional or not values else values


def walk(flow: Flow, answers: Answers | None = None) -> Iterator[Answers]:
    """Yield every complete answer path, depth first, at most MAX_PATHS of them."""
    stack: list[Answers] = [answers or []]
    emitted = 0
    while stack and emitted < MAX_PATHS:
        current = stack.pop()
        question = next_question(flow, current)
        if question is None:
            emitted += 1
            yield current
            continue
        stack.extend([*current, (question.id, v)] for v in reversed(choices(question)))
