"""The admin's baskets: counts by status, recovery against the holdout, revenue by week, the list, CSVs, one basket,
dead letters, the settings form; roles and other sites' baskets."""

from __future__ import annotations

import csv
import io
import re
from datetime import datetime, timedelta
from html import unescape
from typing import Any

import pytest
from flask.testing import FlaskClient
from markupsafe import escape
from sqlmodel import Session, select

from assistant.analytics.stats import newcombe_interval
from assistant.baskets import report
from assistant.baskets.compose import shipped_template
from assistant.baskets.detect import status_of
from assistant.baskets.links import read_token
from assistant.baskets.models import Basket, BasketMessage
from assistant.baskets.settings import get_settings
from assistant.errors import Invalid
from assistant.intervals import wilson_interval
from assistant.sites.models import Site
from assistant.timeutil import utcnow
from tests.admin.test_auth import csrf
from tests.admin.test_catalog import as_role, html
from tests.factories import make_product, make_site

NOW = utcnow().replace(microsecond=0)


def make_basket(session: Session, site: Site, **values: Any) -> Basket:
    """A committed basket of `site` opened a day ago, with one line (values override)."""
    opened = values.pop("opened_at", NOW - timedelta(days=1))
    defaults: dict[str, Any] = {"visitor_id": 1, "customer_id": "c1", "email": "shopper@example.com",
                                "items": [{"sku": "shoe-1", "quantity": 2, "price": 64.5}], "value_minor": 12900,
                                "currency": site.currency, "cart_updated_at": opened, "opened_at": opened}
    basket = Basket(site_id=site.pk, **{**defaults, **values})
    session.add(basket)
    session.commit()
    return basket


def message(session: Session, basket: Basket, **values: Any) -> BasketMessage:
    row = BasketMessage(site_id=basket.site_id, basket_id=basket.id or 0, step=values.pop("step", 1), channel="smtp",
                        idempotency_key=f"basket-{basket.id}-step-{values.get('key_step', 1)}",
                        to_address=basket.email, subject="Your cart", html="<p>x</p>", text_body="x", **values)
    session.add(row)
    session.commit()
    return row


def closed(reason: str, at: datetime | None = None) -> dict[str, Any]:
    return {"closed_at": at or NOW, "closed_reason": reason}


@pytest.fixture
def baskets(session: Session, site: Site) -> dict[str, Basket]:
    """One basket per status, plus reminded and holdout baskets for the recovery figures.

    Reminded (first_reminder_at set, not holdout): 10, 3 recovered (1 after a click) for 30.00 + 20.00 + 10.00.
    Holdout (first_reminder_at set): 5, 1 recovered for 40.00.
    """
    first = NOW - timedelta(hours=20)
    made: dict[str, Basket] = {}
    visitor = iter(range(1, 100))

    def add(name: str, **values: Any) -> Basket:
        made[name] = make_basket(session, site, visitor_id=next(visitor), customer_id=f"c-{name}", **values)
        return made[name]

    add("waiting", next_step_at=NOW + timedelta(minutes=5))
    add("closed", **closed("emptied"))
    for number, value in enumerate((3000, 2000, 1000)):
        click = {"clicked_at": first + timedelta(hours=1)} if number == 0 else {}
        add(f"recovered-{number}", step=1, first_reminder_at=first, recovered_at=NOW - timedelta(hours=2),
            recovered_value_minor=value, **click, **closed("purchased"))
    add("clicked", step=1, first_reminder_at=first, clicked_at=first + timedelta(hours=2))
    add("unsubscribed", step=1, first_reminder_at=first, **closed("unsubscribed"))
    failed = add("failed", step=1, first_reminder_at=first)
    message(session, failed, status="dead", attempts=6, last_error="550 mailbox unavailable")
    for number in range(4):
        add(f"sent-{number}", step=1, first_reminder_at=first)
    add("holdout-recovered", holdout=True, step=1, first_reminder_at=first, recovered_at=NOW - timedelta(hours=1),
        recovered_value_minor=4000, **closed("purchased"))
    for number in range(4):
        add(f"holdout-{number}", holdout=True, step=1, first_reminder_at=first)
    return made


