"""The admin Customers pages: roles, the empty state, e-mails for admins only, search, pages, CSV, hostile input."""

from __future__ import annotations

import csv
import gc
import io
import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlmodel import Session, col, select

from assistant.admin.campaign_preview import with_customer_figures
from assistant.app import create_app
from assistant.config import Settings
from assistant.insight.models import CustomerFigure, InsightState
from assistant.insight.nightly import churn_scorer, compute_site_figures
from assistant.sites.models import Site
from assistant.timeutil import utcnow
from assistant.tracking.models import Cart, Customer, Event, Visitor, VisitSession
from benchmarks.insight_shop import ShopSize, write_shop
from tests.admin.test_catalog import as_role, html

SEGMENTS = ("champions", "at_risk", "lost")


def figures(session: Session, site: Site, count: int, *, first_id: str | None = None) -> None:
    """`count` customers c000.. (e-mail cNNN@people.example) with figures, the last run's state, and one order each."""
    now = utcnow()
    for n in range(count):
        cid = first_id if n == 0 and first_id else f"c{n:03d}"
        session.add(Customer(site_id=site.pk, customer_id=cid, traits={"email": f"{cid}@people.example"}))
        session.add(CustomerFigure(
            site_id=site.pk, customer_key=cid, customer_id=cid, orders=n % 5 + 1, revenue_minor=1000 * (n + 1),
            first_order_at=now - timedelta(days=400), last_order_at=now - timedelta(days=n), recency_score=n % 5 + 1,
            frequency_score=(n // 5) % 5 + 1, monetary_score=3, segment=SEGMENTS[n % 3], average_order_value=10.0,
            purchase_frequency=2.0, expected_lifespan=3.0, simple_clv=60.0 + n, expected_purchases=1.5, p_alive=0.8,
            expected_spend=12.0, clv=float(n), churn_risk=(n % 10) / 10 + 0.05))
    session.add(InsightState(site_id=site.pk, version=1, customers=count,
                             model={"bgnbd": {"r": 0.2, "alpha": 4.0, "a": 0.8, "b": 2.4},
                                    "gamma_gamma": {"p": 6.0, "q": 3.7, "gamma": 15.0}, "notes": []}))
    session.commit()


def rows_of(response: Any) -> list[dict[str, str]]:
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    assert response.mimetype == "text/csv"
    text = response.get_data(as_text=True)
    response.close()  # a streamed body: closing it ends the request (and returns its database connection)
    return list(csv.DictReader(io.StringIO(text)))


def people(page: str) -> list[str]:
    return re.findall(r'<td class="who"><a href="/admin/customers/([^"]+)"', page)


@pytest.mark.parametrize(("role", "status"), [("admin", 200), ("marketer", 200), ("merchandiser", 403)])
def test_marketers_and_admins_see_customers_other_roles_get_403(client: FlaskClient, session: Session, site: Site,
                                                                role: str, status: int) -> None:
    figures(session, site, 3)
    as_role(client, session, role)
    assert client.get("/admin/customers").status_code == status
    assert client.get("/admin/customers/c001").status_code == status


def test_without_a_login_the_page_sends_to_the_login(client: FlaskClient, site: Site) -> None:
    response = client.get("/admin/customers")
    assert response.status_code == 302 and "/admin/login" in response.headers["Location"]


def test_before_the_nightly_job_ran_the_page_says_so_and_names_the_command(client: FlaskClient, session: Session,
                                                                          site: Site) -> None:
    as_role(client, session, "marketer")
    page = html(client.get("/admin/customers"))
    assert "No customer figures yet" in page and "<code>assistant train</code>" in page
    assert "chart.umd.js" not in page


def test_the_page_shows_segments_grid_histograms_and_the_valuable_at_risk(client: FlaskClient, session: Session,
                                                                         site: Site) -> None:
    figures(session, site, 30)
    as_role(client, session, "marketer")
    page = html(client.get("/admin/customers"))
    assert 'data-chart="segments"' in page and 'id="data-value"' in page and 'id="data-risk"' in page
    assert page.count('class="n heat heat-') == 25
    at_risk = people(page.split('id="at-risk"')[1].split('id="list"')[0])
    # churn risk >= 0.5: n % 10 in 5..9; highest value (clv = n) first
    assert at_risk == ["c029", "c028", "c027", "c026", "c025", "c019", "c018", "c017", "c016", "c015",
                       "c009", "c008", "c007", "c006", "c005"]
    assert "r 0.200" in page and "gamma 15.000" in page


def test_emails_are_hidden_from_marketers_who_cannot_search_by_email(client: FlaskClient, session: Session,
                                                                    site: Site) -> None:
    figures(session, site, 12)
    as_role(client, session, "marketer")
    assert "@people.example" not in html(client.get("/admin/customers"))
    assert "@people.example" not in html(client.get("/admin/customers/c004"))
    assert people(html(client.get("/admin/customers?q=c004@people")).split('id="list"')[1]) == []
    assert "email" not in rows_of(client.get("/admin/customers?format=csv&table=customers"))[0]


def test_admins_see_emails_and_search_by_them(client: FlaskClient, session: Session, site: Site) -> None:
    figures(session, site, 12)
    as_role(client, session, "admin")
    assert "c004@people.example" in html(client.get("/admin/customers/c004"))
    assert people(html(client.get("/admin/customers?q=C004@People")).split('id="list"')[1]) == ["c004"]
    assert {r["email"] for r in rows_of(client.get("/admin/customers?format=csv&table=customers"))} == \
        {f"c{n:03d}@people.example" for n in range(12)}


def test_the_setting_can_show_emails_to_marketers(database_url: str, session: Session, site: Site,
                                                  flows_dir: Path) -> None:
    app = create_app(Settings(database_url=database_url, flows_dir=flows_dir, testing=True,
                              flows_catalog_check=False, show_emails_to=("admin", "marketer")))
    try:
        figures(session, site, 3)
        client = app.test_client()
        as_role(client, session, "marketer")
        assert "c001@people.example" in html(client.get("/admin/customers/c001"))
    finally:
        app.extensions["assistant"]["engine"].dispose()


def test_search_by_id_prefix_and_by_segment(client: FlaskClient, session: Session, site: Site) -> None:
    figures(session, site, 30)
    as_role(client, session, "marketer")
    listed = html(client.get("/admin/customers?q=c01")).split('id="list"')[1]
    assert sorted(people(listed)) == [f"c01{n}" for n in range(10)]
    assert people(html(client.get("/admin/customers?q=c0_")).split('id="list"')[1]) == []  # _ is no wildcard
    lost = people(html(client.get("/admin/customers?segment=lost&sort=revenue")).split('id="list"')[1])
    assert lost == [f"c{n:03d}" for n in range(29, -1, -1) if n % 3 == 2]


def test_long_lists_come_a_page_at_a_time_and_csv_has_every_row(client: FlaskClient, session: Session,
                                                               site: Site) -> None:
    figures(session, site, 60)
    as_role(client, session, "marketer")
    first = html(client.get("/admin/customers?sort=revenue")).split('id="list"')[1]
    assert people(first) == [f"c{n:03d}" for n in range(59, 34, -1)]
    assert "1–25</span> <span>of 60" in first
    last = html(client.get("/admin/customers?sort=revenue&page=3")).split('id="list"')[1]
    assert people(last) == [f"c{n:03d}" for n in range(9, -1, -1)] and "51–60</span> <span>of 60" in last
    assert people(html(client.get("/admin/customers?sort=revenue&page=99")).split('id="list"')[1]) == people(last)
    rows = rows_of(client.get("/admin/customers?format=csv&table=customers&sort=revenue"))
    assert [r["key"] for r in rows] == [f"c{n:03d}" for n in range(59, -1, -1)]
    segments = rows_of(client.get("/admin/customers?format=csv&table=segments"))
    assert sum(int(r["customers"]) for r in segments) == 60
    assert sum(int(r["customers"]) for r in rows_of(client.get("/admin/customers?format=csv&table=rfm"))) == 60
    assert sum(int(r["customers"]) for r in rows_of(client.get("/admin/customers?format=csv&table=risk"))) == 60
    assert sum(int(r["customers"]) for r in rows_of(client.get("/admin/customers?format=csv&table=value"))) == 60


def test_csv_cells_that_would_be_formulas_are_text(client: FlaskClient, session: Session, site: Site) -> None:
    figures(session, site, 3, first_id='=HYPERLINK("http://evil.example","x")')
    as_role(client, session, "marketer")
    keys = [r["key"] for r in rows_of(client.get("/admin/customers?format=csv&table=customers"))]
    assert "'=HYPERLINK(\"http://evil.example\",\"x\")" in keys
    assert not any(k.startswith(("=", "+", "-", "@")) for k in keys)


def test_one_customer_shows_figures_and_a_paged_timeline_newest_first(client: FlaskClient, session: Session,
                                                                     site: Site) -> None:
    figures(session, site, 3)
    visitor = Visitor(site_id=site.pk, anon_id="anon-c001", customer_id="c001")
    session.add(visitor)
    session.commit()
    now = utcnow()
    for n in range(60):
        session.add(Event(site_id=site.pk, client_id=f"e{n}", visitor_id=visitor.id or 0, type="product_view",
                          sku=f"sku-{n:02d}", occurred_at=now - timedelta(hours=n)))
    session.commit()
    as_role(client, session, "marketer")
    page = html(client.get("/admin/customers/c001"))
    assert "At Risk" in page or "at risk" in page
    assert re.findall(r"<code>(sku-\d\d)</code>", page)[:3] == ["sku-00", "sku-01", "sku-02"]
    assert "1–50</span> <span>of 60" in page
    second = html(client.get("/admin/customers/c001?page=2"))
    assert re.findall(r"<code>(sku-\d\d)</code>", second) == [f"sku-{n:02d}" for n in range(50, 60)]
    timeline = rows_of(client.get("/admin/customers/c001?format=csv&table=timeline"))
    assert timeline[0]["sku"] == "sku-00" and timeline[0]["kind"] == "product_view"
    assert client.get("/admin/customers/nobody").status_code == 404


@pytest.mark.parametrize("query", ["q=a%00b", "q=" + "x" * 10_000, "page=abc", "page=" + "9" * 40, "risk_page=-1",
                                   "segment=" + "s" * 500, "q=%01"])
def test_hostile_queries_are_a_400_not_a_500(client: FlaskClient, session: Session, site: Site, query: str) -> None:
    figures(session, site, 3)
    as_role(client, session, "marketer")
    assert client.get(f"/admin/customers?{query}").status_code == 400


@pytest.mark.parametrize("path", ["/admin/customers/a%00b", "/admin/customers/" + "k" * 10_000,
                                  "/admin/customers?format=csv&table=secrets"])
def test_hostile_paths_are_a_4xx(client: FlaskClient, session: Session, site: Site, path: str) -> None:
    figures(session, site, 3)
    as_role(client, session, "marketer")
    assert client.get(path).status_code in (400, 404)  # a NUL in the path is refused before the view


def test_the_campaign_preview_takes_a_customers_figures_where_the_fields_are_blank(session: Session,
                                                                                  site: Site) -> None:
    figures(session, site, 3)
    filled, problem = with_customer_figures(session=session, site=site, sample={"sample.customer": " c001 "})
    assert problem == "" and filled["sample.segment"] == "at_risk"
    assert (filled["sample.churn_risk"], filled["sample.clv"], filled["sample.p_alive"]) == ("0.1500", "1.0000",
                                                                                              "0.8000")
    typed, _ = with_customer_figures(session=session, site=site,
                                     sample={"sample.customer": "c001", "sample.segment": "champions"})
    assert typed["sample.segment"] == "champions"
    _, problem = with_customer_figures(session=session, site=site, sample={"sample.customer": "nobody"})
    assert problem.startswith("has no figures")


@pytest.mark.parametrize(("role", "shown"), [("admin", True), ("marketer", False)])
def test_the_privacy_page_is_linked_for_admins_who_may_use_it(client: FlaskClient, session: Session, site: Site,
                                                              role: str, shown: bool) -> None:
    figures(session, site, 3)
    as_role(client, session, role)
    assert ('href="/admin/privacy?customer=c001"' in html(client.get("/admin/customers/c001"))) is shown
    assert ('href="/admin/privacy"' in html(client.get("/admin/customers"))) is shown


def test_a_customer_whose_id_is_privacy_has_a_page_and_old_privacy_links_still_lead_there(
        client: FlaskClient, session: Session, site: Site) -> None:
    as_role(client, session, "admin")
    moved = client.get("/admin/customers/privacy?customer=c001")
    assert moved.status_code == 302 and moved.headers["Location"] == "/admin/privacy?customer=c001"
    assert client.get("/admin/customers/privacy").headers["Location"] == "/admin/privacy"
    session.add(Visitor(site_id=site.pk, anon_id="privacy-phone", customer_id="privacy"))
    session.commit()
    page = client.get("/admin/customers/privacy")
    assert page.status_code == 200 and "<title>Customer privacy" in html(page)


def test_a_csv_download_gives_its_database_connection_back(database_url: str, session: Session, site: Site,
                                                            flows_dir: Path) -> None:
    """The download reads after the request's teardown: without closing its session, the connection it took
    stayed checked out, and PostgreSQL's was collected still open (a ResourceWarning, an error here)."""
    app = create_app(Settings(database_url=database_url, flows_dir=flows_dir, testing=True,
                              flows_catalog_check=False))
    figures(session, site, 30)
    client = app.test_client()
    as_role(client, session, "admin")
    assert len(rows_of(client.get("/admin/customers?format=csv&table=customers"))) == 30
    engine = app.extensions["assistant"]["engine"]
    assert engine.pool.checkedout() == 0
    engine.dispose()
    gc.collect()


def test_a_customers_page_shows_what_drives_their_churn_risk(client: FlaskClient, session: Session,
                                                             site: Site) -> None:
    now = utcnow()
    write_shop(session=session, site=site, size=ShopSize(customers=300, events=3000), now=now, seed=5)
    assert compute_site_figures(session=session, site=site, now=now, churn_scores=churn_scorer()).churn_scored
    session.commit()
    as_role(client, session, "marketer")
    key, risk = session.exec(select(CustomerFigure.customer_key, CustomerFigure.churn_risk)
                             .where(CustomerFigure.site_id == site.pk, col(CustomerFigure.customer_id).is_not(None))
                             .order_by(col(CustomerFigure.churn_risk).desc())).first()
    page = html(client.get(f"/admin/customers/{key}"))
    drivers = re.findall(r'<td class="(bad|good)">(raises|lowers) risk</td><td class="n">([-+][0-9.]+)</td>', page)
    assert len(drivers) == 6 and "Days since the last order" in page
    assert all((kind == "bad") == (word == "raises") == (float(pull) > 0) for kind, word, pull in drivers)
    assert [abs(float(p)) for *_, p in drivers] == sorted((abs(float(p)) for *_, p in drivers), reverse=True)
    assert f"a risk of {100 * risk:.0f} %" in page


def test_a_small_shops_customer_page_says_churn_was_not_fitted(client: FlaskClient, session: Session,
                                                               site: Site) -> None:
    figures(session, site, 3)
    as_role(client, session, "marketer")
    page = html(client.get("/admin/customers/c001"))
    assert "Not fitted: the shop’s history was too small to learn churn" in page and "raises risk" not in page


def a_customer_without_orders(session: Session, site: Site) -> None:
    """quiet-1 identified (with an e-mail) on two devices, viewed, visited twice, left a cart; never ordered."""
    now = utcnow()
    session.add(Customer(site_id=site.pk, customer_id="quiet-1", traits={"email": "Quiet.One@people.example"}))
    phones = [Visitor(site_id=site.pk, anon_id=f"quiet-dev-{n}", customer_id="quiet-1") for n in (1, 2)]
    session.add_all(phones)
    session.flush()
    for n, phone in enumerate(phones):
        session.add(VisitSession(site_id=site.pk, visitor_id=phone.id or 0, started_at=now - timedelta(days=n)))
        session.add(Event(site_id=site.pk, client_id=f"quiet-view-{n}", visitor_id=phone.id or 0, type="product_view",
                          sku="rs-001", occurred_at=now - timedelta(days=n)))
    session.add(Cart(site_id=site.pk, visitor_id=phones[0].id or 0, items=[{"sku": "rs-001", "quantity": 1}],
                     value_minor=9900, currency="EUR"))
    session.commit()


@pytest.mark.parametrize(("role", "by_email"), [("admin", True), ("marketer", False)])
def test_search_finds_an_identified_customer_without_orders_and_opens_their_page(
        client: FlaskClient, session: Session, site: Site, role: str, by_email: bool) -> None:
    figures(session, site, 3)
    a_customer_without_orders(session, site)
    as_role(client, session, role)
    page = html(client.get("/admin/customers?q=quiet"))
    assert "Identified, no orders yet" in page and 'href="/admin/customers/quiet-1"' in page
    assert people(page.split('id="list"')[1]) == ["quiet-1"] and "No customer matches" not in page
    assert ("Identified, no orders yet" in html(client.get("/admin/customers?q=quiet.one@"))) is by_email
    assert "Identified, no orders yet" not in html(client.get("/admin/customers?q=c00"))  # buyers are not repeated
    one = html(client.get("/admin/customers/quiet-1"))
    tiles = dict((label.strip(), n) for n, label in re.findall(r'<span class="num">(\d+)</span><span>([a-z -]+)', one))
    assert "no orders yet" in one and tiles["visits"] == "2" and tiles["carts left"] == "1"
    assert tiles["product views"] == "2" and "rs-001" in one  # the timeline
