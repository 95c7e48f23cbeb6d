"""Webhook delivery of basket reminders to a shop's e-mail service, signed with HMAC-SHA256.

Each message is POSTed as JSON (its payload, docs/baskets.md) with an `Idempotency-Key` header (the
same on every retry, so the receiver stores a second copy once) and `X-Assistant-Signature:
t=<unix time>,v1=<hex HMAC-SHA256 of "<t>.<body>">` under the site's webhook secret. A 2xx answer is
delivered, 410 Gone is dead at once (the receiver is gone for good), anything else is retried.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import urllib.error
import urllib.parse
import urllib.request
from datetime import datetime
from typing import Any

from assistant import __version__
from assistant.baskets.models import BasketMessage
from assistant.baskets.outbox import DeliveryFailed
from assistant.baskets.public_address import PrivateAddress, PublicHTTPHandler, PublicHTTPSHandler

TIMEOUT = 10.0
"""Seconds for the receiver to answer; shorter than the outbox's lease."""
SIGNATURE_HEADER = "X-Assistant-Signature"
TOLERANCE = 300
"""Seconds a signature stays acceptable to verify_signature (refuses replays of old requests)."""


def sign(*, secret: str, body: bytes, timestamp: int) -> str:
    """The signature header's value for `body` sent at `timestamp` (unix seconds)."""
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def verify_signature(*, secret: str, header: str, body: bytes, now: datetime, tolerance: int = TOLERANCE) -> bool:
    """Whether `header` is a valid signature of the raw `body` under `secret`, made within `tolerance` s of `now`."""
    fields = dict(part.split("=", 1) for part in header.split(",") if "=" in part)
    stamp = fields.get("t", "")
    if not (stamp.isascii() and stamp.isdigit() and len(stamp) <= 12):
        return False
    if abs(now.timestamp() - int(stamp)) > tolerance:
        return False
    expected = sign(secret=secret, body=body, timestamp=int(stamp)).split(",v1=", 1)[1]
    return any(hmac.compare_digest(expected, value) for key, value in fields.items() if key == "v1")


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None  # a redirected webhook is a failure to report, not a POST to follow (urllib would GET)


class WebhookTransport:
    """POSTs each message's payload to the site's webhook URL (public addresses only unless `private_addresses`)."""

    def __init__(self, *, url: str, secret: str, timeout: float = TIMEOUT, private_addresses: bool = False) -> None:
        self.url, self.secret, self.timeout = url, secret, timeout
        handlers = [] if private_addresses else [PublicHTTPHandler(), PublicHTTPSHandler()]
        self._opener = urllib.request.build_opener(_NoRedirects(), *handlers)

    def send(self, message: BasketMessage) -> None:
        """Deliver `message`; DeliveryFailed unless the receiver answers 2xx (permanent on 410 Gone)."""
        if urllib.parse.urlsplit(self.url).scheme not in ("http", "https"):
            raise DeliveryFailed(f"the webhook URL must be http:// or https://, not {self.url[:100]!r}", permanent=True)
        body = json.dumps(message.payload, ensure_ascii=False, separators=(",", ":")).encode()
        request = urllib.request.Request(self.url, data=body, method="POST", headers={
            "Content-Type": "application/json; charset=utf-8",
            "Idempotency-Key": message.idempotency_key,
            SIGNATURE_HEADER: sign(secret=self.secret, body=body, timestamp=int(time.time())),
            "User-Agent": f"assistant-baskets/{__version__}"})
        try:
            with self._opener.open(request, timeout=self.timeout) as answer:
                answer.read(1024)
        except urllib.error.HTTPError as exc:
            raise DeliveryFailed(f"webhook answered {exc.code} {exc.reason}", permanent=exc.code == 410) from None
        except (urllib.error.URLError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            if isinstance(reason, PrivateAddress):  # the shop's setting must change: no retry reaches it
                raise DeliveryFailed(f"webhook {self.url}: {reason}", permanent=True) from None
            raise DeliveryFailed(f"webhook {self.url}: {type(exc).__name__}: {reason}") from None
