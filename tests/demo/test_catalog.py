"""The demo catalog: deterministic, importable, idempotent, and a good fit for the shipped flows."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlmodel import Session

from assistant.catalog.importers import Row
from assistant.catalog.index import build_index
from assistant.catalog.models import Product
from assistant.catalog.service import import_products, list_products
from assistant.demo.build import DEMO_KEY, build_demo, import_demo_catalog
from assistant.demo.catalog import demo_products, demo_rows
from assistant.flows.catalog_checks import check_against_catalog
from assistant.flows.engine import candidates, results
from assistant.flows.paths import walk
from assistant.flows.registry import read_flow
from assistant.sites.models import Site

FLOWS = sorted((Path(__file__).resolve().parents[2] / "flows").glob("*.yaml"))
COUNTS = {"Running shoes": 90, "Hiking backpacks": 50, "Rain jackets": 50, "Socks": 40,
          "Accessories": 45, "Care": 25}
ATTRIBUTES = {
    "Running shoes": {"terrain", "cushioning", "drop_mm", "weight_g", "grip", "width", "gender",
                      "waterproof", "stability", "colors", "brand"},
    "Hiking backpacks": {"volume_l", "use", "frame", "rain_cover", "fit", "weight_g", "colors",
                         "brand"},
    "Rain jackets": {"activity", "waterproofing_mm", "breathability", "packable", "fit",
                     "insulation", "weight_g", "colors", "brand"},
}
NUMERIC = {"drop_mm", "weight_g", "volume_l", "waterproofing_mm"}


@pytest.fixture
def demo_catalog(session: Session) -> list[Product]:
    """The demo shop built into the test database."""
    site = build_demo(session=session, origins=["http://127.0.0.1:5000"])
    session.commit()
    return list_products(session=session, site=site)


def test_generator_is_deterministic() -> None:
    first = demo_rows()
    demo_products.cache_clear()
    assert demo_rows() == first


def test_about_300_products_with_unique_skus_and_some_out_of_stock() -> None:
    products = demo_products()
    assert Counter(p.categories[0] for p in products) == COUNTS
    assert len({p.sku for p in products}) == len(products) == 300
    assert len({p.title for p in products}) == len(products)
    assert sum(p.stock == 0 for p in products) == 24


@pytest.mark.parametrize(("category", "lo", "hi"), [
    ("Running shoes", 60, 220), ("Hiking backpacks", 40, 260), ("Rain jackets", 50, 380),
    ("Socks", 8, 25), ("Accessories", 5, 60), ("Care", 5, 30),
])
def test_prices_and_ratings_make_sense(category: str, lo: float, hi: float) -> None:
    products = [p for p in demo_products() if p.categories[0] == category]
    assert all(lo <= p.price <= hi for p in products)
    assert all(3.2 <= p.rating <= 4.9 and p.popularity >= 0 for p in products)


def test_rows_have_the_importer_shape() -> None:
    row = demo_rows()[0]
    assert row["sku"] == "rs-001"
    assert (row["url"], row["image"]) == ("/demo/product/rs-001", "/demo/img/rs-001.svg")
    assert (row["currency"], row["categories"]) == ("EUR", "Running shoes")
    assert all(isinstance(v, str) for v in row.values())
    assert str(row["price"]).count(".") == 1 and len(str(row["price"]).split(".")[1]) == 2


def test_every_row_imports_with_typed_attributes(session: Session, site: Site) -> None:
    rows = [Row(n, row) for n, row in enumerate(demo_rows(), start=1)]
    report = import_products(session=session, site=site, rows=rows)
    assert (report.errors, report.created) == ([], 300)
    products = list_products(session=session, site=site)
    for product in products:
        expected = ATTRIBUTES.get(product.categories[0])
        if expected:
            assert set(product.attributes) == expected, product.sku
        for name in NUMERIC & set(product.attributes):
            assert isinstance(product.attributes[name], int), (product.sku, name)
        assert isinstance(product.attributes.get("colors", []), list)
    assert sum(not p.in_stock for p in products) == 24


def test_build_demo_is_idempotent(session: Session) -> None:
    site = build_demo(session=session, origins=["http://127.0.0.1:5000"])
    session.commit()
    again = build_demo(session=session, origins=["https://demo.example"])
    session.commit()
    assert again.id == site.id
    assert (again.key, again.name, again.currency) == (DEMO_KEY, "Trailhead Outfitters", "EUR")
    assert again.allowed_origins == ["https://demo.example"]
    products = list_products(session=session, site=again)
    assert len(products) == 300
    report = import_demo_catalog(session=session, site=again)
    assert (report.created, report.updated, report.unchanged) == (0, 0, 300)
    assert max(p.popularity for p in products) > 0


def test_the_three_flows_ship() -> None:
    assert [p.name for p in FLOWS] == ["backpacks.yaml", "rain-jackets.yaml", "running-shoes.yaml"]


@pytest.mark.parametrize("path", FLOWS, ids=lambda p: p.name)
def test_shipped_flow_has_no_problems_against_the_demo_catalog(
        path: Path, session: Session, demo_catalog: list[Product]) -> None:
    loaded, problems = read_flow(path)
    assert loaded.flow is not None and problems == []
    engine = session.get_bind()
    assert isinstance(engine, Engine)
    with engine.connect() as connection:
        index = build_index(connection, demo_catalog[0].site_id)
    assert check_against_catalog(loaded.flow, loaded.locator, index, str(path)) == []


@pytest.mark.parametrize("path", FLOWS, ids=lambda p: p.name)
def test_every_answer_path_finds_products_in_stock(path: Path, demo_catalog: list[Product]) -> None:
    flow = read_flow(path)[0].flow
    assert flow is not None
    pool = candidates(flow, demo_catalog)
    paths = list(walk(flow))
    assert len(paths) > 3
    for answers in paths:
        found = results(flow, answers, pool, everything=demo_catalog)
        assert found.items and not found.fallback and not found.relaxed, answers
        assert all(m.product.in_stock for m in found.items), answers
