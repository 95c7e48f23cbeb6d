"""SMTP delivery to a real aiosmtpd server on loopback: plain, STARTTLS with login, implicit TLS; the headers
and parts of the e-mail; refusals; and the ASSISTANT_SMTP_* settings."""

from __future__ import annotations

import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from sqlalchemy.engine import Engine
from sqlmodel import Session

from assistant.baskets.models import BasketMessage
from assistant.baskets.outbox import DeliveryFailed, deliver_due, transport_for
from assistant.baskets.smtp import SmtpTransport
from assistant.config import ConfigError, Settings
from assistant.sites.models import Site
from tests.baskets.outbox_helpers import T0, message, queue
from tests.baskets.receivers import Mailbox, free_port, self_signed

SENDER = "Shop <shop@shop.example>"


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 (made once per module: RSA keys take a moment)."""
    return self_signed(tmp_path_factory.mktemp("tls"))


def _server_tls(certificate: tuple[Path, Path]) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*certificate)
    return context


@contextmanager
def smtp_server(handler: Any, **options: Any) -> Iterator[int]:
    """An aiosmtpd server on a loopback port; yields the port."""
    controller = Controller(handler, hostname="127.0.0.1", port=free_port(), **options)
    controller.start()
    try:
        yield controller.port
    finally:
        controller.stop()


def _settings(port: int, **overrides: Any) -> Settings:
    values: dict[str, Any] = {"smtp_host": "127.0.0.1", "smtp_port": port, "smtp_security": "none",
                              "smtp_from": SENDER}
    values.update(overrides)
    return Settings(**values)


def _deliver(engine: Engine, settings: Settings, now: Any = T0) -> Any:
    return deliver_due(session_factory=lambda: Session(engine, expire_on_commit=False), now=now,
                       transport_for=partial(transport_for, app_settings=settings))


def test_the_email_has_both_parts_its_message_id_and_one_click_unsubscribe(
        engine: Engine, session: Session, site: Site) -> None:
    mailbox = Mailbox()
    [first] = queue(session, site, channel="smtp")
    with smtp_server(mailbox) as port:
        summary = _deliver(engine, _settings(port))
    stored = message(session, first)
    assert (summary.sent, stored.status) == (1, "sent")
    [email] = mailbox.messages
    assert mailbox.envelopes == [("shop@shop.example", [stored.to_address])]
    assert email["From"] == SENDER and email["To"] == stored.to_address
    assert email["Subject"] == "Your cart is waiting"
    assert email["Message-ID"] == f"<{stored.idempotency_key}@pk_test.assistant>"
    assert email["List-Unsubscribe"] == f"<{stored.payload['unsubscribe_url']}>"
    assert email["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert email.get_content_type() == "multipart/alternative"
    parts = {part.get_content_type(): part.get_content().replace("\r\n", "\n")
             for part in email.iter_parts()}  # type: ignore[attr-defined]
    assert parts == {"text/plain": "Your cart\n", "text/html": "<p>Your cart</p>\n"}


def test_the_sites_from_address_wins(engine: Engine, session: Session, site: Site) -> None:
    mailbox = Mailbox()
    queue(session, site, channel="smtp", from_address="reminders@shop.example")
    with smtp_server(mailbox) as port:
        _deliver(engine, _settings(port))
    assert mailbox.messages[0]["From"] == "reminders@shop.example"


def test_starttls_with_login_and_a_trusted_certificate(
        engine: Engine, session: Session, site: Site, certificate: tuple[Path, Path]) -> None:
    mailbox, logins = Mailbox(), []

    def authenticator(_server: Any, _session: Any, _envelope: Any, _mechanism: str, data: Any) -> AuthResult:
        assert isinstance(data, LoginPassword)
        logins.append((data.login, data.password))
        return AuthResult(success=data.password == b"s3cret")

    [first] = queue(session, site, channel="smtp")
    with smtp_server(mailbox, tls_context=_server_tls(certificate), require_starttls=True,
                     authenticator=authenticator) as port:
        settings = _settings(port, smtp_security="starttls", smtp_username="mailer", smtp_password="s3cret",
                             smtp_ca_file=str(certificate[0]))
        _deliver(engine, settings)
    assert logins == [(b"mailer", b"s3cret")]
    assert (message(session, first).status, len(mailbox.messages)) == ("sent", 1)


def test_starttls_refuses_an_untrusted_certificate(
        engine: Engine, session: Session, site: Site, certificate: tuple[Path, Path]) -> None:
    mailbox = Mailbox()
    [first] = queue(session, site, channel="smtp")
    with smtp_server(mailbox, tls_context=_server_tls(certificate), require_starttls=True) as port:
        _deliver(engine, _settings(port, smtp_security="starttls"))
    stored = message(session, first)
    assert mailbox.messages == []
    assert stored.status == "pending" and "CERTIFICATE_VERIFY_FAILED" in (stored.last_error or "")


def test_a_server_that_requires_starttls_refuses_plain_text(
        engine: Engine, session: Session, site: Site, certificate: tuple[Path, Path]) -> None:
    mailbox = Mailbox()
    [first] = queue(session, site, channel="smtp")
    with smtp_server(mailbox, tls_context=_server_tls(certificate), require_starttls=True) as port:
        _deliver(engine, _settings(port, smtp_security="none"))
    assert mailbox.messages == [] and message(session, first).status == "pending"


def test_implicit_tls(engine: Engine, session: Session, site: Site, certificate: tuple[Path, Path]) -> None:
    mailbox = Mailbox()
    [first] = queue(session, site, channel="smtp")
    with smtp_server(mailbox, ssl_context=_server_tls(certificate)) as port:
        _deliver(engine, _settings(port, smtp_security="tls", smtp_ca_file=str(certificate[0])))
    assert (message(session, first).status, len(mailbox.messages)) == ("sent", 1)


class Refusing(Mailbox):
    def __init__(self, reply: str) -> None:
        super().__init__()
        self.reply = reply

    async def handle_RCPT(self, _server: Any, _session: Any, _envelope: Any, _address: str,  # noqa: N802
                          _options: Any) -> str:
        return self.reply


@pytest.mark.parametrize(("reply", "status"), [("550 5.1.1 no such user", "dead"),
                                               ("450 4.2.1 mailbox busy", "pending")])
def test_a_refused_address_is_dead_for_good_or_retried(
        engine: Engine, session: Session, site: Site, reply: str, status: str) -> None:
    [first] = queue(session, site, channel="smtp")
    with smtp_server(Refusing(reply)) as port:
        _deliver(engine, _settings(port))
    stored = message(session, first)
    assert stored.status == status and reply.split()[0] in (stored.last_error or "")


def test_a_server_down_is_retried_and_then_delivers_once(engine: Engine, session: Session, site: Site) -> None:
    [first] = queue(session, site, channel="smtp", retry_seconds=60)
    port = free_port()
    _deliver(engine, _settings(port))
    assert message(session, first).status == "pending"
    mailbox = Mailbox()
    with smtp_server_on(mailbox, port):
        _deliver(engine, _settings(port), now=T0 + timedelta(seconds=59))
        assert mailbox.messages == []
        _deliver(engine, _settings(port), now=T0 + timedelta(seconds=60))
        _deliver(engine, _settings(port), now=T0 + timedelta(hours=1))
    assert len(mailbox.messages) == 1 and message(session, first).status == "sent"


@contextmanager
def smtp_server_on(handler: Any, port: int) -> Iterator[int]:
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield port
    finally:
        controller.stop()


def test_an_unknown_security_mode_is_refused() -> None:
    with pytest.raises(ValueError, match="starttls, tls or none"):
        SmtpTransport(host="h", port=25, security="ssl", username="", password="", from_address="a@b.example")


def test_the_settings_come_from_the_environment() -> None:
    settings = Settings.from_env({"ASSISTANT_SMTP_HOST": "mail.example.com", "ASSISTANT_SMTP_PORT": "465",
                                  "ASSISTANT_SMTP_SECURITY": "TLS", "ASSISTANT_SMTP_USERNAME": "u",
                                  "ASSISTANT_SMTP_PASSWORD": "p", "ASSISTANT_SMTP_FROM": "shop@example.com",
                                  "ASSISTANT_SMTP_CA_FILE": "/etc/ca.pem",
                                  "ASSISTANT_PUBLIC_URL": "https://assistant.example.com/"})
    assert (settings.smtp_host, settings.smtp_port, settings.smtp_security, settings.smtp_username,
            settings.smtp_password, settings.smtp_from, settings.smtp_ca_file, settings.public_url) == (
        "mail.example.com", 465, "tls", "u", "p", "shop@example.com", "/etc/ca.pem", "https://assistant.example.com")
    defaults = Settings.from_env({})
    assert (defaults.smtp_host, defaults.smtp_port, defaults.smtp_security, defaults.public_url) == (
        "", 587, "starttls", "http://127.0.0.1:5000")


@pytest.mark.parametrize(("name", "value"), [("ASSISTANT_SMTP_PORT", "0"), ("ASSISTANT_SMTP_PORT", "70000"),
                                             ("ASSISTANT_SMTP_PORT", "smtp"), ("ASSISTANT_SMTP_SECURITY", "ssl")])
def test_bad_smtp_settings_are_refused_with_their_name(name: str, value: str) -> None:
    with pytest.raises(ConfigError, match=name):
        Settings.from_env({name: value})


def test_the_transport_fails_cleanly_on_a_closed_port() -> None:
    transport = SmtpTransport(host="127.0.0.1", port=free_port(), security="none", username="", password="",
                              from_address=SENDER, timeout=2)
    with pytest.raises(DeliveryFailed, match="ConnectionRefusedError"):
        transport.send(BasketMessage(site_id=1, basket_id=1, step=1, channel="smtp", idempotency_key="k",
                                     to_address="a@example.com", subject="s", html="h", text_body="t"))


def test_a_line_break_in_the_subject_cannot_add_a_header(engine: Engine, session: Session, site: Site) -> None:
    mailbox = Mailbox()
    [first] = queue(session, site, channel="smtp")
    row = message(session, first)
    row.subject = "Your cart\r\nBcc: someone@evil.example"
    session.add(row)
    session.commit()
    with smtp_server(mailbox) as port:
        _deliver(engine, _settings(port))
    [email] = mailbox.messages
    assert email["Subject"] == "Your cart Bcc: someone@evil.example" and email["Bcc"] is None
    assert mailbox.envelopes[0][1] == [row.to_address]


def test_an_address_with_a_line_break_is_dead_without_a_connection(
        engine: Engine, session: Session, site: Site) -> None:
    mailbox = Mailbox()
    [first] = queue(session, site, channel="smtp")
    row = message(session, first)
    row.to_address = "c0@example.com\nBcc: someone@evil.example"
    session.add(row)
    session.commit()
    with smtp_server(mailbox) as port:
        _deliver(engine, _settings(port))
    stored = message(session, first)
    assert mailbox.messages == [] and stored.status == "dead"
    assert (stored.last_error or "").startswith("cannot write the e-mail")


def test_a_second_copy_of_a_step_carries_the_same_message_id() -> None:
    mailbox = Mailbox()
    row = BasketMessage(site_id=1, basket_id=7, step=2, channel="smtp", idempotency_key="basket-7-step-2",
                        to_address="a@example.com", subject="s", html="<p>h</p>", text_body="t")
    with smtp_server(mailbox) as port:
        transport = SmtpTransport(host="127.0.0.1", port=port, security="none", username="", password="",
                                  from_address=SENDER, site_key="pk_live")
        transport.send(row)
        transport.send(row)
        transport.close()
    assert [email["Message-ID"] for email in mailbox.messages] == ["<basket-7-step-2@pk_live.assistant>"] * 2


class _Sessions(Mailbox):
    """A mailbox that also keeps which SMTP session (connection) brought each message."""

    def __init__(self) -> None:
        super().__init__()
        self.sessions: list[Any] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 (aiosmtpd's name)
        self.sessions.append(session)
        return await super().handle_DATA(server, session, envelope)


def test_one_connection_serves_every_message_of_a_run(engine: Engine, session: Session, site: Site) -> None:
    mailbox = _Sessions()
    ids = queue(session, site, channel="smtp", messages=4)
    with smtp_server(mailbox) as port:
        summary = _deliver(engine, _settings(port))
    assert summary.sent == 4 and len(mailbox.messages) == 4
    assert len({id(s) for s in mailbox.sessions}) == 1  # one TLS handshake and login for the run, not four
    assert {message(session, i).status for i in ids} == {"sent"}


def test_a_connection_the_server_closed_is_opened_again_before_the_next_message() -> None:
    port, first, second = free_port(), _Sessions(), _Sessions()
    transport = SmtpTransport(host="127.0.0.1", port=port, security="none", username="", password="",
                              from_address=SENDER)
    one = BasketMessage(site_id=1, basket_id=1, step=1, channel="smtp", idempotency_key="basket-1-step-1",
                        to_address="a@example.com", subject="s", html="<p>h</p>", text_body="t", payload={})
    two = one.model_copy(update={"idempotency_key": "basket-2-step-1", "to_address": "b@example.com"})
    controller = Controller(first, hostname="127.0.0.1", port=port)
    controller.start()
    transport.send(one)
    controller.stop()  # the server goes away with the kept connection (a restart, an idle timeout)
    controller = Controller(second, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        transport.send(two)
        transport.close()
    finally:
        controller.stop()
    assert [m["To"] for m in first.messages] == ["a@example.com"]
    assert [m["To"] for m in second.messages] == ["b@example.com"]  # sent once, on a new connection
