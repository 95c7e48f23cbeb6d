"""A strip kept for a page's cart (a shopper known by the page alone) is the strip worked out the long way."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assistant.merchandising.rules import parse_rules
from assistant.recommend import service
from assistant.recommend.serving import Bundle
from assistant.recommend.shopper import Shopper
from tests.recommend.test_strip_shortcuts import bundle, rule, shopper, sku, strip  # noqa: F401 (fixture)

page_shopper = st.builds(lambda cart, viewing, value: Shopper(cart=tuple(cart), viewing=viewing, cart_value=value),
                         st.lists(sku, max_size=3), st.none() | sku, st.none() | st.sampled_from([5.0, 45.0, 90.0]))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(placement=st.sampled_from(["home", "product", "cart", "checkout"]), n=st.integers(1, 12),
       first=shopper | page_shopper, second=page_shopper, sold_out=st.frozensets(sku, max_size=60),
       rules=st.lists(rule, max_size=4), same_page=st.booleans())
def test_a_kept_page_strip_is_the_strip_of_the_long_way(
        bundle: Bundle, placement: str, n: int, first: Shopper, second: Shopper,  # noqa: F811
        sold_out: frozenset[str], rules: list[dict[str, Any]], same_page: bool) -> None:
    parsed = parse_rules({"rules": rules})
    if same_page:  # the first shopper, with or without history, on the second one's page (a cart of its own value)
        first = Shopper(recent=first.recent, bought=first.bought, cart=second.cart, viewing=second.viewing,
                        cart_value=first.cart_value)
    own = strip(bundle, placement, second, n, sold_out, parsed)
    strip(bundle, placement, first, n, sold_out, parsed)  # may keep a strip the second shopper then gets
    assert strip(bundle, placement, second, n, sold_out, parsed, forget=False) == own
    if same_page and not (first.recent or first.bought) and first.cart_value == second.cart_value:
        assert strip(bundle, placement, first, n, sold_out, parsed, forget=False) == own


def test_page_strips_are_kept_and_bounded(bundle: Bundle, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: F811
    monkeypatch.setattr(service, "PAGE_STRIPS", 3)
    bundle.memo.clear()
    for i in range(6):
        strip(bundle, "cart", Shopper(cart=(f"p{i:03d}",)), 4, frozenset(), [], forget=False)
    kept = bundle.memo["page strips"]
    assert [key[2] for key in kept] == [("p003",), ("p004",), ("p005",)]
    strip(bundle, "cart", Shopper(cart=("p001",), recent=("p002",)), 4, frozenset(), [], forget=False)
    assert len(kept) == 3 and ("p001",) not in [key[2] for key in kept]  # a shopper with history is not kept
