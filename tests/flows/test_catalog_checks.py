"""Checking a flow against the catalog: unknown names and values, coverage, dead answers, empty paths."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine
from sqlmodel import Session

from assistant.catalog.index import CatalogIndex, build_index, index_of_rows
from assistant.flows.catalog_checks import check_against_catalog
from assistant.flows.loader import load_text
from assistant.sites.models import Site
from tests.factories import flow_yaml, make_product

FLOW = flow_yaml("""
    id: shoes
    title: Shoes
    scope: {category: Shoes}
    questions:
      - id: terrain
        text: Where?
        type: single
        answers:
          - {id: road, text: Road, filter: {terrain: road}}
          - {id: trail, text: Trail, filter: {terrain: trail}}
      - id: width
        text: Width?
        type: single
        answers:
          - {id: wide, text: Wide, filter: {width: wide}}
          - {id: regular, text: Regular, filter: {width: regular}}
      - id: budget
        text: Budget?
        type: range
        field: price
        min: 40
        max: 250
""")


def catalog(session: Session, site: Site) -> CatalogIndex:
    """The site's catalog index, built from the database as `flows check` builds it."""
    engine = session.get_bind()
    assert isinstance(engine, Engine)
    with engine.connect() as connection:
        return build_index(connection, site.pk)


@pytest.fixture
def products(session: Session, site: Site) -> CatalogIndex:
    rows = [("r1", "road", "regular"), ("r2", "road", "wide"), ("t1", "trail", "regular"),
            ("t2", "trail", "regular"), ("t3", "trail", "")]
    for sku, terrain, width in rows:
        attributes = {"terrain": terrain, **({"width": width} if width else {})}
        make_product(session, site, sku=sku, price="80", categories="Shoes", attributes=attributes)
    return catalog(session, site)


def check(text: str, products: CatalogIndex) -> list[tuple[int, str, str]]:
    loaded = load_text(text)
    assert loaded.flow is not None, loaded.problems
    return [(p.line, p.level, p.message) for p in sorted(check_against_catalog(
        loaded.flow, loaded.locator, products, "shoes.yaml"))]


def test_unknown_attribute_and_value_are_errors(products: CatalogIndex) -> None:
    text = FLOW.replace("filter: {terrain: road}", "filter: {terain: road}").replace("width: wide}", "width: wyde}")
    assert check(text, products) == [
        (9, "error", "unknown attribute 'terain': no product in the catalog has it"),
        (15, "error", "no product has width = 'wyde'"),
        (16, "warning", "only 4 of 5 products in stock in this flow have 'width'"),  # reported with the errors
    ]


def test_range_on_text_attribute_is_an_error(products: CatalogIndex) -> None:
    assert (20, "error", "attribute 'terrain' is not numeric, so it cannot take min/max") in \
        check(FLOW.replace("field: price", "field: terrain"), products)


def test_coverage_dead_answers_and_empty_paths_are_warnings(products: CatalogIndex) -> None:
    assert check(FLOW, products) == [
        (15, "warning", "answers terrain=trail -> width=wide leave no product in stock"),
        (15, "warning", "only 4 of 5 products in stock in this flow have 'width'"),
    ]


def test_out_of_stock_products_do_not_count(session: Session, site: Site, products: CatalogIndex) -> None:
    make_product(session, site, sku="t9", price="80", categories="Shoes", stock="0",
                 attributes={"terrain": "trail", "width": "wide"})
    found = check(FLOW, catalog(session, site))
    assert (15, "warning", "answers terrain=trail -> width=wide leave no product in stock") in found


def test_answer_matching_nothing(session: Session, site: Site, products: CatalogIndex) -> None:
    make_product(session, site, sku="x", price="80", categories="Other", attributes={"terrain": "snow"})
    text = FLOW.replace("filter: {terrain: trail}", "filter: {terrain: snow}")
    found = check(text, catalog(session, site))
    assert (10, "warning", "answer 'trail' of 'terrain' matches no product in stock") in found
    assert not any("leave no product" in message for _line, _level, message in found)


def test_empty_catalog_is_one_warning() -> None:
    assert check(FLOW, index_of_rows(1, [])) == [
        (1, "warning", "the catalog is empty: attribute names and values were not checked")]
