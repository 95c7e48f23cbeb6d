"""POST /events: a batch of behaviour events from the widget."""

from __future__ import annotations

from flask import Response, jsonify, request

from assistant.api import bp
from assistant.api.body import json_body
from assistant.api.limits import limit_events
from assistant.api.origins import current_site
from assistant.db import get_session
from assistant.timeutil import utcnow
from assistant.tracking.service import record_events


@bp.post("/events")
@limit_events
def events() -> tuple[Response, int]:
    """Store a batch {visitor, events: [...]}; answers which events were rejected and why."""
    site = current_site()
    session = get_session()
    result = record_events(session=session, site=site, batch=json_body(), now=utcnow(),
                           user_agent=request.headers.get("User-Agent", ""))
    session.commit()
    body = {"accepted": result.accepted, "duplicates": result.duplicates, "bot": result.bot,
            "rejected": [{"index": r.index, "field": r.field, "reason": r.reason} for r in result.rejected]}
    status = 400 if result.rejected and not (result.accepted or result.duplicates) else 200
    if status == 400:
        body["error"] = {"code": "invalid", "field": result.rejected[0].field, "message": "no event was valid"}
    return jsonify(body), status
