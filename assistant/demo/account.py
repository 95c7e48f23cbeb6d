"""The demo shop's sign-in: an e-mail address and a marketing-consent box, no password (it is a demo).

A signed-in shopper is identified to the widget on the next page (`Assistant('identify', customerId,
{email, email_consent})`, static/demo/account.js), as a real shop does after its own login; the customer id is
derived from the address, so the same address is the same customer on every device.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any

from flask import session

from assistant.errors import Invalid

MAX_EMAIL = 254
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


def customer_id_of(email: str) -> str:
    """The demo's customer id of an address: stable, and not the address itself."""
    return "demo-" + hashlib.sha256(email.strip().lower().encode()).hexdigest()[:16]


def sign_in(email: str, consent: bool) -> dict[str, Any]:
    """Remember the shopper in the session and ask the next page to identify them; Invalid for a bad address."""
    email = email.strip()
    if len(email) > MAX_EMAIL or not EMAIL.fullmatch(email):
        raise Invalid("Please enter an e-mail address like you@example.com.", field="email")
    shopper = {"email": email, "consent": consent, "customer_id": customer_id_of(email)}
    session["shopper"] = shopper
    session["identify"] = True
    return shopper


def sign_out() -> None:
    """Forget the shopper (the widget keeps its visitor; a real shop would reset it too)."""
    session.pop("shopper", None)
    session.pop("identify", None)


def shopper() -> dict[str, Any] | None:
    """The signed-in shopper of this browser session, if any."""
    found = session.get("shopper")
    return found if isinstance(found, dict) and isinstance(found.get("email"), str) else None


def identify_once() -> dict[str, Any] | None:
    """The widget's identify call for this page, once after each sign-in: {customer_id, traits}."""
    who = shopper()
    if who is None or not session.pop("identify", False):
        return None
    return {"customer_id": who["customer_id"],
            "traits": {"email": who["email"], "email_consent": bool(who.get("consent"))}}
