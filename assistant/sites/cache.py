"""SiteCache: sites by public key, kept a few seconds so hot endpoints skip the lookup."""

from __future__ import annotations

import threading
import time

from sqlmodel import Session

from assistant.sites.models import Site
from assistant.sites.service import get_site_by_key

TTL_SECONDS = 30.0


class SiteCache:
    """Read-through cache of detached Site rows; a changed site is seen within `ttl` seconds."""

    def __init__(self, ttl: float = TTL_SECONDS) -> None:
        self.ttl = ttl
        self._entries: dict[str, tuple[float, Site]] = {}
        self._lock = threading.Lock()

    def cached(self, key: str) -> Site | None:
        """The site with public key `key` if a fresh copy is cached, else None: no database needed."""
        entry = self._entries.get(key)
        return entry[1] if entry and entry[0] > time.monotonic() else None

    def get(self, *, session: Session, key: str) -> Site:
        """The site with public key `key` (NotFound is not cached)."""
        cached = self.cached(key)
        if cached is not None:
            return cached
        now = time.monotonic()
        site = get_site_by_key(session=session, key=key)
        session.expunge(site)
        with self._lock:
            self._entries[key] = (now + self.ttl, site)
        return site
