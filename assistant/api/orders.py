"""POST /orders: the shop's server confirms an order, with the secret site key (not from a browser)."""

from __future__ import annotations

from flask import Response, jsonify, request

from assistant.api import bp
from assistant.api.body import json_body
from assistant.api.origins import current_site
from assistant.db import get_session, write_transaction
from assistant.errors import Unauthorized
from assistant.sites.secrets import secret_matches
from assistant.timeutil import utcnow
from assistant.tracking.orders import parse_order, record_order


@bp.post("/orders")
def orders() -> tuple[Response, int]:
    """Store one verified order {order_id, value, currency?, items?, visitor?, customer_id?, ordered_at?}."""
    site = current_site()
    scheme, _, secret = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not secret_matches(site, secret.strip()):
        raise Unauthorized("send the site's secret key as Authorization: Bearer sk_...", field="authorization")
    order = parse_order(json_body())
    session = get_session()
    with write_transaction(session):
        stored = record_order(session=session, site=site, order=order, source="api", now=utcnow())
    return jsonify({"order_id": order.order_id, "stored": stored, "duplicate": not stored}), 201 if stored else 200
