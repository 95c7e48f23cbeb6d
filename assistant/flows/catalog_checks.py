"""Checks of a flow against the catalog it will run on: names, values, coverage, empty paths.

Everything is read from the site's catalog index, never from product objects: names and values
from its columns (`index_vocabulary`), and each set of products (the flow's pool of in-stock
products in scope, an answer's matches, what is left on an answer path) as a mask or bitset built
from the criterion and constraint masks of `masks`.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator
from typing import Any

import numpy as np

from assistant.catalog.index import CatalogIndex
from assistant.catalog.index_vocabulary import vocabulary_of
from assistant.catalog.service import Vocabulary
from assistant.flows import masks
from assistant.flows.answers import Answers
from assistant.flows.empty_paths import empty_paths
from assistant.flows.loader import Locator
from assistant.flows.problems import Problem
from assistant.flows.schema import Flow
from assistant.merchandising import criteria

COVERAGE_WARNING = 0.9
MAX_EMPTY_PATHS = 5
Located = tuple[tuple[str | int, ...], criteria.Criterion]


def check_against_catalog(flow: Flow, loc: Locator, index: CatalogIndex, path: str) -> list[Problem]:
    """Every catalog problem of `flow` against the catalog in `index`, stamped with `path`."""
    if index.size == 0:
        return [Problem(1, 1, "the catalog is empty: attribute names and values were not checked",
                        "import products first: `assistant catalog import FILE`", "warning", path)]
    wrong: set[tuple[str | int, ...]] = set()
    problems = list(_names_and_values(flow, loc, vocabulary_of(index), wrong))
    sound = _without(flow, wrong)  # the rest is checked as if the wrong criteria were not written
    pool = _pool(sound, index)
    problems += list(_coverage(sound, loc, index, pool))
    problems += list(_dead_answers(sound, loc, index, pool))
    problems += list(_empty_paths(sound, loc, index, pool))
    return [Problem(p.line, p.column, p.message, p.hint, p.level, path) for p in problems]


def _without(flow: Flow, wrong: set[tuple[str | int, ...]]) -> Flow:
    """`flow` without the criteria reported wrong or malformed, and with a range or scale question that has no
    usable field, min and max asked as a question without answers (so it narrows nothing): what the other
    checks can still judge when the file has errors. Question and answer positions stay as in `flow`."""
    def kept(where: tuple[str | int, ...], specs: dict[str, Any], weight: bool) -> dict[str, Any]:
        return {name: spec for name, spec in specs.items()
                if (*where, name) not in wrong and any(True for _ in _safe((*where, name), name, spec, weight))}

    questions = []
    for qi, q in enumerate(flow.questions):
        answers = [a.model_copy(update={"filter": kept(("questions", qi, "answers", ai, "filter"), a.filter, False),
                                        "boost": kept(("questions", qi, "answers", ai, "boost"), a.boost, True)})
                   for ai, a in enumerate(q.answers)]
        update: dict[str, Any] = {"answers": answers}
        if q.type in ("range", "scale") and not (q.field and q.min is not None and q.max is not None
                                                 and q.min < q.max and ("questions", qi, "field") not in wrong):
            update = {"type": "single", "answers": [], "field": None, "min": None, "max": None}
        questions.append(q.model_copy(update=update))
    return flow.model_copy(update={"scope": kept(("scope",), flow.scope, False), "questions": questions})


def _pool(flow: Flow, index: CatalogIndex) -> np.ndarray:
    """The products in stock inside the flow's scope (none when the scope is malformed)."""
    return masks.scope_mask(index, flow) if _scope_ok(flow) else np.zeros(index.size, dtype=bool)


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


def _names_and_values(flow: Flow, loc: Locator, vocab: Vocabulary,
                      wrong: set[tuple[str | int, ...]]) -> Iterator[Problem]:
    """Unknown names and values; the place of each criterion found wrong is added to `wrong`."""
    for where, crit in _located_criteria(flow):
        found = list(_name_and_values(flow, loc, vocab, where, crit))
        if any(p.level == "error" for p in found):
            wrong.add(where)
        yield from found


def _name_and_values(flow: Flow, loc: Locator, vocab: Vocabulary, where: tuple[str | int, ...],
                     crit: criteria.Criterion) -> Iterator[Problem]:
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
        yield from _unknown_values(loc, where, _spec_at(flow, where), crit, vocab)


