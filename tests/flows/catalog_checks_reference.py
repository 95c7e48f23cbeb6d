"""The list-based catalog checks, kept as the reference the index-based ones are held to.

`assistant.flows.catalog_checks` checked a flow against a list of Product objects until it moved to
the catalog index; this copy of that code (unchanged but for this docstring) is what
`test_catalog_checks_differential.py` compares the index version with, and what
`benchmarks/flows_check.py` times as "old".
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator
from typing import Any

from assistant.catalog.models import Product
from assistant.catalog.service import Vocabulary, vocabulary
from assistant.flows.answers import Answers, next_question
from assistant.flows.constraints import constraints_for
from assistant.flows.engine import Candidate, candidates
from assistant.flows.loader import Locator
from assistant.flows.paths import MAX_PATHS, choices
from assistant.flows.problems import Problem
from assistant.flows.schema import Flow
from assistant.merchandising import criteria

COVERAGE_WARNING = 0.9
MAX_EMPTY_PATHS = 5
Located = tuple[tuple[str | int, ...], criteria.Criterion]


def check_against_catalog(flow: Flow, loc: Locator, products: list[Product], path: str) -> list[Problem]:
    """Every catalog problem of `flow`, stamped with `path`."""
    if not products:
        return [Problem(1, 1, "the catalog is empty: attribute names and values were not checked",
                        "import products first: `assistant catalog import FILE`", "warning", path)]
    vocab = vocabulary(products)
    pool = candidates(flow, products) if _scope_ok(flow) else []
    problems = list(_names_and_values(flow, loc, vocab))
    if not any(p.level == "error" for p in problems):
        problems += list(_coverage(flow, loc, pool, vocab))
        problems += list(_dead_answers(flow, loc, pool))
        problems += list(_empty_paths(flow, loc, pool))
    return [Problem(p.line, p.column, p.message, p.hint, p.level, path) for p in problems]


def _scope_ok(flow: Flow) -> bool:
    try:
        criteria.parse_all(flow.scope)
    except criteria.CriterionError:
        return False
    return True


def _located_criteria(flow: Flow) -> Iterator[Located]:
    for name, spec in flow.scope.items():
        yield from _safe(("scope", name), name, spec, False)
    for qi, q in enumerate(flow.questions):
        if q.type in ("range", "scale") and q.field:
            yield ("questions", qi, "field"), criteria.Criterion(q.field, "range", lo=q.min, hi=q.max)
        for ai, a in enumerate(q.answers):
            for name, spec in a.filter.items():
                yield from _safe(("questions", qi, "answers", ai, "filter", name), name, spec, False)
            for name, spec in a.boost.items():
                yield from _safe(("questions", qi, "answers", ai, "boost", name), name, spec, True)


def _safe(where: tuple[str | int, ...], name: str, spec: Any, weight: bool) -> Iterator[Located]:
    try:
        yield where, criteria.parse(name, spec, allow_weight=weight)
    except criteria.CriterionError:
        return  # reported by the file checks


def _names_and_values(flow: Flow, loc: Locator, vocab: Vocabulary) -> Iterator[Problem]:
    for where, crit in _located_criteria(flow):
        name = crit.attribute
        if name not in vocab.present:
            known = sorted(vocab.present)
            close = difflib.get_close_matches(name, known, n=1)
            hint = f"did you mean '{close[0]}'?" if close else f"known: {', '.join(known[:15])}"
            yield Problem(*loc.key(*where), f"unknown attribute '{name}': no product in the catalog has it", hint)
        elif crit.kind == "range" and name not in vocab.numeric:
            yield Problem(*loc.at(*where), f"attribute '{name}' is not numeric, so it cannot take min/max",
                          "use a list of values instead, or a numeric attribute")
        elif crit.kind in ("any", "not") and name not in vocab.numeric:
            yield from _unknown_values(loc, where, crit, vocab)


def _unknown_values(loc: Locator, where: tuple[str | int, ...], crit: criteria.Criterion,
                    vocab: Vocabulary) -> Iterator[Problem]:
    known = {str(v).strip().lower(): v for v in vocab.values[crit.attribute]}
    for value in crit.values:
        if str(value).strip().lower() in known:
            continue
        if isinstance(value, bool):
            word = "yes" if value else "no"
            yield Problem(*loc.at(*where), f"no product has {crit.attribute} = {str(value).lower()}",
                          f"YAML reads an unquoted yes/no as true/false: write '{word}' in quotes")
        else:
            close = difflib.get_close_matches(str(value).lower(), list(known), n=1)
            hint = f"did you mean '{known[close[0]]}'?" if close else \
                f"values in the catalog: {', '.join(map(str, list(known.values())[:12]))}"
            yield Problem(*loc.at(*where), f"no product has {crit.attribute} = '{value}'", hint)


def _coverage(flow: Flow, loc: Locator, pool: list[Candidate], vocab: Vocabulary) -> Iterator[Problem]:
    reported: set[str] = set()
    for where, crit in _located_criteria(flow):
        if where[0] == "scope" or crit.attribute in reported or not pool:
            continue
        reported.add(crit.attribute)
        having = sum(1 for c in pool if c.attrs.get(crit.attribute) not in (None, "", []))
        if having < COVERAGE_WARNING * len(pool):
            yield Problem(*loc.key(*where),
                          f"only {having} of {len(pool)} products in stock in this flow have '{crit.attribute}'",
                          "products without it never pass a filter on it; fill it in the catalog", "warning")


def _dead_answers(flow: Flow, loc: Locator, pool: list[Candidate]) -> Iterator[Problem]:
    for qi, q in enumerate(flow.questions):
        for ai, a in enumerate(q.answers):
            if not a.filter:
                continue
            tests = criteria.parse_all(a.filter)
            if not any(all(t.test(c.attrs) for t in tests) for c in pool):
                yield Problem(*loc.key("questions", qi, "answers", ai, "filter"),
                              f"answer '{a.id}' of '{q.id}' matches no product in stock",
                              "shoppers who pick it always get relaxed results; check the filter values",
                              "warning")


def _empty_paths(flow: Flow, loc: Locator, pool: list[Candidate]) -> Iterator[Problem]:
    found: list[Answers] = []
    stack: list[tuple[Answers, list[Candidate]]] = [([], pool)]
    visited = 0
    while stack and visited < MAX_PATHS:
        answers, remaining = stack.pop()
        visited += 1
        question = next_question(flow, answers)
        if question is None:
            continue
        for value in reversed(choices(question)):
            step = [*answers, (question.id, value)]
            narrowed = [c for c in remaining if all(k.test(c.attrs) for k in constraints_for(flow, step[-1:]))]
            if narrowed:
                stack.append((step, narrowed))
            elif remaining and _matches_alone(flow, step[-1], pool):
                found.append(step)  # answers that match nothing even alone are reported once, above
    for answers in found[:MAX_EMPTY_PATHS]:
        yield Problem(*_where_answered(flow, loc, answers[-1]),
                      f"answers {_describe(answers)} leave no product in stock",
                      "shoppers on this path get relaxed results; widen a filter or add products", "warning")
    if len(found) > MAX_EMPTY_PATHS:
        yield Problem(1, 1, f"{len(found) - MAX_EMPTY_PATHS} more answer paths leave no product in stock",
                      "run the check again after fixing the ones above", "warning")


def _matches_alone(flow: Flow, step: tuple[str, Any], pool: list[Candidate]) -> bool:
    constraints = constraints_for(flow, [step])
    return any(all(k.test(c.attrs) for k in constraints) for c in pool)


def _where_answered(flow: Flow, loc: Locator, step: tuple[str, Any]) -> tuple[int, int]:
    question_id, value = step
    qi = next(i for i, q in enumerate(flow.questions) if q.id == question_id)
    answer_id = value[0] if isinstance(value, list) and value and isinstance(value[0], str) else value
    ai = next((i for i, a in enumerate(flow.questions[qi].answers) if a.id == answer_id), None)
    return loc.at("questions", qi, "answers", ai) if ai is not None else loc.at("questions", qi)


def _describe(answers: Answers) -> str:
    def show(value: Any) -> str:
        if isinstance(value, list) and len(value) == 2 and not isinstance(value[0], str):
            return f"{value[0]:g}-{value[1]:g}"
        return ",".join(value) if isinstance(value, list) else str(value)

    return " -> ".join(f"{qid}={show(v)}" for qid, v in answers if v is not None)
