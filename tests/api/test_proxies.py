"""Behind a reverse proxy: each shopper keeps their own address (ASSISTANT_TRUSTED_PROXIES), and login
throttling keys on account and address, so one attacker locks out neither everyone nor another address."""

from __future__ import annotations

import dataclasses
import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import Session

from assistant.app import create_app
from assistant.config import ConfigError, Settings
from assistant.sites.models import Site
from tests.admin.test_auth import csrf
from tests.factories import make_user

PROXY = "10.0.0.1"
CHROME = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36"


@pytest.fixture
def proxied(database_url: str, session: Session, flows_dir: Path) -> Iterator[Flask]:
    """The app behind one trusted proxy, at most 2 event batches a minute per client address."""
    app = create_app(Settings(database_url=database_url, flows_dir=flows_dir, testing=True, trusted_proxies=1,
                              event_limit_client="2/minute"))
    yield app
    app.extensions["assistant"]["engine"].dispose()


def track(client: FlaskClient, number: int, forwarded: str | None) -> int:
    body = {"visitor": "visitor-0001", "events": [{"id": f"evt-{number:05d}", "type": "page_view",
                                                    "ts": time.time() * 1000, "page": "/"}]}
    headers = {"User-Agent": CHROME, **({"X-Forwarded-For": forwarded} if forwarded else {})}
    return client.post("/api/v1/events?site=pk_test", data=json.dumps(body), content_type="text/plain",
                       headers=headers, environ_base={"REMOTE_ADDR": PROXY}).status_code


def test_shoppers_behind_a_trusted_proxy_have_their_own_bucket(proxied: Flask, site: Site) -> None:
    client = proxied.test_client()
    assert [track(client, n, "198.51.100.1") for n in range(3)] == [200, 200, 429]
    assert [track(client, n, "198.51.100.2") for n in range(3, 5)] == [200, 200]
    # one hop trusted: only the address the proxy appended counts, not what the shopper put before it
    assert track(client, 5, "192.0.2.99, 198.51.100.1") == 429


def test_without_trusted_proxies_a_forged_header_buys_no_new_bucket(app: Flask, site: Site) -> None:
    state = app.extensions["assistant"]
    state["settings"] = dataclasses.replace(state["settings"], event_limit_client="2/minute")
    client = app.test_client()
    assert [track(client, n, f"198.51.100.{n}") for n in range(3)] == [200, 200, 429]


def test_trusted_proxies_setting_is_a_small_whole_number() -> None:
    assert Settings.from_env({}).trusted_proxies == 0
    assert Settings.from_env({"ASSISTANT_TRUSTED_PROXIES": "2"}).trusted_proxies == 2
    for bad in ("-1", "yes", "²", "11"):
        with pytest.raises(ConfigError, match="ASSISTANT_TRUSTED_PROXIES"):
            Settings.from_env({"ASSISTANT_TRUSTED_PROXIES": bad})


def login(client: FlaskClient, email: str, address: str, password: str = "wrong password!") -> int:
    token = csrf(client)
    return client.post("/admin/login", data={"email": email, "password": password, "csrf_token": token},
                       headers={"X-Forwarded-For": address}, environ_base={"REMOTE_ADDR": PROXY}).status_code


def test_guessing_one_account_locks_out_neither_its_owner_nor_other_accounts(proxied: Flask, session: Session) -> None:
    make_user(session, email="ada@shop.example")
    make_user(session, email="bob@shop.example")
    attacker = proxied.test_client()
    assert [login(attacker, "ada@shop.example", "203.0.113.66") for _ in range(10)] == [200] * 10
    assert login(attacker, "ada@shop.example", "203.0.113.66", "correct horse battery") == 429
    owner = proxied.test_client()
    assert login(owner, "ada@shop.example", "198.51.100.7", "correct horse battery") == 302
    colleague = proxied.test_client()  # the same office address as the attacker, another account
    assert login(colleague, "bob@shop.example", "203.0.113.66", "correct horse battery") == 302


def test_one_address_spraying_many_accounts_is_stopped_alone(proxied: Flask, session: Session) -> None:
    make_user(session, email="ada@shop.example")
    attacker = proxied.test_client()
    answers = [login(attacker, f"user{n}@shop.example", "203.0.113.66") for n in range(31)]
    assert answers == [200] * 30 + [429]
    assert login(proxied.test_client(), "ada@shop.example", "198.51.100.7", "correct horse battery") == 302
