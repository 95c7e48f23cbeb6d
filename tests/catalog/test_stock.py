"""Stock turned off and on by hand: the flag, updated_at, and the stock_version every worker polls."""

from __future__ import annotations

import pytest
from sqlmodel import Session

from assistant.catalog.service import get_product
from assistant.catalog.stock import set_in_stock
from assistant.catalog.versions import Versions, read_versions
from assistant.errors import NotFound
from assistant.sites.models import Site
from assistant.timeutil import as_utc
from tests.factories import make_product, make_site


def stored(session: Session, site: Site, sku: str) -> tuple[bool, int | None]:
    session.expire_all()
    product = get_product(session=session, site=site, sku=sku)
    return product.in_stock, product.stock


def test_out_of_stock_and_back_moves_only_the_stock_version(session: Session, site: Site) -> None:
    product = make_product(session, site, sku="rs-1", stock="5")
    imported_at = as_utc(product.updated_at)
    assert read_versions(session, site.pk) == Versions(version=1, stock_version=0)  # the import
    changed = set_in_stock(session=session, site=site, sku="rs-1", in_stock=False)
    session.commit()
    assert changed.in_stock is False and as_utc(changed.updated_at) > imported_at
    assert stored(session, site, "rs-1") == (False, 5)  # the feed's count is left as the feed said
    assert read_versions(session, site.pk) == Versions(version=1, stock_version=1)
    set_in_stock(session=session, site=site, sku="rs-1", in_stock=True)
    session.commit()
    assert stored(session, site, "rs-1") == (True, 5)
    assert read_versions(session, site.pk) == Versions(version=1, stock_version=2)


def test_the_state_it_already_has_is_no_change(session: Session, site: Site) -> None:
    product = make_product(session, site, sku="rs-1", stock="0")
    unchanged = set_in_stock(session=session, site=site, sku="rs-1", in_stock=False)
    session.commit()
    assert unchanged.in_stock is False and unchanged.updated_at == product.updated_at
    assert read_versions(session, site.pk) == Versions(version=1, stock_version=0)


def test_a_rolled_back_change_leaves_no_trace(session: Session, site: Site) -> None:
    make_product(session, site, sku="rs-1")
    set_in_stock(session=session, site=site, sku="rs-1", in_stock=False)
    session.rollback()
    assert stored(session, site, "rs-1") == (True, None)
    assert read_versions(session, site.pk) == Versions(version=1, stock_version=0)


@pytest.mark.parametrize("sku", ["nope", "RS-1", "other-1"])
def test_an_unknown_sku_is_not_found(session: Session, site: Site, sku: str) -> None:
    make_product(session, site, sku="rs-1")
    other = make_site(session, key="pk_other", name="Other shop")
    make_product(session, other, sku="other-1")  # another site's product is unknown here
    with pytest.raises(NotFound) as raised:
        set_in_stock(session=session, site=site, sku=sku, in_stock=False)
    assert (raised.value.field, raised.value.message) == ("sku", f"no product has the SKU '{sku}'")
    session.commit()
    assert read_versions(session, site.pk) == Versions(version=1, stock_version=0)
    assert stored(session, other, "other-1") == (True, None)
