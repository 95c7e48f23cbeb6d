"""The secret site key: what the shop's server sends its orders with, stored only as a hash.

The key is 32 random bytes, so a fast hash is enough (no guessing to slow down) and a check costs
microseconds per server call.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from assistant.sites.models import Site

PREFIX = "sk_"


def issue_secret(site: Site) -> str:
    """Give `site` a new secret key (replacing any old one) and return it: the only time it is seen."""
    secret = PREFIX + secrets.token_urlsafe(32)
    site.secret_hash = _digest(secret)
    return secret


def secret_matches(site: Site, given: str) -> bool:
    """Whether `given` is the site's current secret key (False when the site has none)."""
    return site.secret_hash is not None and hmac.compare_digest(site.secret_hash, _digest(given))


def _digest(secret: str) -> str:
    return "sha256$" + hashlib.sha256(secret.encode("utf-8", "replace")).hexdigest()
