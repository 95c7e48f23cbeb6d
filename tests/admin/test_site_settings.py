"""The admin's site settings: the control group's share as a percentage, for admins only, checked beside the field."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient
from sqlmodel import Session

from assistant.sites.models import Site
from tests.admin.test_auth import csrf, log_in
from tests.admin.test_campaigns import error_of, marketer, page
from tests.factories import make_user

URL = "/admin/settings/site"


def admin(client: FlaskClient, session: Session) -> None:
    make_user(session, email="admin@shop.example", role="admin")
    log_in(client, "admin@shop.example")


def save(client: FlaskClient, percent: str) -> str:
    response = client.post(URL, data={"control_percent": percent, "csrf_token": csrf(client, URL)})
    return page(response) if response.status_code == 200 else str(response.status_code)


def share(session: Session, site: Site) -> float:
    session.expire_all()
    stored = session.get(Site, site.pk)
    assert stored is not None
    return stored.control_share


def test_only_admins_see_and_change_it(client: FlaskClient, session: Session, site: Site) -> None:
    assert client.get(URL).status_code == 302  # to the login
    marketer(client, session)
    assert client.get(URL).status_code == 403
    assert 'href="/admin/settings/site"' not in page(client.get("/admin/"))
    client.post("/admin/logout", data={"csrf_token": csrf(client, "/admin/")})
    admin(client, session)
    assert 'href="/admin/settings/site">Settings</a>' in page(client.get("/admin/"))
    html = page(client.get(URL))
    assert 'value="0"' in html and "only honest measure" in html  # the test site holds out nobody


def test_the_share_is_saved_as_a_percentage(client: FlaskClient, session: Session, site: Site) -> None:
    admin(client, session)
    saved = client.post(URL, data={"control_percent": "7.5", "csrf_token": csrf(client, URL)}, follow_redirects=True)
    assert "Control group saved: 7.5 % of new visitors see nothing of the assistant." in page(saved)
    assert share(session, site) == 0.075
    assert 'value="7.5"' in page(client.get(URL))
    assert save(client, "0") == "302" and share(session, site) == 0


@pytest.mark.parametrize(("typed", "message"), [
    ("51", "The percentage must be a number from 0 to 50."),
    ("-1", "The percentage must be a number from 0 to 50."),
    ("five", "The percentage must be a number such as 42.50 (from 0 to 50)."),
    ("", "The percentage must be a number such as 42.50 (from 0 to 50)."),
])
def test_a_bad_percentage_is_refused_beside_the_field(client: FlaskClient, session: Session, site: Site, typed: str,
                                                      message: str) -> None:
    admin(client, session)
    html = save(client, typed)
    assert error_of(html, "s-control_percent") == [message]
    assert f'value="{typed}"' in html  # what was typed is kept
    assert share(session, site) == 0


def test_the_form_needs_the_csrf_token(client: FlaskClient, session: Session, site: Site) -> None:
    admin(client, session)
    assert client.post(URL, data={"control_percent": "10"}).status_code == 400
    assert share(session, site) == 0
