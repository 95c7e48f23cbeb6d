"""The demo shop, Trailhead Outfitters: catalog pages, a session cart and a checkout, under a strict CSP."""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    has_request_context,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.blueprints import BlueprintSetupState
from markupsafe import Markup
from werkzeug.wrappers import Response as BaseResponse

from assistant.catalog.mapping import slug
from assistant.catalog.models import Product
from assistant.catalog.money import format_money, from_minor
from assistant.catalog.service import get_product, list_products
from assistant.db import get_session
from assistant.demo import account
from assistant.demo.build import DEMO_KEY
from assistant.demo.cart import (
    FREE_SHIPPING,
    MAX_LINES,
    MAX_QUANTITY,
    CartLine,
    cart_lines,
    quantity,
    read_cart,
    save_cart,
    totals,
)
from assistant.demo.illustrations import product_svg
from assistant.demo.restore import basket_lines, merged
from assistant.errors import Invalid, NotFound
from assistant.flows.registry import get_registry
from assistant.flows.site_flows import site_flows
from assistant.i18n.catalogue import direction, translated
from assistant.i18n.jinja_gettext import gettext_from
from assistant.sites.models import Site
from assistant.sites.service import get_site_by_key

shop = Blueprint("shop", __name__, url_prefix="/demo")

CSP = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'"
CATEGORIES = {
    "Running shoes": "Road, trail and everything between",
    "Hiking backpacks": "Day packs to week-long haulers",
    "Rain jackets": "Stay dry, keep moving",
    "Socks": "Merino and synthetic, every height",
    "Accessories": "Bottles, headlamps and more",
    "Care": "Keep your kit working",
}
LANGUAGES = ("en", "de", "ar", "ja")
"""The page's `<html lang>`, switched by `?lang=` and kept for the visit: with `de` or `ar` the widget shows the
running-shoe quiz, the promotions and the NPS survey from the catalogue's German or Arabic (right to left:
docs/i18n.md) and the shop's prices in that locale; with `ja` it asks for surveys in Japanese
(surveys/post-purchase-nps-ja.yaml), a CJK test case. The shop's own texts (`_()` in templates/demo/) follow
it through the same catalogue, and the page is `dir="rtl"` in Arabic; product data stays as the catalog has it."""
SORTS = {"popular": "Most popular", "rating": "Top rated", "price-asc": "Price: low to high",
         "price-desc": "Price: high to low"}


class DemoMissing(Exception):
    """The demo site has not been built into this database."""


def money(amount: float, currency: str = "EUR") -> Markup:
    """A price as the shop shows it in the page's language (€129.90, 129,90 €), as the widget's strips show it;
    isolated (`<bdi>`), so an Arabic price keeps its order in the shop's English sentences."""
    lang = session.get("lang") if has_request_context() else None
    text = format_money(amount, currency, lang) if lang in LANGUAGES else format_money(amount, currency)
    return Markup("<bdi>{}</bdi>").format(text)


@shop.record_once
def _root_redirect(state: BlueprintSetupState) -> None:
    state.app.add_url_rule("/", "root", lambda: redirect(url_for("shop.home")))
    if "jinja2.ext.InternationalizationExtension" not in state.app.jinja_env.extensions:
        state.app.jinja_env.add_extension("jinja2.ext.i18n")  # `_()`; each page brings its `gettext`
    state.app.jinja_env.newstyle_gettext = True  # type: ignore[attr-defined]


@shop.after_request
def _security_headers(response: Response) -> Response:
    response.headers["Content-Security-Policy"] = CSP
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "same-origin"
    return response


@shop.errorhandler(DemoMissing)
def _demo_missing(_exc: DemoMissing) -> tuple[str, int]:
    return render_template("demo/missing.html"), 503


@shop.errorhandler(Invalid)
def _bad_request(exc: Invalid) -> tuple[str, int]:
    """A shop page, widget included: the shopper's link was bad, the shop still works."""
    return render_template("demo/bad_request.html", field=exc.field, message=exc.message), 400


