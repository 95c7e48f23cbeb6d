"""The global control group: a share of a site's visitors who see nothing of the assistant.

Comparing shoppers who used the quiz with those who did not measures who chose to use it, not
what it earned; only a group held out at random, before anyone chose anything, and still recorded
(docs/control-group.md), shows what the shop would take without the assistant. A visitor is put
in the group once, when tracking first stores it (in_control_bucket on its browser id), and keeps
it; an identified visitor takes its person's group (tracking/identity.py), so a shopper on a second
device sees the same as on the first.
"""

from __future__ import annotations

import hashlib

from sqlmodel import Session

from assistant.errors import Forbidden, Invalid
from assistant.rawsql import RawSQL
from assistant.sites.models import Site

_SCALE = float(1 << 64)
DEFAULT_SHARE = 0.05
MAX_SHARE = 0.5
"""A larger group would cost the shop more of the assistant's earnings than a comparison needs."""


class InControlGroup(Forbidden):
    """A request for something the assistant shows, from a visitor of the control group."""

    code = "control"


def in_control_bucket(*, site_key: str, key: str, share: float) -> bool:
    """Whether `key` (a browser's visitor id) falls in the control group of the site: a stable hash below `share`.

    The hash is per site, so a browser in one shop's group is not therefore in another's; a share of 0 or less
    puts nobody in, 1 or more everybody.
    """
    if share <= 0:
        return False
    digest = hashlib.sha256(f"{site_key}:control:{key}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / _SCALE < share


def checked_share(share: float) -> float:
    """`share` if it is a share of visitors the control group may have (0 switches it off), else Invalid."""
    if not 0 <= share <= MAX_SHARE:  # NaN fails too
        raise Invalid(f"must be from 0 to {MAX_SHARE:g} (a share: 0.05 is 5 %), not {share:g}", field="control_share")
    return share


def set_control_share(*, site: Site, share: float) -> None:
    """Give `site` a new control share; visitors already stored keep their group, new ones are hashed with it."""
    site.control_share = checked_share(share)


def visitor_in_control(*, session: Session | RawSQL, site: Site, anon_id: str | None) -> bool:
    """Whether the visitor with browser id `anon_id` is in the site's control group, for an API request.

    A stored visitor keeps the group it was given (its person's, once identified); one not stored yet is given
    the hash's answer, which tracking will store with its first event. Without an id (no consent to tracking) a
    shopper is not measured, so not held out; a share of 0 switches the group off without a query.
    """
    if not anon_id or site.control_share <= 0:
        return False
    sql = session if isinstance(session, RawSQL) else RawSQL(session)
    row = sql.run("SELECT in_control FROM visitor WHERE site_id = ? AND anon_id = ?", (site.pk, anon_id)).fetchone()
    if row is not None:
        return bool(row[0])
    return in_control_bucket(site_key=site.key, key=anon_id, share=site.control_share)
