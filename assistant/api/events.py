"""POST /events: a batch of behaviour events from the widget."""

from __future__ import annotations

from flask import Response, jsonify, request

from assistant.api import bp
from assistant.api.body import json_body
from assistant.api.contract import SITE_ERRORS, Answer, Operation, documented
from assistant.api.documents import ErrorBody, EventBatch, EventsStored, SiteQuery
from assistant.api.limits import limit_events
from assistant.api.origins import current_site
from assistant.db import get_engine, get_session, write_transaction
from assistant.faults import point
from assistant.metrics import count_events
from assistant.storable import clean_json_text
from assistant.timeutil import utcnow
from assistant.tracking.service import parse_batch, store_batch, store_plain_batch


@bp.post("/events")
@documented(Operation(
    "Store a batch of behaviour events", tag="tracking", query=SiteQuery, body=EventBatch,
    body_example={"visitor": "v-0123456789", "events": [
        {"id": "e-0123456789", "type": "page_view", "page": "/running/", "ts": 1767225600000},
        {"id": "e-0123456790", "type": "product_view", "sku": "SHOE-1", "price": 89.9, "currency": "EUR"}]},
    answers={200: Answer("Stored (valid events), known again (duplicates), or dropped as a bot's; each rejected "
                         "event with its index, field and reason", EventsStored,
                         example={"accepted": 2, "duplicates": 0, "bot": False, "rejected": []}),
             400: Answer("The envelope is bad, or no event was valid (then also accepted, duplicates, bot and "
                         "rejected, as for 200)", ErrorBody)},
    errors=(*SITE_ERRORS, 413, 429)))
@limit_events
def events() -> tuple[Response, int]:
    """Store a batch {visitor, events: [...]}; answers which events were rejected and why."""
    site = current_site()
    body = json_body(whole=False)  # an unstorable value refuses its event alone (tracking.schemas)
    parsed = parse_batch(body, site=site, user_agent=request.headers.get("User-Agent", ""), now=utcnow(),
                         clean_text=clean_json_text(request.get_data(cache=True)))
    if parsed.plain:  # page and product views, searches, quiz events: no session (see store_plain_batch)
        result = store_plain_batch(engine=get_engine(), site=site, parsed=parsed,
                                   before_commit=lambda: point("events.before_commit"))
    else:
        session = get_session()
        with write_transaction(session):
            result = store_batch(session=session, site=site, parsed=parsed)
            point("events.before_commit")
    point("events.after_commit")  # committed, not yet answered
    count_events(stored=result.accepted, duplicates=result.duplicates, rejected=len(result.rejected))
    body = {"accepted": result.accepted, "duplicates": result.duplicates, "bot": result.bot,
            "rejected": [{"index": r.index, "field": r.field, "reason": r.reason} for r in result.rejected]}
    status = 400 if result.rejected and not (result.accepted or result.duplicates) else 200
    if status == 400:
        body["error"] = {"code": "invalid", "field": result.rejected[0].field, "message": "no event was valid"}
    return jsonify(body), status
