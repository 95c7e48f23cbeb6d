"""The admin's privacy page: admins only, CSRF on both actions, a confirmation before deleting, 4xx for bad ids."""

from __future__ import annotations

import json
import logging

import pytest
from flask.testing import FlaskClient
from sqlmodel import Session
from werkzeug.test import TestResponse

from assistant.errors import NotFound
from assistant.privacy.export import export_customer
from assistant.sites.models import Site
from tests.admin.test_auth import csrf, log_in
from tests.factories import make_user
from tests.privacy.people import shopper, table_counts

PAGE = "/admin/privacy"
OLD_PAGE = "/admin/customers/privacy"


@pytest.fixture
def two(session: Session, site: Site) -> Site:
    shopper(session, site, "ada", ("ada-phone-01", "ada-laptop-1"), "a")
    shopper(session, site, "bob", ("bob-phone-01",), "b")
    return site


@pytest.fixture
def admin(client: FlaskClient, session: Session) -> str:
    make_user(session, email="ada-admin@shop.example")
    log_in(client, "ada-admin@shop.example")
    return csrf(client, PAGE)


def post(client: FlaskClient, action: str, token: str, **form: str) -> TestResponse:
    return client.post(f"{PAGE}/{action}", data={"csrf_token": token, **form})


def test_only_admins_see_and_use_the_page(client: FlaskClient, session: Session, two: Site) -> None:
    assert client.get(PAGE).status_code == 302  # to the login page
    for role in ("marketer", "merchandiser"):
        make_user(session, email=f"{role}@shop.example", role=role)
        log_in(client, f"{role}@shop.example")
        token = csrf(client, "/admin/")
        assert client.get(PAGE).status_code == 403
        for action in ("export", "delete"):
            assert post(client, action, token, customer="ada", confirm="yes").status_code == 403
        client.post("/admin/logout", data={"csrf_token": token})
    assert export_customer(session=session, site=two, customer_id="ada")["events"]


def test_both_actions_need_the_csrf_token(client: FlaskClient, session: Session, two: Site, admin: str) -> None:
    before = table_counts(session)
    for action in ("export", "delete"):
        response = client.post(f"{PAGE}/{action}", data={"customer": "ada", "confirm": "yes"})
        assert response.status_code == 400
    assert table_counts(session) == before


def test_export_downloads_the_json(client: FlaskClient, two: Site, admin: str) -> None:
    response = post(client, "export", admin, customer=" ada ")
    assert response.status_code == 200 and response.mimetype == "application/json"
    assert response.headers["Content-Disposition"] == 'attachment; filename="pk_test-ada.json"'
    data = json.loads(response.get_data(as_text=True))
    response.close()  # a streamed answer ends its request (and session) when closed
    assert data["subject"]["customer_id"] == "ada" and len(data["events"]) == 9


def test_delete_asks_then_deletes_and_is_audited(client: FlaskClient, session: Session, two: Site, admin: str,
                                                 caplog: pytest.LogCaptureFixture) -> None:
    before = table_counts(session)
    asked = post(client, "delete", admin, customer="ada")
    page = asked.get_data(as_text=True)
    assert asked.status_code == 200 and "Delete the data of customer “ada”?" in page
    assert "<li>9 events</li>" in page and 'name="confirm" value="yes"' in page and "Delete 20 rows" in page
    assert table_counts(session) == before
    with caplog.at_level(logging.WARNING, logger="assistant.audit"):
        done = post(client, "delete", admin, customer="ada", confirm="yes")
    assert done.status_code == 302 and done.headers["Location"] == PAGE
    assert "9 events, 2 visits" in client.get(PAGE).get_data(as_text=True)
    session.expire_all()
    assert sum(before.values()) - sum(table_counts(session).values()) == 20
    with pytest.raises(NotFound):
        export_customer(session=session, site=two, customer_id="ada")
    assert export_customer(session=session, site=two, customer_id="bob")["events"]
    audit = [r.getMessage() for r in caplog.records if r.name == "assistant.audit"]
    assert any("admin ada-admin@shop.example" in line and "deleted the data of" in line and "'ada'" in line
               for line in audit), audit


@pytest.mark.parametrize(("customer", "status", "says"), [
    ("", 400, "The id is required"), ("   ", 400, "The id is required"),
    ("x" * 5000, 400, "The id must be at most 128 characters"), ("a\x00b", 400, "NUL character"),
    ("Jörg 🏃", 404, "Nothing is held for &#39;Jörg 🏃&#39; on site pk_test"),
    ("v:" + "9" * 30, 404, "Nothing is held"),
])
def test_hostile_ids_get_a_clear_4xx(client: FlaskClient, session: Session, two: Site, admin: str, customer: str,
                                    status: int, says: str) -> None:
    before = table_counts(session)
    for action, extra in (("export", {}), ("delete", {}), ("delete", {"confirm": "yes"})):
        response = post(client, action, admin, customer=customer, **extra)
        assert response.status_code == status, (action, response.status_code)
        assert says in response.get_data(as_text=True)
    assert table_counts(session) == before


def test_broken_utf8_and_a_missing_field_are_4xx(client: FlaskClient, two: Site, admin: str) -> None:
    body = f"csrf_token={admin}&customer=%ED%A0%BD%00".encode()
    response = client.post(f"{PAGE}/delete", data=body, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 400
    assert client.post(f"{PAGE}/export", data={"csrf_token": admin}).status_code == 400


def test_a_link_with_the_customer_fills_the_form_in(client: FlaskClient, two: Site, admin: str) -> None:
    page = client.get(f"{PAGE}?customer=ada").get_data(as_text=True)
    assert 'name="customer" value="ada"' in page
    assert 'name="customer" value=""' in client.get(PAGE).get_data(as_text=True)
    assert 'name="customer" value="&lt;b&gt;"' in client.get(f"{PAGE}?customer=<b>").get_data(as_text=True)


def test_the_old_address_leads_to_the_page_and_its_old_forms_still_post(client: FlaskClient, two: Site,
                                                                        admin: str) -> None:
    moved = client.get(f"{OLD_PAGE}?customer=ada")
    assert moved.status_code == 302 and moved.headers["Location"] == f"{PAGE}?customer=ada"
    posted = client.post(f"{OLD_PAGE}/export", data={"csrf_token": admin, "customer": "ada"})
    assert posted.status_code == 308 and posted.headers["Location"] == f"{PAGE}/export"
    done = client.post(posted.headers["Location"], data={"csrf_token": admin, "customer": "ada"})  # as a browser
    assert done.status_code == 200 and done.mimetype == "application/json"
    done.close()
