"""An order is one basket in training: not once as the order and again as its adds to cart, nor once as the
shop's verified order and again as the browser's claim; imported history is a basket of its own."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlmodel import Session

from assistant.recommend.training import _baskets
from assistant.sites.models import Site
from assistant.tracking.history import import_history
from assistant.tracking.history_mapping import HistoryMapping
from assistant.tracking.orders import parse_order, record_order
from tests.promotions.helpers import track

T0 = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
SINCE = datetime(2026, 1, 1, tzinfo=UTC)


def added(sku: str) -> dict[str, object]:
    return {"type": "add_to_cart", "sku": sku}


def bought(order_id: str, *skus: str) -> dict[str, object]:
    return {"type": "purchase", "order_id": order_id, "value": 10.0, "items": [{"sku": s} for s in skus]}


def baskets(session: Session, site: Site) -> list[tuple[str, ...]]:
    return sorted(basket.items for basket in _baskets(session, site, SINCE))


def test_a_visit_that_bought_is_its_order_once(session: Session, site: Site) -> None:
    track(session, site, "shopper-01", T0, added("shoe"), added("sock"), bought("o-1", "shoe", "sock"))
    track(session, site, "shopper-02", T0, added("cap"), added("bag"))  # a visit that bought nothing
    assert baskets(session, site) == [("cap", "bag"), ("shoe", "sock")]
    record_order(session=session, site=site, order=parse_order({"order_id": "o-1", "value": 10.0, "items": [
        {"sku": "shoe"}, {"sku": "sock"}]}), source="api", now=T0)
    session.commit()
    assert baskets(session, site) == [("cap", "bag"), ("shoe", "sock")]  # the shop's order and the claim: once


def test_an_order_the_shop_names_the_visitor_of_takes_that_visits_adds(session: Session, site: Site) -> None:
    track(session, site, "shopper-03", T0, added("tent"), added("stove"))
    later = (T0 + timedelta(minutes=5)).isoformat()
    record_order(session=session, site=site, order=parse_order({
        "order_id": "o-2", "value": 99.0, "visitor": "shopper-03", "ordered_at": later,
        "items": [{"sku": "tent"}, {"sku": "stove"}, {"sku": "lamp"}]}), source="api", now=T0)
    session.commit()
    assert baskets(session, site) == [("tent", "stove", "lamp")]


def test_imported_history_is_one_basket_per_order(session: Session, site: Site, tmp_path: Path) -> None:
    export = tmp_path / "past.csv"
    when = (T0 - timedelta(days=10)).strftime("%Y-%m-%d %H:%M")
    export.write_text(f"order,date,sku,qty\nh-1,{when},kettle,1\nh-1,{when},mug,2\nh-2,{when},mug,1\nh-2,{when},spoon,1\n")
    mapping = HistoryMapping.from_dict({"order_id": "order", "ordered_at": "date", "sku": "sku", "quantity": "qty",
                                        "total": {"value": 10}})
    import_history(session=session, site=site, path=export, mapping=mapping, now=T0)
    track(session, site, "shopper-04", T0, bought("h-1", "kettle", "mug"))  # a browser's claim of the same order
    assert baskets(session, site) == [("kettle", "mug"), ("mug", "spoon")]
