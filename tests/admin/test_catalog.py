"""The admin catalog page: roles, CSRF, pages of 50, search, the stock filter and the stock toggle."""

from __future__ import annotations

import re
from html import unescape
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlmodel import Session

from assistant.catalog.importers import Row
from assistant.catalog.service import get_product, import_products
from assistant.catalog.versions import Versions, read_versions
from assistant.sites.models import Site
from tests.admin.test_auth import csrf, log_in
from tests.factories import make_product, make_site, make_user

ROW = re.compile(r'<tr id="product-\d+"')
SKU = re.compile(r'<td class="c-sku"><code>([^<]+)</code></td>')


def as_role(client: FlaskClient, session: Session, role: str) -> None:
    make_user(session, email=f"{role}@shop.example", role=role)
    log_in(client, f"{role}@shop.example")


def html(response: Any) -> str:
    assert response.status_code == 200
    return str(response.get_data(as_text=True))


def skus(page: str) -> list[str]:
    return SKU.findall(page)


def link(page: str, rel: str) -> str | None:
    found = re.search(rf'<a class="btn" rel="{rel}" href="([^"]+)"', page)
    return unescape(found.group(1)) if found else None


def toggle(client: FlaskClient, sku: str, in_stock: str, **extra: str) -> Any:
    token = csrf(client, "/admin/catalog")
    return client.post("/admin/catalog/stock", data={"sku": sku, "in_stock": in_stock, "csrf_token": token, **extra})


def many(session: Session, site: Site, count: int) -> None:
    rows = [Row(n, {"sku": f"p{n:03d}", "title": f"Tent {n}" if n % 2 else f"Jacket {n}", "price": "10",
                    "stock": "0" if n % 10 == 0 else "2"}) for n in range(count)]
    assert not import_products(session=session, site=site, rows=rows).errors
    session.commit()


def in_stock(session: Session, site: Site, sku: str) -> bool:
    session.expire_all()
    return get_product(session=session, site=site, sku=sku).in_stock


# access

def test_the_page_needs_a_login(client: FlaskClient, site: Site) -> None:
    response = client.get("/admin/catalog")
    assert response.status_code == 302 and response.headers["Location"].startswith("/admin/login?next=/admin/catalog")


@pytest.mark.parametrize(("role", "may_change"), [("admin", True), ("merchandiser", True), ("marketer", False)])
def test_every_role_sees_the_catalog_merchandisers_and_admins_change_stock(
        client: FlaskClient, session: Session, site: Site, role: str, may_change: bool) -> None:
    make_product(session, site, sku="rs-1", title="Road Runner")
    as_role(client, session, role)
    assert 'href="/admin/catalog" aria-current="page">Catalog</a>' in html(client.get("/admin/catalog"))
    assert 'href="/admin/catalog">Catalog</a>' in html(client.get("/admin/"))  # in the navigation everywhere
    page = html(client.get("/admin/catalog"))
    assert "Road Runner" in page and ("Mark out of stock" in page) is may_change
    response = toggle(client, "rs-1", "0")
    assert response.status_code == (302 if may_change else 403)
    assert in_stock(session, site, "rs-1") is not may_change


def test_a_toggle_without_the_csrf_token_is_refused(client: FlaskClient, session: Session, site: Site) -> None:
    make_product(session, site, sku="rs-1")
    as_role(client, session, "merchandiser")
    response = client.post("/admin/catalog/stock", data={"sku": "rs-1", "in_stock": "0"})
    assert response.status_code == 400
    assert in_stock(session, site, "rs-1") is True
    assert read_versions(session, site.pk).stock_version == 0
    assert 'name="csrf_token"' in html(client.get("/admin/catalog"))


# the list

def test_a_row_shows_sku_image_title_price_categories_stock_and_status(client: FlaskClient, session: Session,
                                                                       site: Site) -> None:
    make_product(session, site, sku="rs-1", title="Road <Runner>", price="1299.5", categories="Shoes|Road",
                 stock="4", image="https://cdn.shop.example/rs-1.jpg")
    make_product(session, site, sku="jp-1", title="Zen Lamp", price="4500", currency="JPY", stock="0")
    as_role(client, session, "marketer")
    response = client.get("/admin/catalog")
    page = html(response)
    assert skus(page) == ["jp-1", "rs-1"]
    road = page[page.index("<code>rs-1</code>"):]
    assert '<img class="thumb" src="https://cdn.shop.example/rs-1.jpg"' in page
    assert '<td class="c-title">Road &lt;Runner&gt;</td>' in road
    assert '<span class="chip cat">Shoes</span><span class="chip cat">Road</span>' in road
    assert '<td class="c-price n">€1,299.50</td>' in road and '<td class="c-price n">¥4,500</td>' in page
    assert '<span class="label">Stock </span>4</td>' in road and '<span class="badge ok">In stock</span>' in road
    assert '<span class="badge bad">Out of stock</span>' in page[:page.index("<code>rs-1</code>")]
    assert "img-src 'self' https: data:" in response.headers["Content-Security-Policy"]  # the shop's image host