def test_counts_recovery_and_lift(client: FlaskClient, session: Session, site: Site,
                                  baskets: dict[str, Basket]) -> None:
    as_role(client, session, "marketer")
    page = html(client.get("/admin/baskets"))
    counts = {name: int(n) for n, name in re.findall(r'<span class="num">([\d,]+)</span><span>(\w+)</span>', page)}
    assert counts == {"waiting": 1, "holdout": 4, "sent": 4, "clicked": 1,
                                                       "recovered": 4, "unsubscribed": 1, "failed": 1, "closed": 1}
    low, high = wilson_interval(3, 10)
    assert f"<strong>30.0 %</strong> <small class=\"muted ci\" title=\"95 % confidence interval\">" \
           f"{100 * low:.1f} % to {100 * high:.1f} %" in page
    lift_low, lift_high = newcombe_interval(3, 10, 1, 5)
    assert f"{100 * (0.3 - 0.2):+.1f} points" in page
    assert f"{100 * lift_low:+.1f} to {100 * lift_high:+.1f}" in page
    assert "€60.00" in page and "€40.00" in page  # revenue of each group, in the site's currency
    assert "550 mailbox unavailable" in page


def test_csv_tables(client: FlaskClient, session: Session, site: Site, baskets: dict[str, Basket]) -> None:
    as_role(client, session, "marketer")
    rows = read_csv(client, "recovery")
    assert [(r["group"], r["baskets"], r["recovered"], r["recovered_after_click"], r["revenue_minor"]) for r in rows] \
        == [("reminded", "10", "3", "1", "6000"), ("holdout", "5", "1", "0", "4000")]
    weeks = read_csv(client, "weeks")
    assert sum(int(w["reminded_revenue_minor"]) for w in weeks) == 6000
    assert sum(int(w["holdout"]) for w in weeks) == 1
    everything = read_csv(client, "baskets")
    assert len(everything) == len(baskets)
    assert {r["status"] for r in everything} == {"waiting", "holdout", "sent", "clicked", "recovered", "unsubscribed",
                                                 "failed", "closed"}
    assert {r["quantity"] for r in everything} == {"2"}
    assert client.get("/admin/baskets?format=csv&table=nope").status_code == 404


def read_csv(client: FlaskClient, table: str) -> list[dict[str, str]]:
    response = client.get(f"/admin/baskets?format=csv&table={table}")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))


def test_list_pages_and_filters_by_status(client: FlaskClient, session: Session, site: Site,
                                         baskets: dict[str, Basket]) -> None:
    as_role(client, session, "marketer")
    everything = re.findall(r'href="/admin/baskets/(\d+)">#', html(client.get("/admin/baskets")))
    assert len(everything) == len(baskets)
    sent = html(client.get("/admin/baskets?status=sent"))
    listed = sorted(int(i) for i in re.findall(r'href="/admin/baskets/(\d+)">#', sent))
    assert listed == sorted(int(b.id or 0) for name, b in baskets.items() if name.startswith("sent-"))
    assert "€129.00" in sent  # value in the site's currency
    assert client.get("/admin/baskets?status=lost").status_code == 400
    assert client.get("/admin/baskets?page=0").status_code == 400
    assert client.get("/admin/baskets?from=2026-13-01").status_code == 400


def test_paging(client: FlaskClient, session: Session, site: Site) -> None:
    for number in range(30):
        make_basket(session, site, visitor_id=number + 1, opened_at=NOW - timedelta(minutes=number))
    as_role(client, session, "marketer")
    first = html(client.get("/admin/baskets"))
    second = html(client.get("/admin/baskets?page=2"))
    ids = re.findall(r'href="/admin/baskets/(\d+)">#', first), re.findall(r'href="/admin/baskets/(\d+)">#', second)
    assert (len(ids[0]), len(ids[1])) == (25, 5) and not set(ids[0]) & set(ids[1])
    assert "26–30" in second and "of 30" in second


