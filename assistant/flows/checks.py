"""Checks of a flow file on its own; each yields Problems instead of raising."""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterator
from typing import Any

from assistant.flows.experiment_checks import check_experiment
from assistant.flows.loader import Locator
from assistant.flows.paths import MAX_PATHS, walk
from assistant.flows.problems import Problem
from assistant.flows.schema import Flow
from assistant.merchandising import criteria

Check = Callable[[Flow, Locator], Iterator[Problem]]


def check_not_empty(flow: Flow, loc: Locator) -> Iterator[Problem]:
    """A flow needs at least one question."""
    if not flow.questions:
        yield Problem(*loc.key("questions"), "the flow has no questions",
                      "add a `questions:` list with at least one question")


def check_duplicate_ids(flow: Flow, loc: Locator) -> Iterator[Problem]:
    """Question ids are unique in the flow; answer ids are unique in their question."""
    seen: dict[str, int] = {}
    for qi, question in enumerate(flow.questions):
        if question.id in seen:
            yield Problem(*loc.at("questions", qi, "id"), f"duplicate question id '{question.id}'",
                          f"the question at line {loc.at('questions', seen[question.id])[0]} already uses it; "
                          "ids must be unique")
        seen.setdefault(question.id, qi)
        answer_ids: set[str] = set()
        for ai, answer in enumerate(question.answers):
            if answer.id in answer_ids:
                yield Problem(*loc.at("questions", qi, "answers", ai, "id"),
                              f"duplicate answer id '{answer.id}' in question '{question.id}'",
                              "answer ids must be unique within their question")
            answer_ids.add(answer.id)


def check_question_shape(flow: Flow, loc: Locator) -> Iterator[Problem]:
    """Single/multi questions have answers; range/scale questions have a field and min < max."""
    for qi, q in enumerate(flow.questions):
        where = loc.at("questions", qi)
        if q.type in ("single", "multi"):
            if len(q.answers) < 2:
                yield Problem(*where, f"question '{q.id}' ({q.type}) needs at least two answers",
                              "add answers, or drop the question if there is nothing to choose")
            for key in ("field", "min", "max"):
                if getattr(q, key) is not None:
                    yield Problem(*loc.key("questions", qi, key), f"'{key}' is only for range and scale questions",
                                  "remove it, or change `type:` to range")
            continue
        if q.answers:
            yield Problem(*loc.key("questions", qi, "answers"), f"a {q.type} question takes no answers list",
                          "use `min:` and `max:`; the shopper picks a value between them")
        if not q.field and ("questions", qi, "field") not in loc.left_out:
            yield Problem(*where, f"{q.type} question '{q.id}' needs a `field:`",
                          "name a numeric product field, e.g. `field: price`")
        if {("questions", qi, "min"), ("questions", qi, "max")} & loc.left_out:
            continue  # a wrong min or max is reported as such
        if q.min is None or q.max is None or q.min >= q.max:
            hint = (f"min is {q.min:g} and max is {q.max:g}: swap them" if q.min is not None and q.max is not None
                    else "for example `min: 20` and `max: 200`")
            at = loc.key("questions", qi, "min") if q.min is not None and q.max is not None else where
            yield Problem(*at, f"{q.type} question '{q.id}' needs `min:` below `max:`", hint)


def check_when(flow: Flow, loc: Locator) -> Iterator[Problem]:
    """`when` names an earlier single/multi question and answers it really has."""
    for qi, q in enumerate(flow.questions):
        earlier = {p.id: p for p in flow.questions[:qi]}
        for ref, expected in q.when.items():
            where = loc.key("questions", qi, "when", ref)
            target = earlier.get(ref)
            if target is None:
                yield _unknown_question(flow, qi, ref, where)
                continue
            if target.type not in ("single", "multi"):
                yield Problem(*where, f"`when` can only test single or multi questions; '{ref}' is {target.type}",
                              "test a choice question, or split the range into answers")
                continue
            for value in [expected] if isinstance(expected, str) else expected:
                if target.answer(value) is None:
                    known = [a.id for a in target.answers]
                    yield Problem(*loc.at("questions", qi, "when", ref), f"question '{ref}' has no answer '{value}'",
                                  _did_you_mean(value, known))


def _unknown_question(flow: Flow, qi: int, ref: str, where: tuple[int, int]) -> Problem:
    later = [p.id for p in flow.questions[qi:]]
    if ref in later:
        return Problem(*where, f"`when` refers to question '{ref}', which is not asked before this one",
                       "a condition can only test questions that come earlier in the file")
    return Problem(*where, f"`when` refers to unknown question '{ref}'",
                   _did_you_mean(ref, [p.id for p in flow.questions]))


