"""Admin login: hashed passwords, CSRF on every form, roles, safe redirects."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import Session

from assistant.admin import ADMIN_CSP
from assistant.errors import Invalid
from assistant.users.service import create_user, set_active, set_password
from tests.factories import make_user

TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf(client: FlaskClient, url: str = "/admin/login") -> str:
    match = TOKEN.search(client.get(url).get_data(as_text=True))
    assert match, "the form has a CSRF token"
    return match.group(1)


def log_in(client: FlaskClient, email: str, password: str = "correct horse battery", **query: str) -> object:
    url = "/admin/login" + (f"?next={query['next']}" if "next" in query else "")
    return client.post(url, data={"email": email, "password": password, "csrf_token": csrf(client)})


def test_pages_need_a_login(client: FlaskClient) -> None:
    response = client.get("/admin/")
    assert response.status_code == 302 and response.headers["Location"].startswith("/admin/login?next=")


def test_password_is_hashed_and_checked(client: FlaskClient, session: Session) -> None:
    user = make_user(session, email="Ada@Shop.example")
    assert user.email == "ada@shop.example" and "correct horse" not in user.password_hash
    assert user.password_hash.startswith("scrypt:")
    wrong = log_in(client, "ada@shop.example", "wrong password!")
    assert wrong.status_code == 200 and "do not match" in wrong.get_data(as_text=True)
    right = log_in(client, "ADA@shop.example")
    assert right.status_code == 302 and right.headers["Location"] == "/admin/"
    assert "Dashboard" in client.get("/admin/").get_data(as_text=True)


def test_forms_without_csrf_token_are_refused(client: FlaskClient, session: Session) -> None:
    make_user(session, email="ada@shop.example")
    response = client.post("/admin/login", data={"email": "ada@shop.example", "password": "correct horse battery"})
    assert response.status_code == 400
    log_in(client, "ada@shop.example")
    assert client.post("/admin/logout").status_code == 400
    assert client.post("/admin/logout", data={"csrf_token": csrf(client, "/admin/")}).status_code == 302
    assert client.get("/admin/").status_code == 302


def test_session_cookie_is_http_only_and_same_site(client: FlaskClient, session: Session) -> None:
    make_user(session, email="ada@shop.example")
    response = log_in(client, "ada@shop.example")
    cookie = response.headers["Set-Cookie"]  # type: ignore[attr-defined]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_roles_limit_pages(client: FlaskClient, session: Session) -> None:
    make_user(session, email="mark@shop.example", role="marketer")
    log_in(client, "mark@shop.example")
    assert client.get("/admin/").status_code == 200
    assert client.get("/admin/flows").status_code == 403


def test_redirect_after_login_stays_in_the_admin(client: FlaskClient, session: Session) -> None:
    make_user(session, email="ada@shop.example")
    assert log_in(client, "ada@shop.example", next="https://evil.example/").headers["Location"] == "/admin/"
    client.post("/admin/logout", data={"csrf_token": csrf(client, "/admin/")})
    assert log_in(client, "ada@shop.example", next="/admin/flows").headers["Location"] == "/admin/flows"


def test_inactive_users_cannot_log_in(client: FlaskClient, session: Session) -> None:
    user = make_user(session, email="old@shop.example")
    set_active(session=session, user=user, active=False)
    session.commit()
    refused = log_in(client, "old@shop.example")
    assert refused.status_code == 200 and "do not match" in refused.get_data(as_text=True)
    assert client.get("/admin/").status_code == 302


def logged_in_cookie(client: FlaskClient, email: str) -> str:
    """Log in and return the session cookie as it was then (what a thief would copy)."""
    assert log_in(client, email).status_code == 302
    assert client.get("/admin/").status_code == 200
    cookie = client.get_cookie("session")
    assert cookie is not None
    return cookie.value


def opens_admin(app: Flask, cookie: str) -> bool:
    """Whether a fresh client holding only `cookie` gets the dashboard."""
    other = app.test_client()
    other.set_cookie("session", cookie)
    return other.get("/admin/").status_code == 200


def test_a_cookie_taken_before_logout_is_refused_after(app: Flask, client: FlaskClient, session: Session) -> None:
    make_user(session, email="ada@shop.example")
    stolen = logged_in_cookie(client, "ada@shop.example")
    assert opens_admin(app, stolen)
    assert client.post("/admin/logout", data={"csrf_token": csrf(client, "/admin/")}).status_code == 302
    assert not opens_admin(app, stolen)
    assert log_in(client, "ada@shop.example").status_code == 302  # logging in again works, with a new cookie
    assert client.get("/admin/").status_code == 200 and not opens_admin(app, stolen)


def test_a_password_change_ends_every_session(app: Flask, client: FlaskClient, session: Session) -> None:
    user = make_user(session, email="ada@shop.example")
    first, second = logged_in_cookie(client, "ada@shop.example"), logged_in_cookie(app.test_client(), user.email)
    set_password(session=session, user=user, password="a brand new passphrase")
    session.commit()
    assert not opens_admin(app, first) and not opens_admin(app, second)
    assert log_in(client, "ada@shop.example").status_code == 200  # the old password no longer works
    assert log_in(client, "ada@shop.example", "a brand new passphrase").status_code == 302


def test_deactivating_ends_every_session_for_good(app: Flask, client: FlaskClient, session: Session) -> None:
    user = make_user(session, email="old@shop.example")
    stolen = logged_in_cookie(client, "old@shop.example")
    set_active(session=session, user=user, active=False)
    session.commit()
    assert not opens_admin(app, stolen) and client.get("/admin/").status_code == 302
    set_active(session=session, user=user, active=True)  # reactivated later: the old cookie stays dead
    session.commit()
    assert not opens_admin(app, stolen)


@pytest.mark.parametrize(("values", "field"), [
    ({"email": "nope"}, "email"), ({"role": "owner"}, "role"), ({"password": "short"}, "password")])
def test_create_user_validates(session: Session, values: dict[str, str], field: str) -> None:
    arguments = {"email": "a@shop.example", "password": "long enough password", "role": "admin", **values}
    with pytest.raises(Invalid) as caught:
        create_user(session=session, **arguments)
    assert caught.value.field == field


def test_duplicate_email(session: Session) -> None:
    make_user(session, email="a@shop.example")
    with pytest.raises(Invalid, match="already exists"):
        make_user(session, email="A@shop.example")


def test_admin_pages_send_security_headers(client: FlaskClient) -> None:
    headers = client.get("/admin/login").headers
    assert headers["Content-Security-Policy"] == ADMIN_CSP
    assert headers["Cache-Control"] == "no-store"


def test_login_attempts_are_limited_per_address(client: FlaskClient, session: Session) -> None:
    make_user(session, email="ada@shop.example")
    wrong = [log_in(client, "ada@shop.example", "wrong password!").status_code for _ in range(10)]
    assert wrong == [200] * 10
    limited = log_in(client, "ada@shop.example")
    assert limited.status_code == 429 and int(limited.headers["Retry-After"]) > 0