def test_a_date_range_leaves_older_baskets_out(client: FlaskClient, session: Session, site: Site) -> None:
    make_basket(session, site, visitor_id=1, opened_at=NOW - timedelta(days=200))
    make_basket(session, site, visitor_id=2)
    as_role(client, session, "marketer")
    assert len(re.findall(r'href="/admin/baskets/(\d+)">#', html(client.get("/admin/baskets")))) == 1
    assert len(re.findall(r'href="/admin/baskets/(\d+)">#', html(client.get("/admin/baskets?from=&to=")))) == 2


def test_roles_and_other_sites(client: FlaskClient, session: Session, site: Site) -> None:
    other = make_site(session, key="pk_other", name="Other shop")
    theirs = make_basket(session, other, visitor_id=9)
    as_role(client, session, "merchandiser")
    assert client.get("/admin/baskets").status_code == 403
    client.post("/admin/logout", data={"csrf_token": csrf(client, "/admin/")})
    as_role(client, session, "marketer")
    assert client.get(f"/admin/baskets/{theirs.id}?site=pk_test").status_code == 404
    dead = message(session, theirs, status="dead")
    token = csrf(client, "/admin/baskets/settings")
    response = client.post(f"/admin/baskets/messages/{dead.id}/retry?site=pk_test", data={"csrf_token": token})
    assert response.status_code == 404


def settings_form(**overrides: str) -> dict[str, str]:
    form = {"enabled": "on", "idle_minutes": "60", "holdout_share": "0.1", "recovery_days": "7", "channel": "smtp",
            "from_address": "", "webhook_url": "", "cart_url": "https://shop.example/cart",
            "consent_trait": "email_consent", "max_attempts": "6", "retry_seconds": "60",
            "steps-0-after_minutes": "60", "steps-0-recommendations": "3",
            "steps-1-after_minutes": "1440", "steps-1-coupon": "COMEBACK10", "steps-1-recommendations": "2"}
    form.update(overrides)
    return form


def test_settings_saved(client: FlaskClient, session: Session, site: Site) -> None:
    as_role(client, session, "marketer")
    token = csrf(client, "/admin/baskets/settings")
    response = client.post("/admin/baskets/settings", data={**settings_form(), "csrf_token": token})
    assert response.status_code == 302
    session.expire_all()
    saved = get_settings(session=session, site=site)
    assert saved.enabled and saved.cart_url == "https://shop.example/cart"
    steps = [(s.after_minutes, s.coupon, s.recommendations) for s in saved.steps]
    assert steps == [(60, "", 3), (1440, "COMEBACK10", 2)]
    page = html(client.get("/admin/baskets/settings"))
    assert 'value="COMEBACK10"' in page and 'name="enabled" checked' in page


def test_settings_problems_beside_their_fields(client: FlaskClient, session: Session, site: Site) -> None:
    as_role(client, session, "marketer")
    token = csrf(client, "/admin/baskets/settings")
    form = settings_form(idle_minutes="2", holdout_share="0.9", **{"steps-0-recommendations": "9",
                                                                    "steps-1-html": "<p>{{ items | nosuch }}</p>",
                                                                    "steps-1-subject": "{% if %}"})
    response = client.post("/admin/baskets/settings", data={**form, "csrf_token": token})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    for name in ("idle_minutes", "holdout_share", "steps-0-recommendations", "steps-1-html", "steps-1-subject"):
        assert re.search(rf'id="s-{name}-error">[^<]+</p>', page), name
    assert 'value="0.9"' in page and "{{ items | nosuch }}" in page  # what was typed is kept
    token = csrf(client, "/admin/baskets/settings")
    response = client.post("/admin/baskets/settings", data={**settings_form(**{"steps-1-after_minutes": "30"}),
                                                            "csrf_token": token})
    assert response.status_code == 422
    assert "steps: steps must be in increasing order" in response.get_data(as_text=True)
    session.expire_all()
    assert not get_settings(session=session, site=site).enabled


