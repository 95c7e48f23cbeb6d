"""Targeting conditions: a small JSON tree of all/any/not over leaf conditions from an open registry.

A tree is one condition, written as a one-key object: `{"all": [...]}`, `{"any": [...]}`,
`{"not": {...}}`, or a leaf such as `{"cart_value": {"min": 20, "max": 49.99}}`. The empty
object `{}` matches every visitor. Ranges are inclusive at both ends. New leaf types (the
segments package's real segment and churn-risk values, say) plug in with `register`.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import Any

from assistant.numbers import MAX_AMOUNT, is_finite
from assistant.promotions.problems import FieldProblem
from assistant.promotions.snapshot import SURVEY_DAYS, VisitorSnapshot
from assistant.surveys.scales import GROUPS, SCALES

Checks = list[tuple[str, str]]
"""(sub-path below the condition, message) pairs; sub-path '' means the value itself."""
Validator = Callable[[Any], Checks]
Evaluator = Callable[[Any, VisitorSnapshot], bool]
Predicate = Callable[[VisitorSnapshot], bool]
MAX_DEPTH = 8
DEVICES = ("desktop", "mobile", "tablet")
SOURCES = ("utm_source", "utm_medium", "utm_campaign", "referrer_domain")


@dataclass(frozen=True)
class ConditionType:
    """A leaf condition: how to check its value when saved and how to test it on a snapshot."""

    validate: Validator
    evaluate: Evaluator
    example: str


CONDITIONS: dict[str, ConditionType] = {}


def register(name: str, *, validate: Validator, evaluate: Evaluator, example: str) -> None:
    """Add (or replace) the leaf condition `name`."""
    CONDITIONS[name] = ConditionType(validate, evaluate, example)


def validate_conditions(tree: Any, path: str = "conditions") -> list[FieldProblem]:
    """Every problem of a condition tree, each with the path of the bad part."""
    if tree is None or tree == {}:
        return []
    return list(_problems(tree, path, 0))


def _problems(node: Any, path: str, depth: int) -> Iterable[FieldProblem]:
    if depth > MAX_DEPTH:
        yield FieldProblem(path, f"conditions nest at most {MAX_DEPTH} levels deep")
        return
    if not isinstance(node, dict) or len(node) != 1:
        yield FieldProblem(path, 'must be one condition, such as {"all": [...]} or {"cart_value": {"min": 20}}')
        return
    ((name, value),) = node.items()
    if name in ("all", "any"):
        if not isinstance(value, list) or not value:
            yield FieldProblem(f"{path}.{name}", "must be a non-empty list of conditions")
            return
        for i, child in enumerate(value):
            yield from _problems(child, f"{path}.{name}[{i}]", depth + 1)
    elif name == "not":
        yield from _problems(value, f"{path}.not", depth + 1)
    elif name in CONDITIONS:
        for sub, message in CONDITIONS[name].validate(value):
            yield FieldProblem(f"{path}.{name}{'.' + sub if sub else ''}", message)
    else:
        close = difflib.get_close_matches(str(name), [*CONDITIONS, "all", "any", "not"], n=1)
        hint = f"did you mean '{close[0]}'?" if close else f"known: all, any, not, {', '.join(sorted(CONDITIONS))}"
        yield FieldProblem(f"{path}.{name}", f"unknown condition '{name}'; {hint}")


def compile_conditions(tree: Any) -> Predicate:
    """A function testing a snapshot against a valid tree (validate first: bad trees raise here)."""
    if tree is None or tree == {}:
        return lambda _snapshot: True
    ((name, value),) = tree.items()
    if name in ("all", "any"):
        parts = [compile_conditions(child) for child in value]
        combine = all if name == "all" else any
        return lambda snapshot: combine(part(snapshot) for part in parts)
    if name == "not":
        inner = compile_conditions(value)
        return lambda snapshot: not inner(snapshot)
    test = CONDITIONS[name].evaluate
    return lambda snapshot: test(value, snapshot)


def evaluate(tree: Any, snapshot: VisitorSnapshot) -> bool:
    """Whether `snapshot` matches the (valid) condition tree."""
    return compile_conditions(tree)(snapshot)


# value checks shared by the leaf types

def check_range(value: Any, *, whole: bool = False, low: float = 0, high: float = float(MAX_AMOUNT)) -> Checks:
    """Problems of a `{min, max}` range (at least one end; min <= max; within [low, high]; finite numbers)."""
    if not isinstance(value, dict) or not value:
        return [("", "must be a range such as {min: 20, max: 50}")]
    checks: Checks = [(k, "unknown key; use min and max") for k in value if k not in ("min", "max")]
    kind = "a whole number" if whole else "a number"
    for key in ("min", "max"):
        if key not in value:
            continue
        number = value[key]
        if not is_finite(number) or (whole and not isinstance(number, int)):
            checks.append((key, f"must be {kind}"))
        elif not low <= number <= high:
            checks.append((key, f"must be between {low:.10g} and {high:.10g}"))
    if not checks and "min" in value and "max" in value and value["min"] > value["max"]:
        checks.append(("max", "must not be below min"))
    return checks


def check_choice(value: Any, options: Iterable[str]) -> Checks:
    """Problems of one of `options` or a non-empty list of them."""
    allowed = list(options)
    values = value if isinstance(value, list) else [value]
    if not values or any(v not in allowed for v in values):
        return [("", f"must be one of: {', '.join(allowed)} (or a list of them)")]
    return []


def check_texts(value: Any, *, max_length: int = 200) -> Checks:
    """Problems of a non-empty text or a non-empty list of them."""
    values = value if isinstance(value, list) else [value]
    if not values or any(not isinstance(v, str) or not v.strip() or len(v) > max_length for v in values):
        return [("", f"must be a non-empty text (at most {max_length} characters) or a list of them")]
    return []


def check_keys(value: Any, *, required: Iterable[str] = (), optional: Iterable[str] = (),
               one_of: Iterable[str] = ()) -> Checks:
    """Problems of a mapping's keys: required ones present, no unknown ones, exactly one of `one_of`."""
    required, optional, one_of = list(required), list(optional), list(one_of)
    if not isinstance(value, dict):
        return [("", f"must be a mapping with {', '.join(required + one_of + optional)}")]
    allowed = [*required, *optional, *one_of]
    checks: Checks = [(k, f"unknown key; allowed: {', '.join(allowed)}") for k in value if k not in allowed]
    checks += [(k, "is required") for k in required if k not in value]
    if one_of and sum(k in value for k in one_of) != 1:
        checks.append(("", f"give exactly one of: {', '.join(one_of)}"))
    return checks


