"""The home strip's quiz cold start ranks the catalog index, and picks what the former product-list code picked.

The reference is the former `quiz_pool` + `QuizMatch`: the product-list engine (`flows.engine`) over
a transient Product per snapshot item in the flow's scope. It is given the in-stock products that
are not excluded, which is what the index version ranks; with everything in stock and nothing
excluded that is the former code unchanged.
"""

from __future__ import annotations

import os
from collections.abc import Collection, Mapping
from typing import Any, cast

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assistant.catalog.index import CatalogIndex, index_of_rows
from assistant.catalog.models import Product
from assistant.catalog.money import to_major, to_minor
from assistant.catalog.service import testable_attributes as flattened
from assistant.flows import engine
from assistant.flows.answers import Answers, give_answer, next_question
from assistant.flows.engine import Candidate, in_scope
from assistant.flows.schema import Flow
from assistant.recommend.base import Context, Reason, Scored
from assistant.recommend.catalog_view import CatalogItem
from assistant.recommend.quiz_match import QuizMatch, snapshot_mask
from assistant.recommend.service import PLACEMENTS, recommend_for
from assistant.recommend.serving import Bundle
from assistant.recommend.shopper import Shopper
from tests.factories import load_flow
from tests.flows.test_ranking_differential import answer_value, catalogs, flows

EXAMPLES = int(os.environ.get("QUIZ_MATCH_EXAMPLES", "100"))


def item_of(row: tuple[Any, ...]) -> CatalogItem:
    """The snapshot item `load_snapshot` makes of a product row."""
    _, sku, title, url, image, price_minor, currency, categories, rating, attributes, popularity, _ = row
    price = to_major(price_minor, currency)
    return CatalogItem(sku, title, url, image, price, currency, tuple(categories), rating,
                       flattened(attributes, price, rating, categories), popularity)


def bundle_of(rows: list[tuple[Any, ...]]) -> Bundle:
    """A bundle with no strategies (the home strip is then the quiz's alone) and a snapshot of `rows`."""
    return Bundle("test", {}, {row[1]: item_of(row) for row in rows})


def former_quiz(bundle: Bundle, flow: Flow, answers: Answers, n: int, exclude: Collection[str],
                stocked: Collection[str], products: Mapping[str, Product] | None = None) -> list[Scored]:
    """The former QuizMatch.recommend, over the snapshot's products in `stocked` and not in `exclude` (`products`:
    each item's `_product`, made once for the many calls over one bundle)."""
    if n <= 0 or not answers:
        return []
    pool = in_scope(flow, (Candidate(products[item.sku] if products is not None else _product(item), item.attrs)
                           for item in bundle.catalog.values() if item.sku in stocked and item.sku not in exclude))
    found = engine.results(flow, answers, pool, count=n)
    if found.fallback:
        return []
    return [Scored(m.product.sku, m.score, _reason(m.reasons[0].text if m.reasons else None)) for m in found.items]


def _product(item: CatalogItem) -> Product:
    return Product(site_id=0, sku=item.sku, title=item.title, url=item.url, image=item.image, currency=item.currency,
                   price_minor=to_minor(item.price, item.currency), categories=list(item.categories),
                   rating=item.rating, in_stock=True, popularity=item.popularity)


def _reason(label: str | None) -> Reason:
    return Reason.filled("quiz", "From your quiz: {}", label) if label else Reason("quiz", "From your quiz answers")


def matcher(flow: Flow, answers: Answers, index: CatalogIndex, bundle: Bundle) -> QuizMatch:
    return QuizMatch(flow, answers, index, snapshot_mask(bundle, index))


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
@given(rows=catalogs(), flow=flows(), data=st.data())
def test_the_strip_picks_what_the_former_code_picked(rows: list[tuple[Any, ...]], flow: Flow,
                                                       data: st.DataObject) -> None:
    index, bundle = index_of_rows(1, rows), bundle_of(rows)
    skus = [row[1] for row in rows]
    stocked = {row[1] for row in rows if row[-1]}
    exclude = set(data.draw(st.lists(st.sampled_from(skus), max_size=4))) if skus else set()
    products = {sku: _product(item) for sku, item in bundle.catalog.items()}
    answers: Answers = []
    while True:
        for n in (2, 8):
            for excluded in (set(), exclude):
                expected = former_quiz(bundle, flow, answers, n, excluded, stocked, products)
                got = matcher(flow, answers, index, bundle).recommend(Context(), n=n, exclude=excluded)
                assert got == expected, (answers, n, excluded)
        strip = recommend_for(bundle=bundle, placement=PLACEMENTS["home"], n=4, quiz_flow=flow, catalog=index,
                              sold_out=set(skus) - stocked,
                              shopper=Shopper(bought=tuple(exclude), quizzes=((flow.id, [list(a) for a in answers]),)))
        expected = former_quiz(bundle, flow, answers, 4, exclude, stocked, products) if answers else []
        assert [(p.sku, r) for p, r in strip.items] == [(s.item_id, s.reason) for s in expected], answers
        question = next_question(flow, answers)
        if question is None:
            break
        answers = give_answer(flow, answers, question.id, answer_value(cast(st.DrawFn, data.draw), question))


