"""Stock turned on or off by hand (the admin's catalog page), with the change signalled to every worker."""

from __future__ import annotations

from sqlmodel import Session

from assistant.catalog.models import Product
from assistant.catalog.service import get_product
from assistant.catalog.versions import catalog_changed
from assistant.sites.models import Site
from assistant.timeutil import utcnow


def set_in_stock(*, session: Session, site: Site, sku: str, in_stock: bool) -> Product:
    """Mark the product `sku` of `site` in or out of stock, in the caller's transaction; NotFound for an unknown SKU.

    Only the flag changes (the imported `stock` count stays as the feed said), and only a real change
    bumps the site's `stock_version`, which tells every process's in-memory catalog to refresh its stock.
    """
    product = get_product(session=session, site=site, sku=sku)
    if product.in_stock == in_stock:
        return product
    product.in_stock = in_stock
    product.updated_at = utcnow()
    session.add(product)
    session.flush()
    catalog_changed(session=session, site_id=site.pk, stock_only=True)
    return product
