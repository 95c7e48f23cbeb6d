"""Admin pages: dashboard counts, flows with their problems, the try-it preview."""

from __future__ import annotations

from pathlib import Path

from flask.testing import FlaskClient
from sqlmodel import Session

from assistant.sites.models import Site
from tests.admin.test_auth import log_in
from tests.factories import make_product, make_user
from tests.flows.test_checks import VALID
from tests.flows.test_engine import SHOES


def test_dashboard_counts(client: FlaskClient, session: Session, site: Site) -> None:
    make_product(session, site, sku="a", stock="0")
    make_product(session, site, sku="b")
    make_user(session)
    log_in(client, "admin@shop.example")
    page = client.get("/admin/").get_data(as_text=True)
    assert "Test shop" in page and '<span class="num">1</span><span>products in stock <small>of 2' in page


def test_flows_page_lists_problems_with_lines(client: FlaskClient, session: Session, site: Site,
                                              flows_dir: Path) -> None:
    (flows_dir / "good.yaml").write_text(SHOES)
    (flows_dir / "broken.yaml").write_text(VALID.replace("id: shoes", "id: broken").replace("min: 40", "min: 400"))
    make_user(session, role="merchandiser")
    log_in(client, "admin@shop.example")
    page = client.get("/admin/flows").get_data(as_text=True)
    assert "broken.yaml" in page and "1 error(s)" in page and "not live" in page
    assert "line 14:5</span> <strong>error</strong> range question &#39;budget&#39; needs `min:` below `max:`" in page
    assert "the catalog is empty: attribute names and values were not checked" in page  # the site has no products


def test_preview_answers_and_shows_results(client: FlaskClient, session: Session, site: Site,
                                           flows_dir: Path) -> None:
    (flows_dir / "shoes.yaml").write_text(SHOES)
    make_product(session, site, sku="t1", title="Trail One", price="120", categories="Shoes",
                 attributes={"terrain": "trail", "grip": "high"})
    make_product(session, site, sku="r1", title="Road One", price="90", categories="Shoes",
                 attributes={"terrain": "road"})
    make_user(session)
    log_in(client, "admin@shop.example")
    first = client.get("/admin/flows/shoes").get_data(as_text=True)
    assert "Answer the first question" in first
    page = client.get("/admin/flows/shoes?terrain=trail&budget_min=40&budget_max=250").get_data(as_text=True)
    assert "<strong>Trail One</strong>" in page and "Road One" not in page
    assert '<span class="chip">trail grip</span>' in page
    bad = client.get("/admin/flows/shoes?terrain=gravel").get_data(as_text=True)
    assert "is not an answer of" in bad
    assert client.get("/admin/flows/nope").status_code == 404


def test_flows_page_checks_against_the_live_catalog(client: FlaskClient, session: Session, site: Site,
                                                    flows_dir: Path) -> None:
    (flows_dir / "shoes.yaml").write_text(SHOES)
    make_product(session, site, sku="t1", price="120", categories="Shoes",
                 attributes={"terrain": "trail", "grip": "high"})
    make_product(session, site, sku="r1", price="90", categories="Shoes", attributes={"terrain": "road"})
    make_user(session, role="merchandiser")
    log_in(client, "admin@shop.example")
    page = client.get("/admin/flows").get_data(as_text=True)
    assert "no product has terrain = &#39;mixed&#39;" in page
    assert "unknown attribute &#39;cushioning&#39;: no product in the catalog has it" in page
    make_product(session, site, sku="m1", price="100", categories="Shoes",
                 attributes={"terrain": "mixed", "cushioning": "medium"})
    page = client.get("/admin/flows").get_data(as_text=True)
    assert "terrain = &#39;mixed&#39;" not in page and "&#39;cushioning&#39;: no product" not in page
    assert "no product has cushioning = &#39;high&#39;" in page
