"""Targeting: every leaf condition, all/any/not combinations, and validation messages with paths."""

from __future__ import annotations

from typing import Any

import pytest

from assistant.promotions.rules import CONDITIONS, evaluate, register, validate_conditions
from assistant.promotions.snapshot import VisitorSnapshot

SHOPPER = VisitorSnapshot(
    anon_id="anon-0001", currency="EUR", cart_value_minor=4200, cart_items=3, cart_skus=frozenset({"tent-1"}),
    cart_categories=frozenset({"Tents", "Camping"}), is_new=False, visits=4,
    quiz={"running-shoes": {"terrain": "trail", "extras": ["waterproof", "wide"]}},
    pages=("/cart", "/running/trail-shoes", "/"), viewed_skus=("shoe-1",), utm_source="Newsletter",
    utm_medium="email", utm_campaign="spring", referrer="https://www.google.com/search?q=tent", device="mobile",
    segments=frozenset({"champions"}), churn_risk=0.7, first_name="Ada")


@pytest.mark.parametrize(("tree", "expected"), [
    ({"cart_value": {"min": 40}}, True),
    ({"cart_value": {"min": 42, "max": 42}}, True),
    ({"cart_value": {"max": 41.99}}, False),
    ({"cart_items": {"min": 2, "max": 3}}, True),
    ({"cart_items": {"min": 4}}, False),
    ({"cart_contains": {"sku": "tent-1"}}, True),
    ({"cart_contains": {"sku": ["x", "y"]}}, False),
    ({"cart_contains": {"category": "Tents"}}, True),
    ({"cart_contains": {"category": ["Shoes", "Camping"]}}, True),
    ({"visitor": "returning"}, True),
    ({"visitor": "new"}, False),
    ({"visits": {"min": 3}}, True),
    ({"visits": {"max": 3}}, False),
    ({"quiz_answer": {"flow": "running-shoes", "question": "terrain", "answer": "trail"}}, True),
    ({"quiz_answer": {"flow": "running-shoes", "question": "terrain", "answer": ["road", "mixed"]}}, False),
    ({"quiz_answer": {"flow": "running-shoes", "question": "extras", "answer": "wide"}}, True),
    ({"quiz_answer": {"flow": "running-shoes", "question": "terrain"}}, True),
    ({"quiz_answer": {"flow": "running-shoes", "question": "budget"}}, False),
    ({"quiz_answer": {"flow": "tents", "question": "terrain", "answer": "trail"}}, False),
    ({"pages_viewed": {"contains": "/running/*"}}, True),
    ({"pages_viewed": {"contains": "/sale*"}}, False),
    ({"traffic_source": {"utm_source": "newsletter"}}, True),
    ({"traffic_source": {"utm_source": "newsletter", "utm_medium": "cpc"}}, False),
    ({"traffic_source": {"utm_campaign": ["winter", "spring"]}}, True),
    ({"traffic_source": {"referrer_domain": "google.com"}}, True),
    ({"traffic_source": {"referrer_domain": "oogle.com"}}, False),
    ({"device": "mobile"}, True),
    ({"device": ["desktop", "tablet"]}, False),
    ({"segment": {"name": "champions"}}, True),
    ({"segment": {"name": "at_risk"}}, False),
    ({"churn_risk": {"min": 0.6}}, True),
    ({"churn_risk": {"max": 0.5}}, False),
])
def test_each_leaf_condition(tree: dict[str, Any], expected: bool) -> None:
    assert validate_conditions(tree) == []
    assert evaluate(tree, SHOPPER) is expected


def test_unknown_values_never_match_ranges() -> None:
    assert evaluate({"churn_risk": {"min": 0}}, VisitorSnapshot()) is False
    assert evaluate({"segment": {"name": "champions"}}, VisitorSnapshot()) is False


@pytest.mark.parametrize(("tree", "expected"), [
    ({}, True),
    ({"all": [{"device": "mobile"}, {"visitor": "returning"}]}, True),
    ({"all": [{"device": "mobile"}, {"visitor": "new"}]}, False),
    ({"any": [{"device": "desktop"}, {"visitor": "new"}]}, False),
    ({"any": [{"device": "desktop"}, {"visitor": "returning"}]}, True),
    ({"not": {"device": "desktop"}}, True),
    ({"not": {"all": [{"device": "mobile"}, {"cart_value": {"min": 10}}]}}, False),
    ({"all": [{"any": [{"device": "tablet"}, {"segment": {"name": "champions"}}]},
              {"not": {"cart_contains": {"category": "Shoes"}}}]}, True),
])
def test_combinations(tree: dict[str, Any], expected: bool) -> None:
    assert validate_conditions(tree) == []
    assert evaluate(tree, SHOPPER) is expected


