"""The reminder e-mail's links: back to the cart (counted, then on to the shop), the cart to restore, unsubscribe.

GET  /baskets/r/<token>            the e-mail's button: counts the click, 302 to the shop's cart page with
                                   ?assistant_basket=<token> (no cart page set: the site's first origin + "/")
GET  /baskets/restore?token=       the shop's page (CORS for the site's origins, preflight too) or server:
                                   {"items", "currency"}
GET  /baskets/unsubscribe/<token>  one click: unsubscribed at once, a small confirmation page
POST /baskets/unsubscribe/<token>  RFC 8058 one-click (List-Unsubscribe-Post): 200

A HEAD request (a mail scanner looking at the link) changes nothing. A bad, changed or expired token is a
400 naming the field "token".
"""

from __future__ import annotations

from html import escape
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from flask import Response, current_app, g, jsonify, redirect, request
from werkzeug.wrappers import Response as BaseResponse

from assistant.api import bp
from assistant.api.contract import Answer, Operation, documented
from assistant.api.documents import RestoredCart, TokenQuery, Unsubscribed
from assistant.baskets.links import Purpose, read_token, record_click, unsubscribe
from assistant.baskets.models import Basket
from assistant.baskets.settings import get_settings
from assistant.db import get_session, write_transaction
from assistant.errors import Forbidden, NotFound
from assistant.sites.models import Site
from assistant.sites.service import origin_allowed
from assistant.timeutil import utcnow

PARAMETER = "assistant_basket"
"""The query parameter the shop's cart page finds the restore token in."""


TOKEN = {"token": "The signed token of the reminder's link"}
LINK_ERRORS = (400, 404, 503)
"""A bad, changed or expired token (400, field "token"), a basket or shop gone (404), the database busy (503)."""


@bp.get("/baskets/r/<token>")
@documented(Operation("The reminder's button: count the click, then on to the shop's cart page", tag="baskets",
                      path=TOKEN, errors=LINK_ERRORS,
                      answers={302: Answer("To the cart page, with ?assistant_basket=<token>", None, media="",
                                           headers={"Location": "The shop's cart page"})}))
def back_to_cart(token: str) -> BaseResponse:
    """Count the reminder's click and send the shopper on to the shop's cart page, token in hand."""
    basket_id = _basket_id(token, "restore")
    session = get_session()
    if request.method == "HEAD":
        basket = session.get(Basket, basket_id)
    else:
        with write_transaction(session):
            basket = record_click(session=session, basket_id=basket_id, now=utcnow())
    if basket is None:
        raise NotFound("the reminder's cart no longer exists", field="token")
    site = _site(basket)
    return redirect(_with_token(_cart_page(site), token), code=302)


@bp.route("/baskets/restore", methods=["GET", "OPTIONS"], provide_automatic_options=False)
@documented(Operation("The reminder's cart, for the shop's page to fill its cart with", tag="baskets", methods=("GET",),
                      query=TokenQuery, errors=(*LINK_ERRORS, 403),
                      answers={200: Answer("The cart's lines and currency", RestoredCart)}),
            Operation("CORS preflight of the restore call", tag="baskets", methods=("OPTIONS",), query=TokenQuery,
                      errors=LINK_ERRORS, answers={204: Answer("Allowed for the site's origins (CORS headers)")}))
def restore() -> Response:
    """The reminder's cart, for the shop's page (or server) to fill its cart with (and its CORS preflight)."""
    token = request.args.get("token", "")
    basket = get_session().get(Basket, _basket_id(token, "restore"))
    if basket is None:
        raise NotFound("the reminder's cart no longer exists", field="token")
    site = _site(basket)
    origin = request.headers.get("Origin")
    if origin and not origin_allowed(site, origin) and request.method != "OPTIONS":
        raise Forbidden(f"origin {origin} is not allowed for this site", field="origin")
    g.site = site  # the API's CORS headers for the site's origins (api/origins.py)
    if request.method == "OPTIONS":
        return Response(status=204)
    items = [{"sku": str(line.get("sku", "")), "quantity": _quantity(line.get("quantity"))}
             for line in basket.items if line.get("sku")]
    return jsonify({"items": items, "currency": basket.currency})


@bp.route("/baskets/unsubscribe/<token>", methods=["GET", "POST"])
@documented(Operation("The e-mail's unsubscribe link: unsubscribed at once, a confirmation page", tag="baskets",
                      methods=("GET",), path=TOKEN, errors=LINK_ERRORS,
                      answers={200: Answer("A small confirmation page", None, media="text/html")}),
            Operation("One-click unsubscribe (RFC 8058 List-Unsubscribe-Post)", tag="baskets", methods=("POST",),
                      path=TOKEN, errors=LINK_ERRORS, answers={200: Answer("Unsubscribed", Unsubscribed)}))
def unsubscribe_link(token: str) -> Response:
    """Unsubscribe the basket's customer from the site's reminders at once (GET from the e-mail, POST one-click)."""
    basket_id = _basket_id(token, "unsubscribe")
    session = get_session()
    if request.method != "HEAD":
        with write_transaction(session):
            unsubscribe(session=session, basket_id=basket_id, now=utcnow())
    if request.method == "POST":
        return jsonify({"unsubscribed": True})
    basket = session.get(Basket, basket_id)
    site = session.get(Site, basket.site_id) if basket is not None else None
    return Response(_confirmation(site.name if site is not None else ""), content_type="text/html; charset=utf-8",
                    headers={"Cache-Control": "no-store", "X-Robots-Tag": "noindex"})


def _basket_id(token: str, purpose: Purpose) -> int:
    return read_token(secret_key=current_app.config["SECRET_KEY"], token=token, purpose=purpose, now=utcnow())


def _site(basket: Basket) -> Site:
    site = get_session().get(Site, basket.site_id)
    if site is None:
        raise NotFound("the reminder's shop no longer exists", field="token")
    return site


def _cart_page(site: Site) -> str:
    cart_url = get_settings(session=get_session(), site=site).cart_url
    if cart_url:
        return cart_url
    if site.allowed_origins:
        return site.allowed_origins[0].rstrip("/") + "/"
    raise NotFound("the shop has set no cart page (cart_url) and no origin", field="cart_url")


def _with_token(url: str, token: str) -> str:
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != PARAMETER]
    return urlunsplit(parts._replace(query=urlencode([*query, (PARAMETER, token)])))


def _quantity(value: object) -> int:
    try:
        return max(1, int(value))  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return 1


def _confirmation(shop: str) -> str:
    name = escape(shop) if shop else "this shop"
    return ("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>Unsubscribed</title>"
            "</head><body style=\"font-family:Arial,Helvetica,sans-serif;max-width:32em;margin:3em auto;"
            "padding:0 1em;color:#111827;line-height:1.5\"><h1 style=\"font-size:1.4em\">You are unsubscribed</h1>"
            f"<p>You will get no more cart reminders from {name}.</p></body></html>")
