"""GET /recommendations: a strip of products for a placement, each with its reason, and an id for attribution."""

from __future__ import annotations

from flask import Response, current_app, jsonify, request
from werkzeug.datastructures import MultiDict

from assistant.api import bp
from assistant.api.contract import Answer, Operation, documented
from assistant.api.control import CONTROL, held_out
from assistant.api.documents import RecommendationsQuery, Strip
from assistant.api.locale import page_lang
from assistant.api.origins import current_site
from assistant.api.shapes import strip_json
from assistant.catalog.indexes import get_indexes
from assistant.catalog.money import DEFAULT_LOCALE, page_locale
from assistant.db import get_session
from assistant.errors import Invalid, NotFound
from assistant.flows.registry import get_registry
from assistant.flows.schema import Flow
from assistant.flows.site_flows import site_flow
from assistant.merchandising.rules import rules_for_site, targets_segments
from assistant.numbers import whole_or_none
from assistant.promotions.settings import get_settings
from assistant.recommend.service import placement_named, recommend_for
from assistant.recommend.shopper import Shopper, shopper_context
from assistant.recommend.wording import strip_in
from assistant.timeutil import utcnow

MAX_ITEMS = 24


@bp.get("/recommendations")
@documented(Operation("A strip of products for a placement, each with its reason", tag="recommendations",
                      query=RecommendationsQuery,
                      answers={200: Answer("The strip (no items for a held-out visitor)", Strip)}))
def recommendations() -> Response:
    """?placement=home|product|cart|checkout&visitor=&product=SKU&cart=SKU,SKU&n=8 (no items for the control group)"""
    site = current_site()
    args = request.args  # once: every `request.` goes through a context-local proxy
    placement = placement_named(args.get("placement", ""))
    n = whole_or_none(args.get("n", "8"), low=1, high=MAX_ITEMS)
    if n is None:
        raise Invalid(f"must be a whole number from 1 to {MAX_ITEMS}", field="n")
    cart = args.get("cart")
    skus = [s for s in cart.split(",") if s][:100] if cart is not None else None
    visitor, product = _short(args, "visitor"), _short(args, "product")
    lang = page_lang()
    if held_out(site, visitor):
        return jsonify({"items": [], "placement": placement.name, "rec": None, "title": "", **CONTROL})
    state = current_app.extensions["assistant"]
    segmented = targets_segments(state["settings"].merch_rules, site.key, placement.name)
    if skus is not None and not segmented:  # cart and checkout: with the site and stock cached, no database session
        shopper = Shopper.on_page(cart=skus, product=product)
    else:
        shopper = shopper_context(session=get_session(), site=site, anon_id=visitor, product=product, cart=skus,
                                  now=utcnow(), segmented=segmented)
    threshold = get_settings(session=get_session(), site=site).free_shipping_threshold \
        if placement.name == "checkout" else None
    prices = (page_locale(lang) if threshold is not None else None) or DEFAULT_LOCALE  # the gap's, in the page's
    sold_out = state["stock"].cached(site)
    if sold_out is None:
        sold_out = state["stock"].sold_out(session=get_session(), site=site)
    quiz_flow = _live_flow(shopper, site.key)
    catalog = get_indexes().get(site.pk) if quiz_flow is not None and "quiz" in placement.chain else None
    rules = rules_for_site(state["settings"].merch_rules, site.key, shopper.segment)
    result = recommend_for(bundle=state["models"].bundle(site.key), placement=placement, shopper=shopper, n=n,
                           sold_out=sold_out, currency=site.currency, rules=rules,
                           free_shipping=float(threshold) if threshold is not None else None,
                           quiz_flow=quiz_flow, catalog=catalog, price_locale=prices)
    shown = strip_in(result, lang, getattr(site, "default_locale", None))  # ranked in English: the few shown
    return Response(strip_json(shown), content_type="application/json")


def _live_flow(shopper: Shopper, site_key: str) -> Flow | None:
    """The site's live flow the shopper answered last (flows since deleted or taken off the site are passed over)."""
    for flow_id, _ in shopper.quizzes:
        try:
            return site_flow(get_registry(), site_key, flow_id)
        except NotFound:
            continue
    return None


def _short(args: MultiDict[str, str], name: str) -> str | None:
    value = args.get(name)
    if value is not None and not 1 <= len(value) <= 128:
        raise Invalid("must be 1-128 characters", field=name)
    return value
