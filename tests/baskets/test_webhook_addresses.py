"""A webhook URL a shop's admin types reaches public addresses only (production): not loopback, the private
network or the cloud's metadata service, whether the URL names the address or a name that resolves to it."""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import replace
from functools import partial
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.engine import Engine
from sqlmodel import Session

from assistant.baskets.outbox import DeliveryFailed, deliver_due, transport_for
from assistant.baskets.public_address import PrivateAddress, is_public, literal_problem, public_connection
from assistant.baskets.webhook import WebhookTransport
from assistant.config import Settings
from assistant.sites.models import Site
from tests.admin.test_auth import csrf
from tests.admin.test_baskets import settings_form
from tests.admin.test_catalog import as_role
from tests.baskets.outbox_helpers import T0, message, queue
from tests.baskets.receivers import Receiver, serve_webhook

SECRET = "whsec-test"
PRODUCTION = partial(transport_for, app_settings=Settings(env="production", webhook_private_addresses=False))


@pytest.mark.parametrize(("address", "public"), [
    ("127.0.0.1", False), ("10.1.2.3", False), ("172.16.0.9", False), ("192.168.1.1", False),
    ("169.254.169.254", False), ("100.64.0.1", False), ("0.0.0.0", False), ("224.0.0.1", False),
    ("::1", False), ("fe80::1", False), ("fd00::1", False), ("::ffff:127.0.0.1", False), ("::ffff:10.0.0.1", False),
    ("93.184.215.14", True), ("2606:2800:21f:cb07:6820:80da:af6b:8b2c", True), ("::ffff:93.184.215.14", True),
])
def test_which_addresses_are_public(address: str, public: bool) -> None:
    assert is_public(ipaddress.ip_address(address)) is public


@pytest.mark.parametrize(("host", "refused"), [
    ("127.0.0.1", True), ("[::1]", True), ("localhost", True), ("api.localhost", True), ("169.254.169.254", True),
    ("hooks.example.com", False), ("93.184.215.14", False),
])
def test_a_literal_host_is_judged_when_saved(host: str, refused: bool) -> None:
    assert (literal_problem(host) is not None) is refused


@pytest.mark.parametrize("url_host", ["127.0.0.1", "localhost"])
def test_a_webhook_on_loopback_is_refused_at_once_and_nothing_is_sent(engine: Engine, session: Session, site: Site,
                                                                      url_host: str) -> None:
    receiver = Receiver(secret=SECRET)
    with serve_webhook(receiver) as url:
        [first] = queue(session, site, webhook_url=url.replace("127.0.0.1", url_host))
        deliver_due(session_factory=lambda: Session(engine, expire_on_commit=False), now=T0, transport_for=PRODUCTION)
    stored = message(session, first)
    assert stored.status == "dead" and "not a public address" in (stored.last_error or ""), stored.last_error
    assert not receiver.hits


def test_the_same_receiver_is_reached_where_private_addresses_are_allowed() -> None:
    receiver = Receiver(secret=SECRET)
    with serve_webhook(receiver) as url:
        WebhookTransport(url=url, secret=SECRET, private_addresses=True).send(_message())
    assert receiver.accepted == {"basket-1-step-1": 1}


def test_a_name_with_any_private_address_is_refused_before_connecting(monkeypatch: pytest.MonkeyPatch) -> None:
    """DNS rebinding: the name is resolved where the socket connects, and one private answer refuses the host."""
    answers = [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.215.14", 443)),
               (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("10.0.0.5", 443))]
    monkeypatch.setattr(socket, "getaddrinfo", lambda *_args, **_kwargs: answers)
    connected: list[Any] = []
    monkeypatch.setattr(socket.socket, "connect", lambda self, where: connected.append(where))
    with pytest.raises(PrivateAddress, match="10.0.0.5"):
        public_connection(("hooks.example.com", 443))
    assert not connected
    answers.pop()
    public_connection(("hooks.example.com", 443)).close()
    assert connected == [("93.184.215.14", 443)]


def test_a_refused_address_is_a_permanent_failure() -> None:
    with pytest.raises(DeliveryFailed, match="not a public address") as failed:
        WebhookTransport(url="http://169.254.169.254/latest/meta-data/", secret=SECRET, timeout=0.5).send(_message())
    assert failed.value.permanent


def test_the_admin_refuses_a_loopback_webhook_in_production(app: Flask, client: FlaskClient, session: Session,
                                                            site: Site) -> None:
    state = app.extensions["assistant"]
    state["settings"] = replace(state["settings"], webhook_private_addresses=False)
    as_role(client, session, "marketer")
    token = csrf(client, "/admin/baskets/settings")
    form = settings_form(channel="webhook", webhook_url="http://127.0.0.1:6379/")
    response = client.post("/admin/baskets/settings", data={**form, "csrf_token": token})
    assert response.status_code == 422
    assert "127.0.0.1 is not a public address" in response.get_data(as_text=True)
    form["webhook_url"] = "https://hooks.example.com/baskets"
    assert client.post("/admin/baskets/settings", data={**form, "csrf_token": token}).status_code == 302


def _message() -> Any:
    from tests.baskets.test_webhook import _message as made

    return made()