@pytest.mark.parametrize(("tree", "field", "words"), [
    ({"cart_value": {"min": "lots"}}, "conditions.cart_value.min", "must be a number"),
    ({"cart_value": {"min": -1}}, "conditions.cart_value.min", "between 0 and 10000000"),
    ({"cart_value": {"min": 1e30}}, "conditions.cart_value.min", "between 0 and 10000000"),
    ({"cart_value": {"max": float("nan")}}, "conditions.cart_value.max", "must be a number"),
    ({"cart_value": {"max": 10**400}}, "conditions.cart_value.max", "must be a number"),
    ({"cart_value": {"min": 50, "max": 20}}, "conditions.cart_value.max", "must not be below min"),
    ({"cart_value": {}}, "conditions.cart_value", "range such as"),
    ({"cart_value": {"minimum": 3}}, "conditions.cart_value.minimum", "use min and max"),
    ({"cart_items": {"min": 1.5}}, "conditions.cart_items.min", "whole number"),
    ({"visits": {"min": 0}}, "conditions.visits.min", "between 1 and"),
    ({"visits": {"min": 2**63}}, "conditions.visits.min", "between 1 and"),
    ({"cart_contains": {"sku": "a", "category": "b"}}, "conditions.cart_contains", "exactly one of: sku, category"),
    ({"cart_contains": {"sku": ""}}, "conditions.cart_contains.sku", "non-empty text"),
    ({"visitor": "old"}, "conditions.visitor", "must be one of: new, returning"),
    ({"quiz_answer": {"flow": "f"}}, "conditions.quiz_answer.question", "is required"),
    ({"quiz_answer": {"flow": "f", "question": "q", "answer": None}}, "conditions.quiz_answer.answer", "answer id"),
    ({"pages_viewed": {"path": "/x"}}, "conditions.pages_viewed.path", "unknown key"),
    ({"traffic_source": {}}, "conditions.traffic_source", "at least one of"),
    ({"traffic_source": {"utm_sauce": "x"}}, "conditions.traffic_source.utm_sauce", "allowed: utm_source"),
    ({"device": "phone"}, "conditions.device", "desktop, mobile, tablet"),
    ({"segment": {}}, "conditions.segment.name", "is required"),
    ({"churn_risk": {"min": 1.5}}, "conditions.churn_risk.min", "between 0 and 1"),
    ({"cart_valeu": {"min": 1}}, "conditions.cart_valeu", "did you mean 'cart_value'"),
    ({"all": []}, "conditions.all", "non-empty list"),
    ({"any": {"device": "mobile"}}, "conditions.any", "non-empty list"),
    ({"all": [{"device": "mobile"}, {"visits": {"min": "x"}}]}, "conditions.all[1].visits.min", "whole number"),
    ({"not": {"device": "mobile", "visitor": "new"}}, "conditions.not", "must be one condition"),
    ("mobile", "conditions", "must be one condition"),
])
def test_validation_names_the_field(tree: Any, field: str, words: str) -> None:
    problems = {p.field: p.message for p in validate_conditions(tree)}
    assert field in problems, problems
    assert words in problems[field]


def test_deep_nesting_is_refused() -> None:
    tree: dict[str, Any] = {"device": "mobile"}
    for _ in range(12):
        tree = {"not": tree}
    assert "nest at most" in validate_conditions(tree)[0].message


def test_new_condition_types_plug_in(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("assistant.promotions.rules.CONDITIONS", dict(CONDITIONS))
    register("first_name_known", validate=lambda v: [] if isinstance(v, bool) else [("", "must be true or false")],
             evaluate=lambda v, s: bool(s.first_name) is v, example='{"first_name_known": true}')
    assert validate_conditions({"first_name_known": "yes"})[0].message == "must be true or false"
    assert evaluate({"all": [{"first_name_known": True}, {"device": "mobile"}]}, SHOPPER) is True
