"""Build the demo shop: its site and its catalog, safe to run again."""

from __future__ import annotations

from sqlmodel import Session

from assistant.catalog.importers import Row
from assistant.catalog.service import ImportReport, import_products, list_products
from assistant.demo.catalog import CURRENCY, SHOP_NAME, demo_popularity, demo_rows
from assistant.demo.reminders import enable_reminders
from assistant.errors import NotFound
from assistant.sites.models import Site
from assistant.sites.service import create_site, get_site_by_key, normalize_origin

DEMO_KEY = "pk_demo"


class DemoBuildError(RuntimeError):
    """The demo catalog did not import cleanly (a bug in the generator)."""


def build_demo(*, session: Session, origins: list[str]) -> Site:
    """Create or update the demo site (reminders of abandoned baskets on, at origins[0]) and import its catalog;
    the caller commits."""
    site = _demo_site(session=session, origins=origins)
    if origins:
        enable_reminders(session=session, site=site, shop_url=origins[0])
    report = import_demo_catalog(session=session, site=site)
    if report.errors:
        raise DemoBuildError(f"demo catalog row rejected: {report.errors[0]}")
    return site


def import_demo_catalog(*, session: Session, site: Site) -> ImportReport:
    """Import (or update in place) every demo product into `site`, with its popularity."""
    rows = [Row(number, row) for number, row in enumerate(demo_rows(), start=1)]
    report = import_products(session=session, site=site, rows=rows)
    popularity = demo_popularity()
    for product in list_products(session=session, site=site):
        wanted = popularity.get(product.sku)
        if wanted is not None and product.popularity != wanted:
            product.popularity = wanted
            session.add(product)
    session.flush()
    return report


def _demo_site(*, session: Session, origins: list[str]) -> Site:
    try:
        site = get_site_by_key(session=session, key=DEMO_KEY)
    except NotFound:
        return create_site(session=session, name=SHOP_NAME, origins=origins, currency=CURRENCY,
                           key=DEMO_KEY)
    site.name = SHOP_NAME
    site.currency = CURRENCY
    site.allowed_origins = sorted({normalize_origin(o) for o in origins})
    session.add(site)
    session.flush()
    return site