@shop.errorhandler(404)
def _not_found(_exc: Exception) -> tuple[str, int]:
    return render_template("demo/not_found.html"), 404


@shop.before_request
def _page_language() -> None:
    wanted = request.args.get("lang")
    if wanted in LANGUAGES:
        session["lang"] = wanted


@shop.context_processor
def _template_helpers() -> dict[str, Any]:
    inline = [f for f in site_flows(get_registry(), DEMO_KEY, page=request.path) if f.entry.trigger == "inline"]
    wanted = session.get("lang")
    lang = wanted if isinstance(wanted, str) and wanted in LANGUAGES else "en"
    return {"page_lang": lang, "page_dir": direction(lang), "gettext": _words(lang),
            "money": money, "categories": list(CATEGORIES),
            "category_slug": slug, "cart_count": sum(read_cart().values()), "free_shipping": FREE_SHIPPING,
            "inline_flows": inline, "shopper": account.shopper(), "identify": account.identify_once()}


def _words(lang: str) -> Any:
    """The page's `gettext`: the shop's own words in the page's language, through the one catalogue."""
    return gettext_from(lambda text: translated(text, lang))


def _site() -> Site:
    try:
        return get_site_by_key(session=get_session(), key=DEMO_KEY)
    except NotFound:
        raise DemoMissing from None


def _products(site: Site) -> list[Product]:
    return list_products(session=get_session(), site=site)


def _product(site: Site, sku: str) -> Product:
    try:
        return get_product(session=get_session(), site=site, sku=sku)
    except NotFound:
        abort(404)


def _in_category(products: Iterable[Product], name: str) -> list[Product]:
    return [p for p in products if name in p.categories]


def _sorted(products: list[Product], sort: str) -> list[Product]:
    keys: dict[str, Any] = {
        "popular": lambda p: (not p.in_stock, -p.popularity),
        "rating": lambda p: (not p.in_stock, -(p.rating or 0)),
        "price-asc": lambda p: (not p.in_stock, p.price_minor),
        "price-desc": lambda p: (not p.in_stock, -p.price_minor),
    }
    return sorted(products, key=keys.get(sort, keys["popular"]))


@shop.get("/")
def home() -> str:
    """The front page: categories and bestsellers."""
    products = _products(_site())
    tiles = []
    for name, tagline in CATEGORIES.items():
        members = _sorted(_in_category(products, name), "popular")
        if members:
            tiles.append({"name": name, "slug": slug(name), "tagline": tagline,
                          "count": len(members), "image": members[0]})
    bestsellers = _sorted([p for p in products if p.in_stock], "popular")[:8]
    hero = next((p for p in bestsellers if "Running shoes" in p.categories), None)
    return render_template("demo/home.html", tiles=tiles, bestsellers=bestsellers, hero=hero)


@shop.get("/category/<name>")
def category(name: str) -> str:
    """Every product of one category, sorted as asked."""
    title = next((c for c in CATEGORIES if slug(c) == name), None)
    if title is None:
        abort(404)
    sort = request.args.get("sort", "popular")
    products = _sorted(_in_category(_products(_site()), title), sort)
    return render_template("demo/category.html", title=title, slug=name, tagline=CATEGORIES[title],
                           products=products, sort=sort if sort in SORTS else "popular", sorts=SORTS)


@shop.get("/search")
def search() -> str:
    """Products whose title or description holds every word of the query."""
    query = request.args.get("q", "").strip()[:100]
    words = query.lower().split()
    found = [p for p in _products(_site())
             if words and all(w in f"{p.title} {p.description}".lower() for w in words)]
    return render_template("demo/search.html", query=query, products=_sorted(found, "popular"))


