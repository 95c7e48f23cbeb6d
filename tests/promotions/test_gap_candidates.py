"""The gap's candidates come from the catalog index, and are the ones the former product-table query chose.

The reference is the former `gap_candidates`: `price between gap and BAND * gap order by price, sku
limit POOL` over the product table (else the POOL cheapest above the band), kept here verbatim.
"""

from __future__ import annotations

import random

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from assistant.catalog.index import build_index
from assistant.catalog.indexes import CatalogIndexes, get_indexes
from assistant.catalog.models import Product
from assistant.catalog.stock import set_in_stock
from assistant.catalog.versions import catalog_changed
from assistant.promotions.gap import BAND, POOL, available, gap_candidates, gap_product
from assistant.promotions.settings import save_settings
from assistant.promotions.snapshot import VisitorSnapshot
from assistant.sites.models import Site
from tests.factories import make_product
from tests.promotions.helpers import GAP_MESSAGE, make_campaign

TERRAINS = ["road", "trail", "mixed", "track"]
CATEGORIES = ["Shoes", "Socks", "Bags", "Care"]


def sql_candidates(*, session: Session, site: Site, gap: int) -> list[Product]:
    """The former gap_candidates: the product table, per request."""
    base = select(Product).where(Product.site_id == site.id, col(Product.in_stock).is_(True))
    near = base.where(Product.price_minor >= gap, Product.price_minor <= BAND * gap)
    found = [p for p in session.exec(near.order_by(col(Product.price_minor), col(Product.sku)).limit(POOL))
             if available(p)]
    if found:
        return found
    above = base.where(Product.price_minor > BAND * gap).order_by(col(Product.price_minor), col(Product.sku))
    return [p for p in session.exec(above.limit(POOL)) if available(p)]


