"""POST /orders: the shop's server confirms an order, with the secret site key (not from a browser)."""

from __future__ import annotations

from flask import Response, jsonify, request

from assistant.api import bp
from assistant.api.body import json_body
from assistant.api.contract import SITE_ERRORS, Answer, Operation, documented
from assistant.api.documents import OrderStored, SiteQuery
from assistant.api.origins import current_site
from assistant.db import get_session, write_transaction
from assistant.errors import Unauthorized
from assistant.sites.secrets import secret_matches
from assistant.timeutil import utcnow
from assistant.tracking.orders import OrderIn, parse_order, record_order


@bp.post("/orders")
@documented(Operation(
    "Store one verified order (the shop's server, with the secret key)", tag="orders", query=SiteQuery, body=OrderIn,
    secret=True, body_example={"order_id": "1001", "value": 129.9, "currency": "EUR",
                               "items": [{"sku": "SHOE-1", "quantity": 1, "price": 129.9}], "visitor": "v-0123456789"},
    answers={201: Answer("Stored", OrderStored), 200: Answer("Known already (a retry): nothing changed", OrderStored)},
    errors=(*SITE_ERRORS, 401, 413)))
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
