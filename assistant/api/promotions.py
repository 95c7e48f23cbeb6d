"""GET /promotions: the message(s) to show this visitor on a placement (cart, checkout, exit intent, ...)."""

from __future__ import annotations

from dataclasses import replace

from flask import Response, jsonify, request
from sqlmodel import Session

from assistant.api import bp
from assistant.api.contract import Answer, Operation, documented
from assistant.api.control import CONTROL, held_out
from assistant.api.documents import Messages, PromotionsQuery
from assistant.api.locale import widget_words
from assistant.api.origins import current_site
from assistant.catalog.indexes import CatalogIndexes, get_indexes
from assistant.catalog.money import page_locale, to_minor
from assistant.db import get_session
from assistant.errors import Invalid
from assistant.numbers import MAX_COUNT, NotANumber, decimal_number, whole_or_none
from assistant.promotions.service import choose
from assistant.promotions.snapshot import VisitorSnapshot, cart_categories, snapshot_for
from assistant.sites.models import Site
from assistant.timeutil import utcnow

DEVICES = {"desktop", "mobile", "tablet"}
UNTRACKED = "anonymous-"
"""How promos.js names a shopper it may not track (no consent): never stored, so never held out either."""


@bp.get("/promotions")
@documented(Operation("The promotion messages to show this visitor on a placement", tag="promotions",
                      query=PromotionsQuery,
                      answers={200: Answer("The messages, rendered (none for a held-out visitor)", Messages)}))
def promotions() -> Response:
    """?placement=&visitor=&page=URL&device=&cart=SKU:QTY,...&cart_value=12.50 (the page's cart wins); no messages
    for a visitor in the control group."""
    site = current_site()
    placement = request.args.get("placement", "")
    visitor = request.args.get("visitor", "")
    if not 8 <= len(visitor) <= 64:
        raise Invalid("must be the widget's visitor id (8-64 characters)", field="visitor")
    device = request.args.get("device", "desktop")
    if device not in DEVICES:
        raise Invalid(f"must be one of: {', '.join(sorted(DEVICES))}", field="device")
    session = get_session()
    if held_out(site, None if visitor.startswith(UNTRACKED) else visitor, session):
        return jsonify({"messages": [], **CONTROL})
    now = utcnow()
    catalogs = get_indexes()
    snapshot = snapshot_for(session=session, site=site, anon_id=visitor, page=request.args.get("page", "")[:2000],
                            device=device, now=now, catalogs=catalogs)
    snapshot = replace(_with_page_cart(snapshot, site, session, catalogs),
                       locale=page_locale(request.args.get("lang", "")))
    chosen = choose(session=session, site=site, placement=placement, snapshot=snapshot, now=now, catalogs=catalogs)
    messages = [c.to_json() for c in chosen]  # with any: the widget's own words for them, in the page's language
    return jsonify({"messages": messages, "i18n": widget_words()} if messages else {"messages": []})


def _with_page_cart(snapshot: VisitorSnapshot, site: Site, session: Session,
                    catalogs: CatalogIndexes) -> VisitorSnapshot:
    """Use the cart the page shows (the widget reads it) over the last one tracking stored (its categories from
    the process's catalog index)."""
    raw = request.args.get("cart")
    if raw is None:
        return snapshot
    lines: dict[str, int] = {}
    for part in [p for p in raw.split(",") if p][:100]:
        sku, _, text = part.partition(":")
        quantity = whole_or_none(text, high=MAX_COUNT)  # the widget reads it off the page: unreadable is one
        lines[sku[:128]] = lines.get(sku[:128], 0) + (1 if quantity is None else quantity)
    try:
        value = decimal_number(request.args.get("cart_value", ""))
    except NotANumber as exc:
        raise Invalid(f"must be the cart total: {exc}", field="cart_value") from None
    return replace(snapshot, cart_value_minor=to_minor(value, site.currency), cart_items=sum(lines.values()),
                   cart_skus=frozenset(lines), cart_categories=cart_categories(session, site, lines, catalogs))
