"""The control group at the API's edge: every answer that shows something is empty for a held-out visitor.

The widget then shows nothing (docs/control-group.md), and a page or client that calls the API itself
gets the same: the decision is the server's. Tracking is not gated: a held-out visitor's events are the
baseline the assistant is measured against.
"""

from __future__ import annotations

import re

from flask import g
from sqlmodel import Session

from assistant.db import get_engine
from assistant.rawsql import pooled
from assistant.sites.control import visitor_in_control
from assistant.sites.models import Site

VISITOR_ID = re.compile(r"^[A-Za-z0-9_.:-]{8,64}$")
"""What the widget's visitor ids look like (tracking checks the same on every event batch)."""
CONTROL = {"control": True}
"""Added to an empty answer given because the visitor is in the control group, so a client can tell why."""


def held_out(site: Site, anon_id: str | None, session: Session | None = None) -> bool:
    """Whether the visitor `anon_id` of `site` is in its control group: one indexed read (none at a share of 0), on
    `session` or the request's (a view that needs one anyway passes it), else on a pooled connection."""
    if not anon_id or site.control_share <= 0:
        return False
    session = session or g.get("db_session")
    if session is not None:
        return visitor_in_control(session=session, site=site, anon_id=anon_id)
    with pooled(get_engine()) as sql:
        return visitor_in_control(session=sql, site=site, anon_id=anon_id)
