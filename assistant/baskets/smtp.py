"""SMTP delivery of basket reminders: one multipart (text + HTML) e-mail per message, over TLS.

One connection (TLS handshake, login) serves every message of a delivery run: a run of 500 reminders
opened 500 connections before, which mail servers rate-limit and count against the sender. A kept
connection is asked NOOP before each later message, and one the server has closed is opened again
before the message is sent, so a message is never sent twice because its connection went stale.

The Message-ID is made from the idempotency key, so the same step sent twice (a job that died after
sending) carries the same id, and a mail system or client that deduplicates by Message-ID shows one.
List-Unsubscribe with List-Unsubscribe-Post (RFC 8058) gives mail clients their one-click unsubscribe.
"""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate
from typing import Literal

from assistant.baskets.models import BasketMessage
from assistant.baskets.outbox import DeliveryFailed

Security = Literal["starttls", "tls", "none"]
TIMEOUT = 20.0
"""Seconds for connecting and for each SMTP reply; shorter than the outbox's lease."""


class SmtpTransport:
    """Sends messages through one SMTP server, over one connection kept for the run (close() at its end)."""

    def __init__(self, *, host: str, port: int, security: str, username: str, password: str,
                 from_address: str, site_key: str = "site", timeout: float = TIMEOUT,
                 ca_file: str | None = None) -> None:
        if security not in ("starttls", "tls", "none"):
            raise ValueError(f"security must be starttls, tls or none, not {security!r}")
        self.host, self.port, self.security = host, port, security
        self.username, self.password, self.from_address = username, password, from_address
        self.site_key, self.timeout, self.ca_file = site_key, timeout, ca_file
        self._client: smtplib.SMTP | None = None

    def send(self, message: BasketMessage) -> None:
        """Deliver `message`; DeliveryFailed (permanent when the server refuses the address for good)."""
        try:
            email = self.compose(message)
        except ValueError as exc:  # an address or header the e-mail cannot carry: no retry will help
            raise DeliveryFailed(f"cannot write the e-mail: {exc}", permanent=True) from None
        try:
            self._connection().send_message(email)
        except smtplib.SMTPRecipientsRefused as exc:
            codes = [code for code, _text in exc.recipients.values()]
            refused = all(code >= 500 for code in codes)
            raise DeliveryFailed(f"recipient refused: {exc.recipients}", permanent=refused) from None
        except smtplib.SMTPResponseException as exc:
            self._reset()
            raise DeliveryFailed(f"SMTP {exc.smtp_code}: {exc.smtp_error!r}") from None
        except (smtplib.SMTPException, OSError) as exc:
            self.close()
            raise DeliveryFailed(f"SMTP {self.host}:{self.port}: {type(exc).__name__}: {exc}") from None

    def close(self) -> None:
        """End the kept connection (QUIT), if any."""
        client, self._client = self._client, None
        if client is not None:
            try:
                client.quit()
            except (smtplib.SMTPException, OSError):
                client.close()

    def _connection(self) -> smtplib.SMTP:
        """The kept connection if the server still answers it, else a new one (logged in when set up to)."""
        if self._client is not None:
            try:
                if self._client.noop()[0] == 250:
                    return self._client
            except (smtplib.SMTPException, OSError):
                pass
            self._client.close()
            self._client = None
        client = self._connect()
        try:
            if self.username:
                client.login(self.username, self.password)
        except BaseException:
            client.close()
            raise
        self._client = client
        return client

    def _reset(self) -> None:
        """After a refused transaction: RSET so the next message starts clean (a new connection if that fails)."""
        if self._client is not None:
            try:
                self._client.rset()
            except (smtplib.SMTPException, OSError):
                self.close()

    def compose(self, message: BasketMessage) -> EmailMessage:
        """The e-mail of `message`: text with an HTML alternative, its Message-ID and unsubscribe headers."""
        email = EmailMessage()
        email["From"] = self.from_address
        email["To"] = message.to_address
        email["Subject"] = " ".join(message.subject.split())  # one line: a line break cannot start a header
        email["Date"] = formatdate(usegmt=True)
        email["Message-ID"] = f"<{message.idempotency_key}@{self.site_key}.assistant>"
        unsubscribe = str(message.payload.get("unsubscribe_url") or "")
        if unsubscribe:
            email["List-Unsubscribe"] = f"<{unsubscribe}>"
            email["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
        email.set_content(message.text_body)
        email.add_alternative(message.html, subtype="html")
        return email

    def _connect(self) -> smtplib.SMTP:
        context = ssl.create_default_context(cafile=self.ca_file)
        if self.security == "tls":
            return smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout, context=context)
        client = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        if self.security == "starttls":
            try:
                client.starttls(context=context)
            except BaseException:
                client.close()
                raise
        return client