SHOES = """
id: shoes
title: Find your shoe
scope: {category: Shoes}
questions:
  - id: budget
    text: Your budget?
    type: range
    field: price
    min: 10
    max: 300
"""


def row(number: int, sku: str, price_minor: int, *, popularity: float = 0.0, in_stock: bool = True,
        category: str = "Shoes") -> tuple[Any, ...]:
    return (number, sku, sku.title(), f"/p/{sku}", "", price_minor, "EUR", [category], 4.0, {}, popularity, in_stock)


CATALOG = [row(1, "shoe-a", 5000, popularity=3), row(2, "shoe-b", 6000, popularity=2),
           row(3, "shoe-c", 7000, popularity=1), row(4, "shoe-d", 20000), row(5, "sock", 900, category="Socks")]


def picks(flow: Flow, index: CatalogIndex, bundle: Bundle, answers: Answers, n: int = 3,
          exclude: Collection[str] = ()) -> list[str]:
    return [s.item_id for s in matcher(flow, answers, index, bundle).recommend(Context(), n=n, exclude=exclude)]


def test_a_product_the_snapshot_lacks_is_passed_over_and_the_strip_still_fills() -> None:
    flow = load_flow(SHOES)
    answers = give_answer(flow, [], "budget", [10, 100])
    newer = row(0, "shoe-0-new", 4000, popularity=9)  # added after training: first by SKU and by popularity
    index, bundle = index_of_rows(1, [newer, *CATALOG]), bundle_of(CATALOG)
    assert picks(flow, index, bundle, answers) == ["shoe-a", "shoe-b", "shoe-c"]
    assert picks(flow, index_of_rows(1, [newer, *CATALOG]), bundle_of([newer, *CATALOG]), answers)[0] == "shoe-0-new"
    gone = index_of_rows(1, [r for r in CATALOG if r[1] != "shoe-b"])  # deleted since training
    assert picks(flow, gone, bundle, answers) == ["shoe-a", "shoe-c"]


def test_stock_and_exclusions_leave_the_pool_before_the_answers_are_relaxed() -> None:
    flow = load_flow(SHOES)
    answers = give_answer(flow, [], "budget", [150, 250])  # only shoe-d fits
    index, bundle = index_of_rows(1, CATALOG), bundle_of(CATALOG)
    assert picks(flow, index, bundle, answers) == ["shoe-d"]
    # excluded (or sold out), the budget is relaxed: the closest prices first
    assert picks(flow, index, bundle, answers, exclude={"shoe-d"}) == ["shoe-c", "shoe-b", "shoe-a"]
    sold_out = index.with_stock(np.array([r[1] != "shoe-d" for r in CATALOG]), index.versions)
    assert picks(flow, sold_out, bundle, answers) == ["shoe-c", "shoe-b", "shoe-a"]


def test_the_snapshot_mask_is_kept_across_a_stock_refresh_and_remade_for_a_new_catalog() -> None:
    index, bundle = index_of_rows(1, CATALOG), bundle_of(CATALOG[:2])
    mask = snapshot_mask(bundle, index)
    assert mask.tolist() == [True, True, False, False, False]
    assert snapshot_mask(bundle, index.with_stock(index.in_stock.copy(), index.versions)) is mask
    rebuilt = index_of_rows(1, CATALOG[1:])
    assert snapshot_mask(bundle, rebuilt).tolist() == [True, False, False, False]


def test_a_quiz_flow_without_the_catalog_index_is_a_mistake_of_the_caller() -> None:
    flow = load_flow(SHOES)
    shopper = Shopper(quizzes=(("shoes", [["budget", [10, 100]]]),))
    with pytest.raises(ValueError, match="catalog index"):
        recommend_for(bundle=bundle_of(CATALOG), placement=PLACEMENTS["home"], shopper=shopper, n=3, quiz_flow=flow)
    product = recommend_for(bundle=bundle_of(CATALOG), placement=PLACEMENTS["product"], shopper=shopper, n=3,
                            quiz_flow=flow)
    assert product.items == []  # a placement without the quiz in its chain needs no index