def test_pages_of_fifty_with_next_and_previous(client: FlaskClient, session: Session, site: Site) -> None:
    many(session, site, 120)
    as_role(client, session, "marketer")
    first = html(client.get("/admin/catalog"))
    assert len(ROW.findall(first)) == 50 and skus(first)[0] == "p000" and skus(first)[-1] == "p049"
    assert link(first, "prev") is None and link(first, "next") == "/admin/catalog?after=p049"
    second = html(client.get(link(first, "next") or ""))
    assert skus(second) == [f"p{n:03d}" for n in range(50, 100)]
    last = html(client.get(link(second, "next") or ""))
    assert len(ROW.findall(last)) == 20 and link(last, "next") is None
    assert skus(html(client.get(link(last, "prev") or ""))) == skus(second)
    assert '<a href="/admin/catalog?stock=out" aria-current' not in first
    assert 'All <span class="count">120</span>' in first and 'Out of stock <span class="count">12</span>' in first


def test_search_and_the_stock_filter_keep_each_other_across_pages(client: FlaskClient, session: Session,
                                                                  site: Site) -> None:
    many(session, site, 120)
    as_role(client, session, "marketer")
    assert skus(html(client.get("/admin/catalog?q=P11"))) == [f"p{n:03d}" for n in range(110, 120)]
    tents = html(client.get("/admin/catalog?q=tent"))
    assert len(skus(tents)) == 50 and link(tents, "next") == "/admin/catalog?q=tent&after=p099"
    assert 'value="tent"' in tents
    out = html(client.get("/admin/catalog?stock=out"))
    assert skus(out) == [f"p{n:03d}" for n in range(0, 120, 10)]
    assert 'href="/admin/catalog?stock=out" aria-current="page">Out of stock' in out
    both = html(client.get("/admin/catalog?stock=in&q=jacket+1"))
    assert skus(both) == ["p012", "p014", "p016", "p018"] + [f"p{n:03d}" for n in range(102, 120, 2) if n % 10]
    assert 'name="stock" value="in"' in both  # a new search keeps the filter
    nothing = html(client.get("/admin/catalog?q=%25zz"))
    assert "No product has a SKU that starts with “%zz” or a title that contains it." in nothing
    assert skus(html(client.get("/admin/catalog?stock=bogus"))) == skus(html(client.get("/admin/catalog")))


def test_only_the_chosen_sites_products(client: FlaskClient, session: Session, site: Site) -> None:
    other = make_site(session, key="pk_other", name="Other shop")
    make_product(session, site, sku="mine")
    make_product(session, other, sku="theirs")
    as_role(client, session, "merchandiser")
    assert skus(html(client.get("/admin/catalog?site=pk_test"))) == ["mine"]
    assert skus(html(client.get("/admin/catalog?site=pk_other"))) == ["theirs"]
    client.get("/admin/catalog?site=pk_test")
    assert toggle(client, "theirs", "0").status_code == 404
    assert 'action="/admin/catalog/stock?site=pk_test"' in html(client.get("/admin/catalog"))


def test_an_empty_catalog_says_how_to_import(client: FlaskClient, session: Session, site: Site) -> None:
    as_role(client, session, "marketer")
    assert "assistant catalog import products.csv --site pk_test" in html(client.get("/admin/catalog"))


# the toggle

def test_marking_out_of_stock_and_back(client: FlaskClient, session: Session, site: Site) -> None:
    many(session, site, 120)
    as_role(client, session, "merchandiser")
    product = get_product(session=session, site=site, sku="p051")
    page = html(client.get("/admin/catalog?after=p049"))
    assert 'name="back" value="/admin/catalog?after=p049"' in page
    response = toggle(client, "p051", "0", back="/admin/catalog?after=p049")
    assert response.status_code == 302
    assert response.headers["Location"] == f"/admin/catalog?after=p049#product-{product.id}"
    assert in_stock(session, site, "p051") is False
    assert read_versions(session, site.pk) == Versions(version=1, stock_version=1)
    after = html(client.get("/admin/catalog?after=p049"))
    assert "“Tent 51” (p051) is now out of stock." in after
    row = after[after.index(f'<tr id="product-{product.id}"'):]
    assert row.startswith(f'<tr id="product-{product.id}" class="out">') and 'value="1"' in row[:row.index("</tr>")]
    assert 'Out of stock <span class="count">13</span>' in after
    assert toggle(client, "p051", "1").headers["Location"] == f"/admin/catalog#product-{product.id}"
    assert in_stock(session, site, "p051") is True
    assert read_versions(session, site.pk) == Versions(version=1, stock_version=2)


@pytest.mark.parametrize("back", ["https://evil.example/admin/catalog", "//evil.example/admin/catalog",
                                  "/admin/campaigns", "javascript:alert(1)"])
def test_the_toggle_only_goes_back_to_a_catalog_page(client: FlaskClient, session: Session, site: Site,
                                                     back: str) -> None:
    product = make_product(session, site, sku="rs-1")
    as_role(client, session, "admin")
    assert toggle(client, "rs-1", "0", back=back).headers["Location"] == f"/admin/catalog#product-{product.id}"


@pytest.mark.parametrize(("sku", "value", "status"), [("nope", "0", 404), ("rs-1", "off", 400), ("rs-1", "", 400)])
def test_a_bad_toggle_changes_nothing(client: FlaskClient, session: Session, site: Site, sku: str, value: str,
                                      status: int) -> None:
    make_product(session, site, sku="rs-1")
    as_role(client, session, "admin")
    assert toggle(client, sku, value).status_code == status
    assert in_stock(session, site, "rs-1") is True
    assert read_versions(session, site.pk).stock_version == 0
