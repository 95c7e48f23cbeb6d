"""Real servers on loopback for the delivery tests: a webhook receiver (http.server) and SMTP (aiosmtpd)."""

from __future__ import annotations

import json
import socket
import subprocess
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, cast

from assistant.baskets.webhook import SIGNATURE_HEADER, verify_signature
from assistant.timeutil import utcnow


def free_port() -> int:
    """A loopback port nothing listens on (yet)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Receiver:
    """An e-mail service's webhook endpoint: checks the signature, stores each idempotency key once."""

    secret: str
    answer: int = 200
    """What to answer once the request is valid (503: down; 410: gone)."""
    delay: float = 0.0
    hits: Counter[str] = field(default_factory=Counter)
    """Requests seen per Idempotency-Key (every copy, whatever was answered)."""
    stored: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Bodies kept, one per key: the receiver's dedup."""
    accepted: Counter[str] = field(default_factory=Counter)
    """Requests answered 2xx per key: what the sender counts as delivered."""
    bad_signatures: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def handle(self, key: str, signature: str, body: bytes) -> int:
        time.sleep(self.delay)
        with self.lock:
            self.hits[key] += 1
            if not verify_signature(secret=self.secret, header=signature, body=body, now=utcnow()):
                self.bad_signatures += 1
                return 401
            if self.answer // 100 == 2:
                self.accepted[key] += 1
                self.stored.setdefault(key, json.loads(body))
            return self.answer


@contextmanager
def serve_webhook(receiver: Receiver, port: int | None = None) -> Iterator[str]:
    """Run `receiver` on loopback in a thread; yields its URL."""

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 (http.server's name)
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            status = receiver.handle(self.headers.get("Idempotency-Key", ""),
                                     self.headers.get(SIGNATURE_HEADER, ""), body)
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *_args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", port or 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/hooks/baskets"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


class Mailbox:
    """An aiosmtpd handler keeping each message it accepts."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []

    async def handle_DATA(self, _server: Any, _session: Any, envelope: Any) -> str:  # noqa: N802 (aiosmtpd's name)
        self.messages.append(cast(EmailMessage, message_from_bytes(envelope.content, policy=policy.default)))
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        return "250 Message accepted for delivery"


def self_signed(folder: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 and localhost and its key, made with the openssl command."""
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(cert),
                    "-days", "1", "-subj", "/CN=localhost", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"],
                   check=True, capture_output=True)
    return cert, key