def _spec_at(flow: Flow, where: tuple[str | int, ...]) -> Any:
    """The criterion as written at `where` (scope or an answer's filter or boost)."""
    if where[0] == "scope":
        return flow.scope.get(str(where[1]))
    _questions, qi, _answers, ai, kind, name = where
    answer = flow.questions[int(qi)].answers[int(ai)]
    return (answer.filter if kind == "filter" else answer.boost).get(str(name))


def _value_at(where: tuple[str | int, ...], spec: Any, value: Any,
              used: set[tuple[str | int, ...]]) -> tuple[str | int, ...]:
    """Where `value` itself is written in `spec` (the item of a list, not the list's `[`); a value written twice
    is found at its next place not in `used`."""
    lists = [((), spec)] if isinstance(spec, list) else \
        [((op,), item) for op, item in spec.items()] if isinstance(spec, dict) else []
    for prefix, items in lists:
        places = [((*where, *prefix, i), item) for i, item in enumerate(items)] if isinstance(items, list) \
            else [((*where, *prefix), items)]
        for place, item in places:
            if item == value and place not in used:
                used.add(place)
                return place
    return where


def _unknown_values(loc: Locator, where: tuple[str | int, ...], spec: Any, crit: criteria.Criterion,
                    vocab: Vocabulary) -> Iterator[Problem]:
    known = {str(v).strip().lower(): v for v in vocab.values[crit.attribute]}
    used: set[tuple[str | int, ...]] = set()
    for value in crit.values:
        if str(value).strip().lower() in known:
            continue
        here = _value_at(where, spec, value, used)
        if isinstance(value, bool):
            word = "yes" if value else "no"
            yield Problem(*loc.at(*here), f"no product has {crit.attribute} = {str(value).lower()}",
                          f"YAML reads an unquoted yes/no as true/false: write '{word}' in quotes")
        else:
            close = difflib.get_close_matches(str(value).lower(), list(known), n=1)
            hint = f"did you mean '{known[close[0]]}'?" if close else \
                f"values in the catalog: {', '.join(map(str, list(known.values())[:12]))}"
            yield Problem(*loc.at(*here), f"no product has {crit.attribute} = '{value}'", hint)


def _coverage(flow: Flow, loc: Locator, index: CatalogIndex, pool: np.ndarray) -> Iterator[Problem]:
    reported: set[str] = set()
    size = int(pool.sum())
    for where, crit in _located_criteria(flow):
        if where[0] == "scope" or crit.attribute in reported or not size:
            continue
        reported.add(crit.attribute)
        having = int((_filled(index, crit.attribute) & pool).sum())
        if having < COVERAGE_WARNING * size:
            yield Problem(*loc.key(*where),
                          f"only {having} of {size} products in stock in this flow have '{crit.attribute}'",
                          "products without it never pass a filter on it; fill it in the catalog", "warning")


def _filled(index: CatalogIndex, name: str) -> np.ndarray:
    """Products with a value for `name` other than none, an empty text or an empty list."""
    column = index.column(name)
    if column is None:
        return np.zeros(index.size, dtype=bool)
    return column.where(lambda value: value not in (None, "", []))


def _dead_answers(flow: Flow, loc: Locator, index: CatalogIndex, pool: np.ndarray) -> Iterator[Problem]:
    for qi, q in enumerate(flow.questions):
        for ai, a in enumerate(q.answers):
            if not a.filter:
                continue
            if not (pool & masks.all_of(index, criteria.parse_all(a.filter))).any():
                yield Problem(*loc.key("questions", qi, "answers", ai, "filter"),
                              f"answer '{a.id}' of '{q.id}' matches no product in stock",
                              "shoppers who pick it always get relaxed results; check the filter values",
                              "warning")


def _empty_paths(flow: Flow, loc: Locator, index: CatalogIndex, pool: np.ndarray) -> Iterator[Problem]:
    found = empty_paths(flow, index, pool, keep=MAX_EMPTY_PATHS)
    for answers in found.first:
        yield Problem(*_where_answered(flow, loc, answers[-1]),
                      f"answers {_describe(answers)} leave no product in stock",
                      "shoppers on this path get relaxed results; widen a filter or add products", "warning")
    if found.count > MAX_EMPTY_PATHS:
        yield Problem(1, 1, f"{found.count - MAX_EMPTY_PATHS} more answer paths leave no product in stock",
                      "run the check again after fixing the ones above", "warning")


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