def generated_catalog(session: Session, site: Site, rng: random.Random, count: int = 600) -> list[Product]:
    """Products with many equal prices, SKUs that sort differently by collation, and stock as imports set it."""
    prices = [rng.randrange(50, 30_000) for _ in range(count // 4)]
    products = []
    for number in range(count):
        stock = rng.choice([None, None, 0, 3, 12])
        sku = rng.choice(["SKU-{}", "sku-{}", "Sku_{}", "a{}", "B-{}", "é{}"]).format(rng.randrange(10_000))
        products.append(Product(
            site_id=site.pk, sku=f"{sku}-{number}", title=f"Product {number}", price_minor=rng.choice(prices),
            currency="EUR", stock=stock, in_stock=stock is None or stock > 0,
            categories=rng.sample(CATEGORIES, rng.randrange(0, 3)),
            attributes={"terrain": rng.sample(TERRAINS, rng.randrange(1, 3)), "colour": rng.choice(["red", "blue"])}))
    session.add_all(products)
    catalog_changed(session=session, site_id=site.pk)
    session.commit()
    return products


def gaps(rng: random.Random, prices: list[int]) -> list[int]:
    """Gaps inside, at the edges of and outside the prices: exactly a price, exactly half of one, at random."""
    chosen = [1, 25, 49, 50, 30_000, 30_001, 15_000, 99_999]
    chosen += [p for p in rng.sample(prices, 40)]
    chosen += [p // BAND for p in rng.sample(prices, 20)] + [p // BAND + 1 for p in rng.sample(prices, 20)]
    return chosen + [rng.randrange(1, 35_000) for _ in range(60)]


def snapshots(rng: random.Random, skus: list[str]) -> list[VisitorSnapshot]:
    """Visitors with nothing, with quiz answers, views, a cart (its products are never the pick) and categories."""
    return [VisitorSnapshot(),
            VisitorSnapshot(quiz={"shoes": {"terrain": rng.choice(TERRAINS)}}),
            VisitorSnapshot(viewed_skus=tuple(rng.sample(skus, 30)), cart_categories=frozenset({"Socks"})),
            VisitorSnapshot(cart_skus=frozenset(rng.sample(skus, 200)), quiz={"f": {"colour": "red"}})]


def test_the_index_picks_what_the_product_table_query_picked(session: Session, site: Site) -> None:
    rng = random.Random(11)
    products = generated_catalog(session, site, rng)
    index = build_index(session.connection(), site.pk)
    skus = [p.sku for p in products]
    visitors = snapshots(rng, skus)
    checked = 0
    for gap in gaps(rng, [p.price_minor for p in products]):
        expected = sql_candidates(session=session, site=site, gap=gap)
        got = gap_candidates(index=index, gap=gap)
        assert [p.sku for p in got] == [p.sku for p in expected], gap
        assert [(p.price_minor, p.title, p.categories, p.attributes) for p in got] == [
            (p.price_minor, p.title, p.categories, p.attributes) for p in expected]
        for snapshot in visitors:
            want = gap_product(candidates=expected, gap=gap, snapshot=snapshot)
            pick = gap_product(candidates=got, gap=gap, snapshot=snapshot)
            assert (pick and (pick.product.sku, pick.over_minor)) == (want and (want.product.sku, want.over_minor))
            checked += want is not None
    assert checked > 300  # most gaps are closed by something


def test_a_small_band_the_pool_limit_and_above_the_band(session: Session, site: Site) -> None:
    for number in range(POOL + 5):
        session.add(Product(site_id=site.pk, sku=f"p-{number:02d}", title="P", price_minor=1000 + number // 2,
                            currency="EUR"))
    session.add(Product(site_id=site.pk, sku="big", title="Big", price_minor=5000, currency="EUR"))
    session.add(Product(site_id=site.pk, sku="off", title="Off", price_minor=1000, currency="EUR", in_stock=False))
    session.commit()
    index = build_index(session.connection(), site.pk)
    band = gap_candidates(index=index, gap=1000)
    assert [p.sku for p in band] == [f"p-{n:02d}" for n in range(POOL)]  # cheapest first, then by SKU; none off
    assert [p.sku for p in gap_candidates(index=index, gap=1017)] == ["p-34"]
    assert [p.sku for p in gap_candidates(index=index, gap=2000)] == ["big"]  # nothing in the band: above it
    assert gap_candidates(index=index, gap=5001) == []
    assert [p.sku for p in gap_candidates(index=index, gap=400)] == [f"p-{n:02d}" for n in range(POOL)]


def test_a_stock_change_shows_in_the_candidates(engine: Engine, session: Session, site: Site) -> None:
    make_product(session, site, sku="cheap", price="8.00")
    make_product(session, site, sku="dear", price="9.00")
    indexes = CatalogIndexes(engine, check_seconds=0, background=False)
    assert [p.sku for p in gap_candidates(index=indexes.get(site.pk), gap=800)] == ["cheap", "dear"]
    set_in_stock(session=session, site=site, sku="cheap", in_stock=False)
    session.commit()
    assert [p.sku for p in gap_candidates(index=indexes.get(site.pk), gap=800)] == ["dear"]
    set_in_stock(session=session, site=site, sku="cheap", in_stock=True)
    session.commit()
    assert [p.sku for p in gap_candidates(index=indexes.get(site.pk), gap=800)] == ["cheap", "dear"]


def test_the_api_serves_the_gap_from_the_process_index(app: Flask, client: FlaskClient, session: Session,
                                                      site: Site) -> None:
    save_settings(session=session, site=site, data={"free_shipping_threshold": "75"})
    make_product(session, site, sku="sock", title="Trail Sock", price="12")
    make_campaign(session, site, conditions={"cart_value": {"max": 74.99}},
                  variants=[{"key": "a", "message": GAP_MESSAGE}])
    body = client.get("/api/v1/promotions?site=pk_test&visitor=visitor-0001&placement=cart&cart=x:1&cart_value=66")
    assert body.get_json()["messages"][0]["text"] == "Only €9.00 to free shipping: add Trail Sock"
    assert ("stock", "gap prices") in get_indexes(app).get(site.pk).memo
