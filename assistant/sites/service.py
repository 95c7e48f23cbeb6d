"""Create and look up sites."""

from __future__ import annotations

import secrets
from urllib.parse import urlsplit

from sqlmodel import Session, select

from assistant.errors import Invalid, NotFound
from assistant.sites.control import DEFAULT_SHARE, checked_share
from assistant.sites.models import Site


def normalize_origin(origin: str) -> str:
    """Return `scheme://host[:port]` of an origin, or raise Invalid."""
    parts = urlsplit(origin.strip())
    if parts.scheme not in {"http", "https"} or not parts.netloc or parts.path not in {"", "/"}:
        raise Invalid(f"'{origin}' is not an origin like https://shop.example", field="origins")
    return f"{parts.scheme}://{parts.netloc}".lower()


def create_site(
    *,
    session: Session,
    name: str,
    origins: list[str],
    currency: str = "EUR",
    key: str | None = None,
    control_share: float = DEFAULT_SHARE,
) -> Site:
    """Create a site with a new public key (or the given one), holding out `control_share` of its visitors."""
    control_share = checked_share(control_share)
    key = key or "pk_" + secrets.token_urlsafe(12)
    if session.exec(select(Site).where(Site.key == key)).first():
        raise Invalid(f"a site with key '{key}' already exists", field="key")
    site = Site(
        key=key,
        name=name,
        allowed_origins=sorted({normalize_origin(o) for o in origins}),
        currency=currency.upper(),
        control_share=control_share,
    )
    session.add(site)
    session.flush()
    return site


def get_site_by_key(*, session: Session, key: str) -> Site:
    """The site with public key `key`, or NotFound."""
    site = session.exec(select(Site).where(Site.key == key)).first()
    if site is None:
        raise NotFound(f"no site has the key '{key}'", field="site")
    return site


def origin_allowed(site: Site, origin: str) -> bool:
    """Whether the browser origin `origin` may call the API for `site`."""
    try:
        return normalize_origin(origin) in site.allowed_origins
    except Invalid:
        return False
