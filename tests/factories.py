"""Test data with defaults for every field: make_site, make_product, flow_yaml."""

from __future__ import annotations

import textwrap
from typing import Any

from sqlmodel import Session

from assistant.catalog.importers import Row
from assistant.catalog.mapping import ColumnMapping
from assistant.catalog.models import Product
from assistant.catalog.service import get_product, import_products
from assistant.flows.loader import load_text
from assistant.flows.schema import Flow
from assistant.sites.models import Site
from assistant.sites.service import create_site
from assistant.users.models import User
from assistant.users.service import create_user

_counter = iter(range(1, 1_000_000))


def make_site(session: Session, **overrides: Any) -> Site:
    """A committed site (key pk_test, origin https://shop.example unless overridden).

    Its control share is 0 unless a test asks for one: at the product's 5 % one random test visitor in twenty
    would be shown nothing (docs/control-group.md), failing tests that are not about the control group."""
    values: dict[str, Any] = {"name": "Test shop", "origins": ["https://shop.example"], "key": "pk_test",
                              "control_share": 0.0}
    values.update(overrides)
    site = create_site(session=session, **values)
    session.commit()
    return site


def make_product(session: Session, site: Site, **overrides: Any) -> Product:
    """A committed product made through the real importer; attributes go in as extra columns."""
    number = next(_counter)
    row: dict[str, Any] = {"sku": f"sku-{number}", "title": f"Product {number}", "price": "50.00"}
    row.update({k: v for k, v in overrides.items() if k != "attributes"})
    row.update(overrides.get("attributes", {}))
    report = import_products(session=session, site=site, rows=[Row(1, row)],
                             mapping=ColumnMapping(currency=site.currency))
    assert not report.errors, report.errors
    session.commit()
    return get_product(session=session, site=site, sku=str(row["sku"]))


def flow_yaml(body: str) -> str:
    """Dedent a YAML flow written inline in a test."""
    return textwrap.dedent(body).lstrip("\n")


def load_flow(text: str) -> Flow:
    """The flow of a YAML text that must load without problems."""
    loaded = load_text(text)
    assert loaded.flow is not None, loaded.problems
    return loaded.flow


def make_user(session: Session, **overrides: Any) -> User:
    """A committed admin user (password 'correct horse battery' unless overridden) who sees every site,
    unless given `sites` (then only those) or all_sites=False."""
    values: dict[str, Any] = {"email": "admin@shop.example", "password": "correct horse battery", "role": "admin",
                              "all_sites": "sites" not in overrides}
    values.update(overrides)
    user = create_user(session=session, **values)
    session.commit()
    return user