@shop.get("/product/<sku>")
def product(sku: str) -> str:
    """One product with its details, structured data and related items."""
    site = _site()
    item = _product(site, sku)
    related = [p for p in _sorted(_in_category(_products(site), item.categories[0]), "popular")
               if p.sku != item.sku and p.in_stock][:4] if item.categories else []
    return render_template("demo/product.html", product=item, related=related,
                           details=_details(item), structured=_structured_data(item))


@shop.get("/img/<sku>.svg")
def image(sku: str) -> Response:
    """The product's illustration."""
    svg = product_svg(_product(_site(), sku))
    response = Response(svg, mimetype="image/svg+xml")
    response.cache_control.public = True
    response.cache_control.max_age = 86400
    return response


@shop.get("/cart")
def cart() -> str | BaseResponse:
    """The cart with totals and the free-shipping gap; `?assistant_basket=<token>` (a reminder's link) restores
    that basket's items into it first."""
    site = _site()
    token = request.args.get("assistant_basket")
    if token is not None:
        return _restore(site, token)
    lines = cart_lines(_products(site))
    amounts = totals(lines)
    added = request.args.get("added")
    return render_template("demo/cart.html", lines=lines, gap=max(0.0, FREE_SHIPPING - amounts["subtotal"]),
                           added=next((line.product for line in lines if line.product.sku == added), None),
                           tracked=_basket(lines, amounts["subtotal"], site.currency),
                           restored=request.args.get("restored") == "1", **amounts)


def _restore(site: Site, token: str) -> BaseResponse:
    """Refill the cart from the reminder's basket, then show the cart without the token in the address."""
    restored = basket_lines(session=get_session(), site=site, secret_key=current_app.config["SECRET_KEY"],
                            token=token)
    known = {p.sku for p in _products(site) if p.in_stock}
    save_cart(merged(read_cart(), restored, known=known, max_quantity=MAX_QUANTITY, max_lines=MAX_LINES))
    return redirect(url_for("shop.cart", restored=1), code=303)


@shop.route("/account", methods=["GET", "POST"])
def account_page() -> str | BaseResponse | tuple[str, int]:
    """Sign in with an e-mail address and a marketing-consent choice (no password: a demo); then back to the shop."""
    if request.method == "GET":
        return render_template("demo/account.html", form={}, error=None)
    email, consent = request.form.get("email", "")[:300], request.form.get("consent") == "yes"
    try:
        account.sign_in(email, consent)
    except Invalid as exc:
        return render_template("demo/account.html", form={"email": email, "consent": consent},
                               error=exc.message), 400
    return redirect(url_for("shop.cart") if read_cart() else url_for("shop.home"), code=303)


@shop.post("/account/sign-out")
def sign_out() -> BaseResponse:
    """Sign out of the demo shop."""
    account.sign_out()
    return redirect(url_for("shop.home"), code=303)


@shop.post("/cart/add")
def cart_add() -> BaseResponse:
    """Add a product to the cart."""
    item = _product(_site(), request.form.get("sku", ""))
    if not item.in_stock:
        abort(404)
    cart = read_cart()
    if item.sku in cart or len(cart) < MAX_LINES:
        cart[item.sku] = min(MAX_QUANTITY, cart.get(item.sku, 0) + quantity(request.form.get("quantity")))
    save_cart(cart)
    return redirect(url_for("shop.cart", added=item.sku), code=303)


@shop.post("/cart/update")
def cart_update() -> BaseResponse:
    """Change a line's quantity; zero removes it."""
    cart = read_cart()
    sku = request.form.get("sku", "")
    wanted = quantity(request.form.get("quantity"), allow_zero=True)
    if sku in cart:
        if wanted:
            cart[sku] = wanted
        else:
            del cart[sku]
    save_cart(cart)
    return redirect(url_for("shop.cart"), code=303)