def test_basket_page_previews_each_step(client: FlaskClient, session: Session, site: Site) -> None:
    make_product(session, site, sku="shoe-1", title="Trail <b>Runner</b>", price="64.50")
    basket = make_basket(session, site)
    message(session, basket, status="sent", attempts=1, sent_at=NOW)
    as_role(client, session, "marketer")
    response = client.get(f"/admin/baskets/{basket.id}")
    page = html(response)
    assert "img-src * data:" in response.headers["Content-Security-Policy"]
    frame = re.search(r'<iframe class="email-frame" title="[^"]+" sandbox srcdoc="([^"]*)"', page)
    assert frame, "the preview is a sandboxed srcdoc frame"
    email = unescape(frame.group(1))
    assert "Trail &lt;b&gt;Runner&lt;/b&gt;" in email and "€64.50" in email
    assert "Trail &lt;b&gt;Runner&lt;/b&gt; <small" in page  # the items table escapes the title too
    links = re.findall(r"/api/v1/baskets/(?:r|unsubscribe)/([\w.-]+)", email)
    assert links
    for token in links:  # signed with the preview key: never the shopper's click or unsubscribe
        with pytest.raises(Invalid):
            read_token(secret_key=client.application.config["SECRET_KEY"], token=token, purpose="restore")
    assert 'aria-current="page">Step 2</a>' in html(client.get(f"/admin/baskets/{basket.id}?step=2"))
    assert client.get(f"/admin/baskets/{basket.id}?step=3").status_code == 400
    assert client.get("/admin/baskets/999999").status_code == 404


def test_try_again_revives_a_dead_letter(client: FlaskClient, session: Session, site: Site) -> None:
    basket = make_basket(session, site, step=1)
    dead = message(session, basket, status="dead", attempts=6, last_error="timed out")
    as_role(client, session, "marketer")
    page = html(client.get("/admin/baskets"))
    assert f'action="/admin/baskets/messages/{dead.id}/retry"' in page
    response = client.post(f"/admin/baskets/messages/{dead.id}/retry", data={"csrf_token": csrf(client, "/admin/")})
    assert response.status_code == 303
    session.expire_all()
    again = session.get(BasketMessage, dead.id)
    assert again is not None and (again.status, again.attempts) == ("pending", 0)
    assert "goes out again" in html(client.get("/admin/baskets"))
    assert client.post(f"/admin/baskets/messages/{dead.id}/retry").status_code == 400  # no CSRF token


def test_the_sql_status_is_detects_status_of(session: Session, site: Site, baskets: dict[str, Basket]) -> None:
    page = report.basket_page(session=session, site_id=site.pk, window=report.Window(), size=100)
    by_id = {row["id"]: row["status"] for row in page.rows}
    dead = {m.basket_id for m in session.exec(select(BasketMessage).where(BasketMessage.status == "dead"))}
    assert len(by_id) == len(baskets)
    for basket in baskets.values():
        assert by_id[basket.id] == status_of(basket, basket.id in dead), basket.customer_id


def test_the_settings_page_shows_the_shipped_templates(client: FlaskClient, session: Session, site: Site) -> None:
    as_role(client, session, "marketer")
    page = html(client.get("/admin/baskets/settings"))
    assert escape(shipped_template("html"))[:200] in page and escape(shipped_template("subject")) in page


def test_values_in_the_sites_currency(client: FlaskClient, session: Session) -> None:
    shop = make_site(session, key="pk_yen", name="Yen shop", currency="JPY")
    basket = make_basket(session, shop, value_minor=12800, items=[{"sku": "tea", "quantity": 2, "price": 6400}])
    as_role(client, session, "marketer")
    assert "¥12,800" in html(client.get("/admin/baskets?site=pk_yen"))
    response = client.get(f"/admin/baskets/{basket.id}?site=pk_yen")
    assert "¥6,400" in html(response) and "¥12,800" in html(response)
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self';" in policy and "default-src 'self'" in policy  # scripts: 'self' only, as everywhere
