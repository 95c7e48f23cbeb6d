"""The quiz engine: next question, results with reasons, relaxation, stock."""

from __future__ import annotations

import pytest
from sqlmodel import Session

from assistant.catalog.models import Product
from assistant.catalog.service import list_products
from assistant.errors import Invalid
from assistant.flows.answers import give_answer, next_question, progress
from assistant.flows.engine import candidates, results
from assistant.flows.schema import Flow
from assistant.sites.models import Site
from tests.factories import flow_yaml, load_flow, make_product

SHOES = flow_yaml("""
    id: shoes
    title: Find your shoe
    scope: {category: Shoes}
    questions:
      - id: terrain
        text: Where do you run?
        type: single
        importance: 3
        answers:
          - {id: road, text: Road, filter: {terrain: [road, mixed]}}
          - {id: trail, text: Trail, reason: trail grip, filter: {terrain: [trail, mixed]}, boost: {grip: high}}
      - id: distance
        text: How far per week?
        type: single
        when: {terrain: road}
        answers:
          - {id: short, text: Under 20 km, boost: {cushioning: medium}}
          - {id: long, text: 20 km or more, boost: {cushioning: [high, max]}}
      - id: budget
        text: Your budget?
        type: range
        field: price
        min: 40
        max: 250
""")


def _flow() -> Flow:
    return load_flow(SHOES)


@pytest.fixture
def shoes(session: Session, site: Site) -> list[Product]:
    make = lambda sku, price, **attrs: make_product(  # noqa: E731
        session, site, sku=sku, title=sku, price=price, categories="Shoes", attributes=attrs)
    make("road-1", "90", terrain="road", cushioning="high", grip="low")
    make("road-2", "60", terrain="road", cushioning="medium", grip="low")
    make("trail-1", "140", terrain="trail", cushioning="medium", grip="high")
    make("trail-2", "120", terrain="trail", cushioning="high", grip="medium")
    make("mixed-1", "110", terrain="mixed", cushioning="high", grip="high")
    make("trail-gone", "100", terrain="trail", grip="high", stock="0")
    make_product(session, site, sku="sock", price="9", categories="Socks", attributes={"terrain": "trail"})
    return list_products(session=session, site=site)


def _run(flow: Flow, products: list[Product], *answers: tuple[str, object]):  # type: ignore[no-untyped-def]
    given: list = []
    for question_id, value in answers:
        given = give_answer(flow, given, question_id, value)
    return results(flow, given, candidates(flow, products), everything=products)


def test_next_question_follows_when() -> None:
    flow = _flow()
    assert next_question(flow, []).id == "terrain"  # type: ignore[union-attr]
    assert next_question(flow, [("terrain", "road")]).id == "distance"  # type: ignore[union-attr]
    assert next_question(flow, [("terrain", "trail")]).id == "budget"  # type: ignore[union-attr]
    assert next_question(flow, [("terrain", "trail"), ("budget", [40, 250])]) is None


def test_progress_counts_only_questions_still_possible() -> None:
    flow = _flow()
    assert progress(flow, []) == (0, 3)
    assert progress(flow, [("terrain", "trail")]) == (1, 2)
    assert progress(flow, [("terrain", "road")]) == (1, 3)


def test_trail_results_are_in_scope_in_stock_and_explained(shoes: list[Product]) -> None:
    result = _run(_flow(), shoes, ("terrain", "trail"), ("budget", [40, 250]))
    skus = [m.product.sku for m in result.items]
    # grip: high boosts first; between those, 140 is nearer the middle of 40-250 (145) than 110
    assert skus == ["trail-1", "mixed-1", "trail-2"]
    assert result.relaxed == []
    assert [r.text for r in result.items[0].reasons] == ["trail grip", "in your budget"]


def test_relaxes_least_important_constraint_and_says_so(shoes: list[Product]) -> None:
    result = _run(_flow(), shoes, ("terrain", "trail"), ("budget", [40, 80]))
    assert [r.question_id for r in result.relaxed] == ["budget"]
    assert {m.product.sku for m in result.items} == {"trail-1", "trail-2", "mixed-1"}
    assert all(m.misses == ["in your budget"] for m in result.items)
    assert result.items[0].product.sku == "mixed-1"  # 110 is nearest to the budget of 80


def test_boost_reorders_without_filtering(shoes: list[Product]) -> None:
    result = _run(_flow(), shoes, ("terrain", "road"), ("distance", "long"), ("budget", [40, 250]))
    assert [m.product.sku for m in result.items][:2] == ["mixed-1", "road-1"]
    assert "road-2" in [m.product.sku for m in result.items]


def test_falls_back_to_popular_when_scope_is_empty(session: Session, site: Site) -> None:
    sock = make_product(session, site, sku="sock", price="9", categories="Socks")
    result = _run(_flow(), [sock], ("terrain", "road"), ("distance", "long"), ("budget", [40, 250]))
    assert result.fallback is True
    assert [m.product.sku for m in result.items] == ["sock"]
    assert result.items[0].reasons[0].kind == "popular"


@pytest.mark.parametrize(("question", "value", "field", "message"), [
    ("terrain", "gravel", "value", "'gravel' is not an answer of 'terrain' (one of: road, trail)"),
    ("budget", [40, 250], "question", "'budget' is not the current question (expected 'terrain')"),
    ("nope", "x", "question", "flow 'shoes' has no question 'nope'"),
    ("terrain", None, "value", "question 'terrain' needs an answer"),
])
def test_bad_answers_name_the_field(question: str, value: object, field: str, message: str) -> None:
    with pytest.raises(Invalid) as caught:
        give_answer(_flow(), [], question, value)
    assert (caught.value.field, caught.value.message) == (field, message)


def test_range_answer_must_be_ordered_numbers() -> None:
    flow = _flow()
    answers = give_answer(flow, [], "terrain", "trail")
    with pytest.raises(Invalid, match="min 90 is above max 50"):
        give_answer(flow, answers, "budget", [90, 50])
    with pytest.raises(Invalid, match="two numbers"):
        give_answer(flow, answers, "budget", ["a", 5])


def test_changing_an_earlier_answer_drops_later_ones() -> None:
    flow = _flow()
    answers = give_answer(flow, [], "terrain", "road")
    answers = give_answer(flow, answers, "distance", "long")
    answers = give_answer(flow, answers, "terrain", "trail")
    assert answers == [("terrain", "trail")]
