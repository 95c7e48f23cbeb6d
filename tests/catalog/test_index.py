"""The catalog index: built from the database in SKU order, following stock and catalog changes."""

from __future__ import annotations

from sqlalchemy.engine import Engine
from sqlmodel import Session

from assistant.catalog.index import build_index
from assistant.catalog.indexes import CatalogIndexes
from assistant.catalog.service import list_products
from assistant.catalog.stock import set_in_stock
from assistant.sites.models import Site
from tests.factories import make_product


def test_the_index_holds_every_product_in_sku_order_with_its_attributes(session: Session, site: Site) -> None:
    for sku, colour in (("b-2", "red"), ("a-1", "blue"), ("c-3", None)):
        make_product(session, site, sku=sku, price="12.50", attributes={"colour": colour} if colour else {})
    index = build_index(session.connection(), site.pk)
    assert index.skus == [p.sku for p in list_products(session=session, site=site)] == ["a-1", "b-2", "c-3"]
    assert [index.attrs(i).get("colour") for i in range(3)] == ["blue", "red", None]
    assert index.product(1).price == 12.5 and index.product(1).sku == "b-2"


def test_building_leaves_the_callers_connection_usable(session: Session, site: Site) -> None:
    make_product(session, site, sku="a-1")
    connection = session.connection()
    build_index(connection, site.pk)
    with connection.begin_nested():  # a savepoint: failed on PostgreSQL when the options stuck to the connection
        assert build_index(connection, site.pk).size == 1


def test_a_stock_change_is_followed_at_once_and_a_new_product_after_a_rebuild(engine: Engine, session: Session,
                                                                               site: Site) -> None:
    make_product(session, site, sku="a-1")
    make_product(session, site, sku="b-2")
    indexes = CatalogIndexes(engine, check_seconds=0.0, background=False)
    first = indexes.get(site.pk)
    assert first.in_stock.tolist() == [True, True]
    set_in_stock(session=session, site=site, sku="b-2", in_stock=False)
    session.commit()
    stocked = indexes.get(site.pk)
    assert stocked.in_stock.tolist() == [True, False]
    assert stocked.columns is first.columns  # only the stock was refreshed
    make_product(session, site, sku="c-3")
    rebuilt = indexes.get(site.pk)
    assert rebuilt.skus == ["a-1", "b-2", "c-3"] and rebuilt.in_stock.tolist() == [True, False, True]
