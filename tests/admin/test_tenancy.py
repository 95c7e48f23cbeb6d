"""Tenancy in the admin: an account sees the sites it is given, and every admin route refuses another one.

The routes are read from the app's url_map, so a route added later is covered without editing this file.
"""

from __future__ import annotations

import re
from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import Session, select

from assistant.baskets.models import Basket, BasketMessage
from assistant.catalog.models import Product
from assistant.flows.registry import get_registry
from assistant.promotions.campaigns import get_campaign
from assistant.sites.models import Site
from assistant.tracking.models import Customer
from tests.admin.test_auth import csrf, log_in
from tests.factories import make_product, make_site, make_user
from tests.flows.test_engine import SHOES
from tests.promotions.helpers import make_campaign

OUTSIDE = {"admin.login", "admin.logout", "admin.static"}
"""The admin's routes that belong to no site."""


def admin_requests(app: Flask, campaign_id: int, ids: dict[str, int] | None = None) -> list[tuple[str, str]]:
    """(method, path) of every admin route that shows or changes a site's data (`ids`: <int:NAME> values)."""
    found = []
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("admin.") or rule.endpoint in OUTSIDE:
            continue
        path = rule.rule.replace("<int:campaign_id>", str(campaign_id)).replace("<flow_id>", "shoes")
        path = path.replace("<path:key>", "c001").replace("<survey_id>", "quiz-csat")  # a shipped survey, every site
        for name, value in (ids or {}).items():
            path = path.replace(f"<int:{name}>", str(value))
        assert "<" not in path, f"{rule.rule}: teach this test a value for the new argument"
        found += [(method, path) for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"})]
    return found


def call(client: FlaskClient, method: str, path: str, token: str) -> tuple[int, str]:
    response = client.open(path, method=method, data={"csrf_token": token, "status": "paused", "sku": "b1",
                                                       "in_stock": "0", "yaml": "campaigns: []"} if method == "POST"
                           else None)
    return response.status_code, response.get_data(as_text=True)


def two_shops(session: Session, flows_dir: Path) -> tuple[Site, Site]:
    (flows_dir / "shoes.yaml").write_text(SHOES)
    shop_a, shop_b = make_site(session, key="pk_a", name="Shop A"), make_site(session, key="pk_b", name="Shop B")
    make_product(session, shop_a, sku="b1", title="A's shoe")  # the same SKU in both shops
    make_product(session, shop_b, sku="b1", title="B's shoe")
    # the customer the routes' <path:key> names, in shop A only: its page is 200 there, a 404 only for shop B
    session.add(Customer(site_id=shop_a.pk, customer_id="c001"))
    session.commit()
    return shop_a, shop_b


def test_switcher_lists_only_the_accounts_sites(client: FlaskClient, session: Session, flows_dir: Path) -> None:
    shop_a, _ = two_shops(session, flows_dir)
    make_site(session, key="pk_c", name="Shop C")
    make_user(session, email="mia@shop-a.example", sites=[shop_a, session.get(Site, shop_a.pk + 2)])
    log_in(client, "mia@shop-a.example")
    page = client.get("/admin/").get_data(as_text=True)
    picker = re.search(r'<select id="site" name="site">(.*?)</select>', page)
    assert picker, "two sites given: the switcher is shown"
    assert re.findall(r'<option value="([^"]+)"', picker.group(1)) == ["pk_a", "pk_c"]
    assert "Shop B" not in page


def test_one_site_and_no_site(client: FlaskClient, session: Session, flows_dir: Path) -> None:
    shop_a, _ = two_shops(session, flows_dir)
    make_user(session, email="mia@shop-a.example", sites=[shop_a])
    make_user(session, email="new@shop.example", sites=[])
    log_in(client, "mia@shop-a.example")
    page = client.get("/admin/catalog").get_data(as_text=True)
    assert '<span class="site-name">Shop A</span>' in page and "B&#39;s shoe" not in page
    client.post("/admin/logout", data={"csrf_token": csrf(client, "/admin/")})
    log_in(client, "new@shop.example")  # given no site yet: sees none, not the first one
    page = client.get("/admin/catalog").get_data(as_text=True)
    assert "Shop A" not in page and "Shop B" not in page


def test_every_admin_route_refuses_a_site_not_given(app: Flask, client: FlaskClient, session: Session,
                                                   flows_dir: Path) -> None:
    shop_a, shop_b = two_shops(session, flows_dir)
    theirs = make_campaign(session, shop_b, name="B's sale")
    basket = Basket(site_id=shop_b.pk, visitor_id=1, customer_id="c001", email="c@example.com")
    session.add(basket)
    session.flush()
    dead = BasketMessage(site_id=shop_b.pk, basket_id=basket.id or 0, step=1, channel="smtp", idempotency_key="k",
                         to_address="c@example.com", subject="s", html="h", text_body="t", status="dead")
    session.add(dead)
    session.commit()
    ids = {"basket_id": basket.id or 0, "message_id": dead.id or 0}
    make_user(session, email="mia@shop-a.example", sites=[shop_a])
    log_in(client, "mia@shop-a.example")
    token = csrf(client, "/admin/")
    requests = admin_requests(app, theirs.pk, ids)
    foreign = (f"/{theirs.pk}", f"/baskets/{basket.id}", f"/messages/{dead.id}/")  # shop B's: a 404 in shop A too
    assert len(requests) >= 15 and ("POST", "/admin/catalog/stock") in requests
    nowhere = call(client, "GET", "/admin/?site=pk_nope", token)
    assert nowhere[0] == 404
    for method, path in requests:
        status, body = call(client, method, f"{path}?site=pk_b", token)
        assert (status, body) == nowhere, f"{method} {path}?site=pk_b: {status}, not the 404 of a site that is not"
        own, _ = call(client, method, f"{path}?site=pk_a", token)
        refused = f"{method} {path}?site=pk_a: {own} (refused for the wrong reason)"
        assert own != 404 or any(part in path for part in foreign), refused
    session.expire_all()
    assert get_campaign(session=session, site=shop_b, campaign_id=theirs.pk).status == "live"
    assert [p.in_stock for p in products_of(session, shop_b)] == [True]
    assert session.get(BasketMessage, dead.id).status == "dead"  # type: ignore[union-attr]


def products_of(session: Session, site: Site) -> list[Product]:
    return list(session.exec(select(Product).where(Product.site_id == site.pk)))


def test_a_campaign_of_another_site_is_not_found(client: FlaskClient, session: Session, flows_dir: Path) -> None:
    shop_a, shop_b = two_shops(session, flows_dir)
    theirs = make_campaign(session, shop_b, name="B's sale")
    make_user(session, email="ops@shop.example", all_sites=True)
    log_in(client, "ops@shop.example")
    token = csrf(client, "/admin/")
    for suffix in ("/edit", "/results"):
        assert client.get(f"/admin/campaigns/{theirs.pk}{suffix}?site=pk_a").status_code == 404
        assert client.get(f"/admin/campaigns/{theirs.pk}{suffix}?site=pk_b").status_code == 200
    for action, data in (("status", {"status": "paused"}), ("duplicate", {})):
        response = client.post(f"/admin/campaigns/{theirs.pk}/{action}?site=pk_a", data={**data, "csrf_token": token})
        assert response.status_code == 404
    session.expire_all()
    assert get_campaign(session=session, site=shop_b, campaign_id=theirs.pk).status == "live"
    assert "B&#39;s sale" not in client.get("/admin/campaigns?site=pk_a").get_data(as_text=True)
    assert "B&#39;s sale" in client.get("/admin/campaigns?site=pk_b").get_data(as_text=True)


def test_a_remembered_site_taken_away_is_not_acted_on(client: FlaskClient, session: Session, flows_dir: Path) -> None:
    shop_a, _ = two_shops(session, flows_dir)
    make_user(session, email="mia@shop-a.example", sites=[shop_a])
    log_in(client, "mia@shop-a.example")
    token = csrf(client, "/admin/")
    with client.session_transaction() as cookie:
        cookie["site_key"] = "pk_b"  # chosen while the account still had shop B
    response = client.post("/admin/catalog/stock", data={"csrf_token": token, "sku": "b1", "in_stock": "0"})
    assert response.status_code == 404  # not applied to shop A's b1 instead
    assert [p.in_stock for p in products_of(session, shop_a)] == [True]
    page = client.get("/admin/catalog").get_data(as_text=True)  # a page is shown for the account's own site
    assert '<span class="site-name">Shop A</span>' in page


def test_a_flow_for_another_site_is_not_in_its_admin(client: FlaskClient, session: Session, flows_dir: Path) -> None:
    two_shops(session, flows_dir)
    (flows_dir / "a-only.yaml").write_text(SHOES.replace("id: shoes", "id: shoes-a\nsites: [pk_a]"))
    make_user(session, email="ops@shop.example", role="merchandiser", all_sites=True)
    log_in(client, "ops@shop.example")
    assert "a-only.yaml" in client.get("/admin/flows?site=pk_a").get_data(as_text=True)
    page = client.get("/admin/flows?site=pk_b").get_data(as_text=True)
    assert "shoes.yaml" in page and "a-only.yaml" not in page
    assert client.get("/admin/flows/shoes-a?site=pk_a").status_code == 200
    assert client.get("/admin/flows/shoes-a?site=pk_b").status_code == 404


def test_the_dashboard_counts_only_the_sites_flows(app: Flask, client: FlaskClient, session: Session,
                                                   flows_dir: Path) -> None:
    two_shops(session, flows_dir)
    (flows_dir / "a-only.yaml").write_text(SHOES.replace("id: shoes", "id: shoes-a\nsites: [pk_a]"))
    get_registry(app).refresh(force=True)  # the folder is looked at once a second; a test does not wait for that
    make_user(session, email="ops@shop.example", all_sites=True)
    log_in(client, "ops@shop.example")
    tile = re.compile(r'<span class="num">(\d+)</span><span>live flows')
    shown = {key: tile.search(client.get(f"/admin/?site={key}").get_data(as_text=True)) for key in ("pk_a", "pk_b")}
    assert {key: m.group(1) if m else None for key, m in shown.items()} == {"pk_a": "2", "pk_b": "1"}