def check_criteria_syntax(flow: Flow, loc: Locator) -> Iterator[Problem]:
    """Every filter, boost and scope entry is well formed."""
    entries: list[tuple[tuple[str | int, ...], dict[str, Any], bool]] = [(("scope",), flow.scope, False)]
    for qi, q in enumerate(flow.questions):
        for ai, a in enumerate(q.answers):
            entries.append((("questions", qi, "answers", ai, "filter"), a.filter, False))
            entries.append((("questions", qi, "answers", ai, "boost"), a.boost, True))
    for path, specs, allow_weight in entries:
        for name, spec in specs.items():
            try:
                criteria.parse(name, spec, allow_weight=allow_weight)
            except criteria.CriterionError as exc:
                yield Problem(*loc.at(*path, name), str(exc), exc.hint)


def check_answer_effect(flow: Flow, loc: Locator) -> Iterator[Problem]:
    """Every answer filters, boosts, steers a later `when`, or says it is neutral."""
    referenced = {(ref, v) for q in flow.questions for ref, exp in q.when.items()
                  for v in ([exp] if isinstance(exp, str) else exp)}
    for qi, q in enumerate(flow.questions):
        for ai, a in enumerate(q.answers):
            if not (a.filter or a.boost or a.neutral or (q.id, a.id) in referenced):
                yield Problem(*loc.at("questions", qi, "answers", ai), f"answer '{a.id}' of '{q.id}' has no effect",
                              "add a `filter:` or `boost:`, use it in a later `when:`, "
                              "or mark a deliberate 'no preference' with `neutral: true`")


def check_reachable(flow: Flow, loc: Locator) -> Iterator[Problem]:
    """Every question is asked on at least one answer path."""
    asked: set[str] = set()
    paths = 0
    for path in walk(flow):
        paths += 1
        asked.update(qid for qid, _ in path)
    if paths >= MAX_PATHS:
        return
    for qi, q in enumerate(flow.questions):
        if q.id not in asked and q.when and _when_is_valid(flow, qi):
            yield Problem(*loc.key("questions", qi, "when"), f"question '{q.id}' is never asked: "
                          "no answer path satisfies its `when`",
                          "check the answers it requires; they may only exist on paths that skip them")


def _when_is_valid(flow: Flow, qi: int) -> bool:
    earlier = {p.id: p for p in flow.questions[:qi]}
    for ref, expected in flow.questions[qi].when.items():
        target = earlier.get(ref)
        values = [expected] if isinstance(expected, str) else expected
        if target is None or any(target.answer(v) is None for v in values):
            return False
    return True


def check_entry(flow: Flow, loc: Locator) -> Iterator[Problem]:
    """Entry pages are URL paths or '*'."""
    for i, page in enumerate(flow.entry.pages):
        if page != "*" and not page.startswith("/"):
            yield Problem(*loc.at("entry", "pages", i), f"entry page '{page}' is not a path",
                          "write a path such as '/' or '/running/*' ('*' matches any page)")


def check_remember(flow: Flow, loc: Locator) -> Iterator[Problem]:
    """A question set to `remember: true` can be carried over: no question always asked before it is forgotten.

    Answers are carried over in order up to the first one whose question is not remembered.
    """
    for qi, q in enumerate(flow.questions):
        if q.remember is not True:
            continue
        cut = next((p for p in flow.questions[:qi] if not p.when and not flow.remembers(p)), None)
        if cut is not None:
            yield Problem(*loc.at("questions", qi, "remember"),
                          f"question '{q.id}' is never carried over: '{cut.id}' is always asked before it and not "
                          "remembered", f"answers are carried over in order up to the first question not "
                          f"remembered: give '{cut.id}' `remember: true` too, or ask '{q.id}' before it")


ALL_CHECKS: list[Check] = [check_not_empty, check_duplicate_ids, check_question_shape, check_when,
                           check_criteria_syntax, check_answer_effect, check_entry, check_remember]


def run_checks(flow: Flow, loc: Locator, path: str) -> list[Problem]:
    """Every file-level problem of `flow`, each stamped with `path`."""
    problems = [p for check in [*ALL_CHECKS, check_reachable, check_experiment] for p in check(flow, loc)]
    return [Problem(p.line, p.column, p.message, p.hint, p.level, path) for p in problems]


def _did_you_mean(value: str, known: list[str]) -> str:
    close = difflib.get_close_matches(str(value), known, n=1)
    if close:
        return f"did you mean '{close[0]}'?"
    return f"known: {', '.join(known)}" if known else ""
