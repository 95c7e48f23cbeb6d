"""A strip first tries a short fetch of candidates; it must always be the strip the full over-fetch gives."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assistant.catalog import service as catalog_service
from assistant.recommend import service
from assistant.recommend.catalog_view import CatalogItem
from assistant.recommend.interactions import Basket, Interactions
from assistant.recommend.merch import parse_rules
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


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(placement=st.sampled_from(["home", "product", "cart", "checkout"]), n=st.integers(1, 12),
       recent=st.lists(sku, max_size=4), cart=st.lists(sku, max_size=3), viewing=st.none() | sku,
       sold_out=st.sets(sku, max_size=60), rules=st.lists(rule, max_size=4))
def test_the_short_fetch_gives_the_strip_of_the_full_over_fetch(
        bundle: Bundle, monkeypatch: pytest.MonkeyPatch, placement: str, n: int, recent: list[str], cart: list[str],
        viewing: str | None, sold_out: set[str], rules: list[dict[str, Any]]) -> None:
    shopper = Shopper(recent=tuple(recent), cart=tuple(cart), viewing=viewing)
    parsed = parse_rules({"rules": rules})

    def strip() -> list[tuple[str, str, str]]:
        bundle.memo.clear()
        result = service.recommend_for(bundle=bundle, placement=service.PLACEMENTS[placement], shopper=shopper, n=n,
                                       sold_out=sold_out, rules=parsed, free_shipping=60.0)
        return [(p.sku, r.kind, r.text) for p, r in result.items]

    short = strip()
    with monkeypatch.context() as patch:
        patch.setattr(service, "SHORT_FETCH", service.OVERFETCH)
        full = strip()
    assert short == full
