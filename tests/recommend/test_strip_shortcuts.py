"""Two shortcuts of recommend_for that must never change a strip.

A strip first tries a short fetch of candidates: it must be the strip of the full over-fetch. A strip
that is the same for every shopper (no strategy knows a product of the context) is kept: a shopper
must get from it what their own strip would have been.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assistant.catalog import service as catalog_service
from assistant.merchandising.rules import parse_rules
from assistant.recommend import service
from assistant.recommend.catalog_view import CatalogItem
from assistant.recommend.interactions import Basket, Interactions
from assistant.recommend.serving import Bundle
from assistant.recommend.shopper import Shopper
from assistant.recommend.similar import ContentSimilar
from assistant.recommend.training import strategies
from tests.recommend.helpers import sessions_to_interactions

ITEMS = 240
CATEGORIES = 6


@pytest.fixture(scope="module")
def bundle() -> Bundle:
    """Every strategy of a real bundle, fitted on sessions and baskets that stay within a category."""
    rng = np.random.default_rng(3)
    skus = [f"p{i:03d}" for i in range(ITEMS)]
    category = [f"c{i % CATEGORIES}" for i in range(ITEMS)]
    sessions = []
    for _ in range(900):
        group = int(rng.integers(0, CATEGORIES))
        members = np.arange(group, ITEMS, CATEGORIES)
        sessions.append([skus[i] for i in members[np.minimum(rng.zipf(1.5, int(rng.integers(2, 8))) - 1,
                                                              len(members) - 1)]])
    views = sessions_to_interactions(sessions)
    baskets = Interactions.from_baskets([Basket(f"b{k}", 1e6 + k, tuple(dict.fromkeys(s))) for k, s in
                                         enumerate(sessions[::3]) if len(set(s)) >= 2])
    models = strategies()
    for name in ("session", "trending", "popular"):
        models[name].fit(views)
    models["basket"].fit(baskets)
    models["together"].fit(baskets)
    # every fourth product is a near twin of the one before it, so the diversity rule drops some picks
    titles = [f"Item {i // 4 * 4} trail shoe" if i % 4 in (0, 1) else f"Other thing {i}" for i in range(ITEMS)]
    models["similar"] = ContentSimilar().fit_catalog(item_ids=skus, texts=titles, prices=[10.0] * ITEMS,
                                                     categories=category)
    prices = [10.0 + i % 50 for i in range(ITEMS)]
    attrs = [catalog_service.testable_attributes({"brand": f"b{i % 5}"}, prices[i], None, [category[i]])
             for i in range(ITEMS)]
    catalog = {sku: CatalogItem(sku, sku.upper(), f"/p/{sku}", "", prices[i], "EUR", (category[i],), None, attrs[i])
               for i, sku in enumerate(skus)}
    return Bundle("test", models, catalog)


sku = st.integers(0, ITEMS + 9).map(lambda i: f"p{i:03d}")  # a few unknown to every model
rule = st.one_of(
    st.builds(lambda c, f: {"boost": {"category": f"c{c}"}, "factor": f}, st.integers(0, CATEGORIES - 1),
              st.sampled_from([1.2, 2.0, 5.0])),
    st.builds(lambda b, f: {"bury": {"brand": f"b{b}"}, "factor": f}, st.integers(0, 4), st.sampled_from([0.1, 0.5])),
    st.builds(lambda c: {"exclude": {"category": f"c{c}"}}, st.integers(0, CATEGORIES - 1)),
    st.builds(lambda s: {"pin": s}, sku),
)


shopper = st.builds(lambda recent, cart, bought, viewing: Shopper(recent=tuple(recent), cart=tuple(cart),
                                                                 bought=tuple(bought), viewing=viewing),
                    st.lists(sku, max_size=4), st.lists(sku, max_size=3), st.lists(sku, max_size=2), st.none() | sku)
unknown = st.integers(ITEMS, ITEMS + 9).map(lambda i: f"p{i:03d}")
popular = st.integers(0, 2 * CATEGORIES - 1).map(lambda i: f"p{i:03d}")  # the head of each category's sessions
placements = st.sampled_from(["home", "product", "cart", "checkout"])


def strip(bundle: Bundle, placement: str, shopper: Shopper, n: int, sold_out: frozenset[str],
          rules: list[Any], *, forget: bool = True) -> list[tuple[str, str, str]]:
    if forget:
        bundle.memo.clear()
    result = service.recommend_for(bundle=bundle, placement=service.PLACEMENTS[placement], shopper=shopper, n=n,
                                   sold_out=sold_out, rules=rules, free_shipping=60.0)
    return [(p.sku, r.kind, r.text) for p, r in result.items]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(placement=placements, n=st.integers(1, 12), shopper=shopper, sold_out=st.frozensets(sku, max_size=60),
       rules=st.lists(rule, max_size=4))
def test_the_short_fetch_gives_the_strip_of_the_full_over_fetch(
        bundle: Bundle, monkeypatch: pytest.MonkeyPatch, placement: str, n: int, shopper: Shopper,
        sold_out: frozenset[str], rules: list[dict[str, Any]]) -> None:
    parsed = parse_rules({"rules": rules})

    short = strip(bundle, placement, shopper, n, sold_out, parsed)
    with monkeypatch.context() as patch:
        patch.setattr(service, "SHORT_FETCH", service.OVERFETCH)
        full = strip(bundle, placement, shopper, n, sold_out, parsed)
    assert short == full


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(placement=placements, sizes=st.tuples(st.integers(1, 12), st.integers(1, 12)), first=shopper,
       second=shopper | st.builds(lambda cart, bought: Shopper(cart=tuple(cart), bought=tuple(bought)),
                                  st.lists(unknown, max_size=3), st.lists(popular, max_size=2)),
       sold_out=st.frozensets(sku, max_size=60), rules=st.lists(rule, max_size=4))
def test_a_kept_strip_is_what_each_shopper_would_have_been_shown(
        bundle: Bundle, placement: str, sizes: tuple[int, int], first: Shopper, second: Shopper,
        sold_out: frozenset[str], rules: list[dict[str, Any]]) -> None:
    parsed = parse_rules({"rules": rules})
    own = strip(bundle, placement, second, sizes[1], sold_out, parsed)
    strip(bundle, placement, first, sizes[0], sold_out, parsed)  # may keep a strip the second shopper then gets
    assert strip(bundle, placement, second, sizes[1], sold_out, parsed, forget=False) == own


def test_a_context_no_strategy_knows_gets_the_kept_strip(bundle: Bundle) -> None:
    rules = parse_rules({"rules": []})
    sold_out: frozenset[str] = frozenset()
    strip(bundle, "cart", Shopper(cart=("p900",)), 8, sold_out, rules)
    kept = [key for key in bundle.memo if key[0] == "cold strip"]
    assert kept == [("cold strip", "cart", 8, None, None)]  # no category, no segment
    strip(bundle, "cart", Shopper(cart=("p001",)), 8, sold_out, rules, forget=False)  # known: nothing more kept
    assert [key for key in bundle.memo if key[0] == "cold strip"] == kept


def test_a_shopper_who_bought_from_the_kept_strip_is_not_given_it(bundle: Bundle) -> None:
    rules = parse_rules({"rules": []})
    sold_out: frozenset[str] = frozenset()
    anyone = strip(bundle, "home", Shopper(), 8, sold_out, rules)
    bought = Shopper(bought=(anyone[0][0],))
    assert anyone[0][0] not in [sku for sku, _, _ in strip(bundle, "home", bought, 8, sold_out, rules, forget=False)]
