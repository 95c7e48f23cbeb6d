"""Migrations carry data: a database with a visitor, a cart and events goes up to head and back."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from assistant import migrate
from assistant.db import make_engine
from tests.conftest import _postgres_database

ROWS = [
    "INSERT INTO site (key, name, allowed_origins, currency, created_at)"
    " VALUES ('pk_x', 'x', '[]', 'EUR', '2026-01-01')",
    "INSERT INTO visitor (site_id, anon_id, sessions, first_seen, last_seen) VALUES (1, 'abcdefgh', 1, '2026-01-01',"
    " '2026-01-01')",
    "INSERT INTO cart (site_id, visitor_id, items, value_minor, currency, updated_at) VALUES (1, 1, '[]', 0, 'EUR',"
    " '2026-01-01')",
    "INSERT INTO event (site_id, client_id, visitor_id, type, sku, page, data, occurred_at, received_at)"
    " VALUES (1, 'evt-00001', 1, 'product_view', 'a', '/', '{}', '2026-01-01', '2026-01-01')",
]


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'migrate.db'}"
    else:
        yield from _postgres_database()


def counts(url: str) -> tuple[int, int, int]:
    engine = make_engine(url)
    with engine.connect() as connection:
        found = tuple(connection.execute(text(f"SELECT count(*) FROM {t}")).scalar_one()
                      for t in ("visitor", "cart", "event"))
    engine.dispose()
    return found  # type: ignore[return-value]


def test_up_to_head_and_back_keeps_the_rows(empty_url: str) -> None:
    migrate.upgrade(empty_url, "0004")
    engine = make_engine(empty_url)
    with engine.begin() as connection:
        for statement in ROWS:
            connection.execute(text(statement))
    engine.dispose()
    migrate.upgrade(empty_url)
    assert counts(empty_url) == (1, 1, 1)
    migrate.downgrade(empty_url, "0004")
    assert counts(empty_url) == (1, 1, 1)


def test_claims_of_one_order_by_two_visitors_go_back_to_one_purchase(empty_url: str) -> None:
    migrate.upgrade(empty_url)
    engine = make_engine(empty_url)
    with engine.begin() as connection:
        connection.execute(text(ROWS[0]))
        for visitor, client in ((1, "evt-claim-1"), (2, "evt-claim-2")):
            connection.execute(text(
                "INSERT INTO event (site_id, client_id, visitor_id, type, ref, page, data, occurred_at, received_at)"
                f" VALUES (1, '{client}', {visitor}, 'purchase', 'o-1', '/', '{{}}', '2026-01-01', '2026-01-01')"))
    migrate.downgrade(empty_url, "0009")
    with engine.connect() as connection:
        kept = connection.execute(text("SELECT client_id FROM event WHERE type = 'purchase'")).scalars().all()
    engine.dispose()
    assert kept == ["evt-claim-1"]
    migrate.upgrade(empty_url)


def test_accounts_made_before_sites_were_given_keep_what_they_saw(empty_url: str) -> None:
    """0011: an admin gets every site (later ones too); any other account the sites there were then."""
    migrate.upgrade(empty_url, "0010")
    engine = make_engine(empty_url)
    with engine.begin() as connection:
        connection.execute(text(ROWS[0]))
        connection.execute(text(ROWS[0].replace("pk_x", "pk_y")))
        for email, role in (("ops@x.example", "admin"), ("mia@x.example", "merchandiser")):
            connection.execute(text("INSERT INTO admin_user (email, name, password_hash, role, active, created_at)"
                                    f" VALUES ('{email}', '', 'x', '{role}', true, '2026-01-01')"))
    migrate.upgrade(empty_url)
    with engine.connect() as connection:
        rows = connection.execute(text(
            "SELECT email, all_sites, key FROM admin_user LEFT JOIN user_site ON user_id = admin_user.id"
            " LEFT JOIN site ON site.id = site_id ORDER BY email, key")).all()
    engine.dispose()
    assert [(e, bool(a), k) for e, a, k in rows] == [("mia@x.example", False, "pk_x"), ("mia@x.example", False, "pk_y"),
                                                     ("ops@x.example", True, None)]
    migrate.downgrade(empty_url, "0010")


def test_amounts_in_currencies_whose_decimals_changed_are_rescaled(empty_url: str) -> None:
    """0012: 12.34 KWD was 1234 (two decimals) and is 12340 (three); 1234.50 PYG was 123450 and is 1235 (none)."""
    migrate.upgrade(empty_url, "0011")
    engine = make_engine(empty_url)
    with engine.begin() as connection:
        connection.execute(text(ROWS[0]))
        connection.execute(text(ROWS[1]))
        for sku, minor, currency in (("k", 1234, "KWD"), ("p", 123450, "PYG"), ("e", 1234, "EUR"), ("j", 1234, "JPY")):
            connection.execute(text(
                "INSERT INTO product (site_id, sku, title, description, url, image, currency, price_minor, categories,"
                f" attributes, popularity, in_stock, updated_at) VALUES (1, '{sku}', 't', '', '', '', '{currency}',"
                f" {minor}, '[]', '{{}}', 0, true, '2026-01-01')"))
        connection.execute(text("INSERT INTO cart (site_id, visitor_id, items, value_minor, currency, updated_at)"
                                " VALUES (1, 1, '[]', 990, 'BHD', '2026-01-01')"))

    def amounts() -> tuple[dict[str, int], int]:
        with engine.connect() as connection:
            prices = dict(connection.execute(text("SELECT sku, price_minor FROM product")).all())
            return prices, connection.execute(text("SELECT value_minor FROM cart")).scalar_one()

    migrate.upgrade(empty_url)
    assert amounts() == ({"k": 12340, "p": 1235, "e": 1234, "j": 1234}, 9900)
    migrate.downgrade(empty_url, "0011")
    assert amounts() == ({"k": 1234, "p": 123500, "e": 1234, "j": 1234}, 990)
    engine.dispose()


def test_one_customers_orders_are_read_through_an_index(empty_url: str) -> None:
    """0015: a customer's orders (their page, a privacy export or deletion) are a range read, not the site's orders."""
    migrate.upgrade(empty_url)
    engine = make_engine(empty_url)
    query = "SELECT order_id FROM shop_order WHERE site_id = 1 AND customer_id = 'c-1'"
    with engine.connect() as connection:
        if engine.dialect.name == "sqlite":
            plan = " ".join(str(row[-1]) for row in connection.execute(text(f"EXPLAIN QUERY PLAN {query}")))
        else:
            connection.execute(text("SET enable_seqscan = off"))
            plan = " ".join(str(row[0]) for row in connection.execute(text(f"EXPLAIN {query}")))
    migrate.downgrade(empty_url, "0014")
    engine.dispose()
    assert "ix_shop_order_customer" in plan