def in_range(number: float | None, spec: dict[str, Any]) -> bool:
    """Whether `number` lies within the inclusive range `spec` (None never does)."""
    if number is None:
        return False
    return spec.get("min", number) <= number <= spec.get("max", number)


def _listed(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


# the built-in leaf conditions

def _cart_contains(value: dict[str, Any], s: VisitorSnapshot) -> bool:
    if "sku" in value:
        return any(sku in s.cart_skus for sku in _listed(value["sku"]))
    return any(category in s.cart_categories for category in _listed(value["category"]))


def _check_cart_contains(value: Any) -> Checks:
    checks = check_keys(value, one_of=("sku", "category"))
    return checks or [(k, m) for k in value for _, m in check_texts(value[k], max_length=128)]


def _check_quiz(value: Any) -> Checks:
    checks = check_keys(value, required=("flow", "question"), optional=("answer",))
    if checks:
        return checks
    checks = [(k, m) for k in ("flow", "question") for _, m in check_texts(value[k], max_length=64) if k in value]
    answer = value.get("answer")
    if "answer" in value and (answer in (None, []) or any(not isinstance(a, (str, int, float)) for a in
                                                         _listed(answer))):
        checks.append(("answer", "must be an answer id (or a list of them); leave it out to match any answer"))
    return checks


def _quiz_answer(value: dict[str, Any], s: VisitorSnapshot) -> bool:
    given = s.quiz.get(value["flow"], {}).get(value["question"])
    if given is None:
        return False
    if "answer" not in value:
        return True
    wanted = {str(a) for a in _listed(value["answer"])}
    return any(str(g) in wanted for g in _listed(given))


def _check_pages(value: Any) -> Checks:
    checks = check_keys(value, required=("contains",))
    return checks or [("contains", m) for _, m in check_texts(value["contains"], max_length=500)]


def _pages_viewed(value: dict[str, Any], s: VisitorSnapshot) -> bool:
    return any(fnmatchcase(page, pattern) for pattern in _listed(value["contains"]) for page in s.pages)


def _check_source(value: Any) -> Checks:
    checks = check_keys(value, optional=SOURCES)
    if not checks and not value:
        return [("", f"give at least one of: {', '.join(SOURCES)}")]
    return checks or [(k, m) for k in value for _, m in check_texts(value[k])]


def _source_matches(key: str, wanted: str, s: VisitorSnapshot) -> bool:
    wanted = wanted.lower()
    if key == "referrer_domain":
        host = s.referrer_domain
        return host == wanted or host.endswith("." + wanted)
    return str(getattr(s, key)).lower() == wanted


def _traffic_source(value: dict[str, Any], s: VisitorSnapshot) -> bool:
    return all(any(_source_matches(k, w, s) for w in _listed(v)) for k, v in value.items())


def _check_segment(value: Any) -> Checks:
    checks = check_keys(value, required=("name",))
    return checks or [("name", m) for _, m in check_texts(value["name"], max_length=64)]


def _check_survey(value: Any) -> Checks:
    checks = check_keys(value, required=("kind",), optional=("group", "score", "days", "survey"))
    if checks:
        return checks
    kind = value["kind"]
    if kind not in SCALES:
        return [("kind", f"must be one of: {', '.join(SCALES)}")]
    scale, groups = SCALES[kind], GROUPS[kind]
    if "group" in value and "score" in value:
        checks.append(("", "give a group or a score range, not both"))
    if "group" in value:
        checks += [("group", m) for _, m in check_choice(value["group"], groups)]
    if "score" in value:
        checks += [("score." + k if k else "score", m)
                   for k, m in check_range(value["score"], whole=True, low=scale.start, high=scale.stop - 1)]
    if "days" in value:
        checks += [("days", m) for _, m in check_range({"min": value["days"]}, whole=True, low=1, high=SURVEY_DAYS)]
    if "survey" in value:
        checks += [("survey", m) for _, m in check_texts(value["survey"], max_length=64)]
    return checks


def _survey_answer(value: dict[str, Any], s: VisitorSnapshot) -> bool:
    """Whether the person's latest answer of that kind (of that survey, within `days`) is in the group or range."""
    surveys = _listed(value.get("survey", [])) or None
    latest = next((a for a in s.surveys if a.kind == value["kind"] and a.days_ago <= value.get("days", SURVEY_DAYS)
                   and (surveys is None or a.survey_id in surveys)), None)
    if latest is None:
        return False
    if "group" in value:
        return any(latest.score in GROUPS[value["kind"]][g] for g in _listed(value["group"]))
    return in_range(latest.score, value.get("score", {}))


register("cart_value", validate=check_range, evaluate=lambda v, s: in_range(s.cart_value, v),
         example='{"cart_value": {"min": 20, "max": 49.99}}')
register("cart_items", validate=lambda v: check_range(v, whole=True),
         evaluate=lambda v, s: in_range(s.cart_items, v), example='{"cart_items": {"min": 2}}')
register("cart_contains", validate=_check_cart_contains, evaluate=_cart_contains,
         example='{"cart_contains": {"category": "Tents"}}')
register("visitor", validate=lambda v: check_choice(v, ("new", "returning")),
         evaluate=lambda v, s: ("new" if s.is_new else "returning") in _listed(v), example='{"visitor": "returning"}')
register("visits", validate=lambda v: check_range(v, whole=True, low=1),
         evaluate=lambda v, s: in_range(s.visits, v), example='{"visits": {"min": 3}}')
register("quiz_answer", validate=_check_quiz, evaluate=_quiz_answer,
         example='{"quiz_answer": {"flow": "running-shoes", "question": "terrain", "answer": "trail"}}')
register("pages_viewed", validate=_check_pages, evaluate=_pages_viewed,
         example='{"pages_viewed": {"contains": "/running/*"}}')
register("traffic_source", validate=_check_source, evaluate=_traffic_source,
         example='{"traffic_source": {"utm_source": "newsletter"}}')
register("device", validate=lambda v: check_choice(v, DEVICES), evaluate=lambda v, s: s.device in _listed(v),
         example='{"device": "mobile"}')
register("segment", validate=_check_segment, evaluate=lambda v, s: any(n in s.segments for n in _listed(v["name"])),
         example='{"segment": {"name": "champions"}}')
register("churn_risk", validate=lambda v: check_range(v, low=0, high=1),
         evaluate=lambda v, s: in_range(s.churn_risk, v), example='{"churn_risk": {"min": 0.6}}')
register("clv", validate=check_range, evaluate=lambda v, s: in_range(s.clv, v),
         example='{"clv": {"min": 200}}')
register("p_alive", validate=lambda v: check_range(v, low=0, high=1),
         evaluate=lambda v, s: in_range(s.p_alive, v), example='{"p_alive": {"max": 0.5}}')
register("survey", validate=_check_survey, evaluate=_survey_answer,
         example='{"survey": {"kind": "nps", "group": "detractor", "days": 90}}')
