"""A merchandiser finds a product in the admin catalog and turns its stock off and on; the page fits a phone."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session

from assistant.catalog.service import get_product
from assistant.catalog.stock import set_in_stock
from assistant.db import make_engine
from assistant.sites.service import get_site_by_key
from assistant.users.service import create_user
from tests.browser.test_admin_campaigns import PASSWORD, errors_of, log_in

SKU = "ac-010"


@pytest.fixture
def db(live_server: str, live_folder: Path) -> Iterator[Engine]:
    """An engine on the live server's database."""
    engine = make_engine(f"sqlite:///{live_folder / 'demo.db'}")
    yield engine
    engine.dispose()


@pytest.fixture
def merchandiser(db: Engine) -> Iterator[str]:
    """A merchandiser's email (password PASSWORD); SKU is back in stock afterwards, as the demo has it."""
    email = f"mia-{uuid.uuid4().hex[:8]}@trailhead.example"
    with Session(db) as session:
        create_user(session=session, email=email, name="Mia", role="merchandiser", password=PASSWORD, all_sites=True)
        session.commit()
    yield email
    with Session(db) as session:
        set_in_stock(session=session, site=get_site_by_key(session=session, key="pk_demo"), sku=SKU, in_stock=True)
        session.commit()


def stored_in_stock(db: Engine) -> bool:
    with Session(db) as session:
        return get_product(session=session, site=get_site_by_key(session=session, key="pk_demo"), sku=SKU).in_stock


def test_a_merchandiser_turns_a_products_stock_off_and_on(new_page: Callable[..., Any], merchandiser: str,
                                                          db: Engine) -> None:
    page = new_page()
    problems = errors_of(page)
    log_in(page, merchandiser)
    page.get_by_role("navigation", name="Admin").get_by_role("link", name="Catalog").click()
    assert page.locator("table.products tbody tr").count() == 50
    page.get_by_role("searchbox", name="Search by SKU or title").fill(SKU)
    page.get_by_role("button", name="Search", exact=True).click()
    row = page.locator("tr", has=page.get_by_text(SKU, exact=True))
    assert page.locator("table.products tbody tr").count() == 1
    assert row.locator(".badge").text_content() == "In stock"
    row.get_by_role("button", name="Mark out of stock").click()
    assert "is now out of stock." in page.locator(".flash").inner_text()
    assert row.locator(".badge").text_content() == "Out of stock" and stored_in_stock(db) is False
    assert page.get_by_role("searchbox").input_value() == SKU  # back on the page it was marked on
    row.get_by_role("button", name="Mark in stock").click()
    assert row.locator(".badge").text_content() == "In stock" and stored_in_stock(db) is True
    assert row.locator("img.thumb").evaluate("img => img.complete && img.naturalWidth > 0")
    assert problems == []


@pytest.mark.parametrize("url", ["/admin/catalog", "/admin/catalog?q=trail", "/admin/catalog?stock=out",
                                 "/admin/catalog?q=nothing-like-it"])
def test_the_catalog_fits_a_phone(new_page: Callable[..., Any], merchandiser: str, url: str) -> None:
    page = new_page(phone=True)
    problems = errors_of(page)
    log_in(page, merchandiser)
    page.goto(url)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert problems == []
