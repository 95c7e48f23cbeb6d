"""Training baskets from purchase claims: another visitor's claim of an order id never mixes its items in."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlmodel import Session

from assistant.recommend.training import _baskets
from assistant.sites.models import Site
from tests.promotions.helpers import track

T0 = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)


def bought(order_id: str, *skus: str) -> dict[str, object]:
    return {"type": "purchase", "order_id": order_id, "value": 10.0, "items": [{"sku": s} for s in skus]}


def test_each_claim_of_an_order_id_is_its_own_basket(session: Session, site: Site) -> None:
    track(session, site, "shopper-01", T0, bought("o-1", "shoe", "sock"))
    track(session, site, "attacker-1", T0, bought("o-1", "spam-1", "spam-2"))
    baskets = sorted(basket.items for basket in _baskets(session, site, datetime(2026, 1, 1, tzinfo=UTC)))
    assert baskets == [("shoe", "sock"), ("spam-1", "spam-2")]