@shop.post("/cart/remove")
def cart_remove() -> BaseResponse:
    """Remove a line from the cart."""
    cart = read_cart()
    cart.pop(request.form.get("sku", ""), None)
    save_cart(cart)
    return redirect(url_for("shop.cart"), code=303)


@shop.get("/checkout")
def checkout() -> BaseResponse | str:
    """The checkout form."""
    lines = cart_lines(_products(_site()))
    if not lines:
        return redirect(url_for("shop.cart"))
    who = account.shopper()
    return render_template("demo/checkout.html", lines=lines, errors={}, form={"email": who["email"]} if who else {},
                           **totals(lines))


@shop.post("/checkout")
def place_order() -> str:
    """Check the form and 'place' the order: the demo only says thank you."""
    site = _site()
    lines = cart_lines(_products(site))
    form = {k: request.form.get(k, "").strip()[:200] for k in ("name", "email", "address", "city")}
    errors = {k: "Please fill this in." for k, v in form.items() if not v}
    if form["email"] and "@" not in form["email"]:
        errors["email"] = "Please enter an e-mail address like you@example.com."
    if errors or not lines:
        return render_template("demo/checkout.html", lines=lines, errors=errors, form=form, **totals(lines))
    order = "TH-" + secrets.token_hex(3).upper()
    amounts = totals(lines)
    save_cart({})
    purchase = {"order_id": order, **_basket(lines, amounts["total"], site.currency)}
    return render_template("demo/thanks.html", order=order, name=form["name"], email=form["email"],
                           purchase=purchase, **amounts)


def _basket(lines: list[CartLine], value: float, currency: str) -> dict[str, Any]:
    """A cart or order as the widget reads it from the page: {items: [{sku, quantity, price}], value, currency}."""
    return {"items": [{"sku": line.product.sku, "quantity": line.quantity, "price": round(line.product.price, 2)}
                      for line in lines],
            "value": round(value, 2), "currency": currency}


LABELS = {"volume_l": ("Volume", " l"), "weight_g": ("Weight", " g"), "drop_mm": ("Drop", " mm"),
          "waterproofing_mm": ("Waterproofing", " mm"), "capacity_ml": ("Capacity", " ml"),
          "volume_ml": ("Volume", " ml"), "length_cm": ("Length", " cm"), "lumens": ("Brightness", " lm"),
          "gender": ("Fit", ""), "fit": ("Fit", ""), "pack_size": ("Pairs", "")}


def _details(product: Product) -> list[tuple[str, str]]:
    """The product's attributes as (label, value) rows for the spec table."""
    rows = []
    for name, value in product.attributes.items():
        if name == "brand":
            continue
        label, unit = LABELS.get(name, (name.replace("_", " ").capitalize(), ""))
        if isinstance(value, int | float) and not isinstance(value, bool):
            rows.append((label, f"{value:,}{unit}"))
        else:
            items = value if isinstance(value, list) else [value]
            text = ", ".join(str(v).replace("-", " ") for v in items)
            rows.append((label, text[:1].upper() + text[1:]))
    return rows


def _structured_data(product: Product) -> dict[str, Any]:
    """schema.org Product data for the page's JSON-LD block."""
    data: dict[str, Any] = {
        "@context": "https://schema.org", "@type": "Product", "sku": product.sku,
        "name": product.title, "description": product.description,
        "image": url_for("shop.image", sku=product.sku, _external=True),
        "offers": {"@type": "Offer", "price": str(from_minor(product.price_minor, product.currency)),
                   "priceCurrency": product.currency,
                   "availability": "https://schema.org/" + ("InStock" if product.in_stock else "OutOfStock"),
                   "url": url_for("shop.product", sku=product.sku, _external=True)},
    }
    if product.attributes.get("brand"):
        data["brand"] = {"@type": "Brand", "name": str(product.attributes["brand"])}
    if product.rating is not None:
        data["aggregateRating"] = {"@type": "AggregateRating", "ratingValue": product.rating, "bestRating": 5}
    return data
