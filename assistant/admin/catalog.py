"""The catalog for merchandisers and marketers: the site's products, page by page; stock on or off by hand."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import abort, flash, g, redirect, render_template, request, url_for
from werkzeug.wrappers import Response as BaseResponse

from assistant.admin import admin_csp, bp
from assistant.admin.auth import login_required
from assistant.admin.campaigns import site_or_404
from assistant.admin.context import admin_site
from assistant.catalog.listing import StockFilter, product_page, stock_counts
from assistant.catalog.money import format_price
from assistant.catalog.stock import set_in_stock
from assistant.db import get_session, write_transaction
from assistant.errors import NotFound

STOCK_FILTERS: dict[str, StockFilter] = {"all": "all", "in": "in", "out": "out"}
CSP = admin_csp(img_src="'self' https: data:")
"""The admin's policy, but product images may come from the shop's own image host."""


@bp.get("/catalog")
@login_required("merchandiser", "marketer")
def catalog() -> tuple[str, int, dict[str, str]]:
    """The chosen site's products, 50 a page in SKU order, searched by SKU or title and filtered by stock."""
    site = admin_site()
    search = request.args.get("q", "").strip()
    stock = STOCK_FILTERS.get(request.args.get("stock", ""), "all")
    page = counts = None
    if site is not None:
        session = get_session()
        page = product_page(session=session, site=site, search=search, stock=stock,
                            after=request.args.get("after"), before=request.args.get("before"))
        counts = stock_counts(session=session, site=site)
    html = render_template("admin/catalog.html", site=site, page=page, counts=counts, search=search, stock=stock,
                           price=format_price, may_change=g.user.may("merchandiser"))
    return html, 200, {"Content-Security-Policy": CSP}


@bp.post("/catalog/stock")
@login_required("merchandiser")
def catalog_stock() -> BaseResponse:
    """Mark one product in or out of stock, then go back to the page it was marked on."""
    site = site_or_404()
    wanted = request.form.get("in_stock")
    if wanted not in ("0", "1"):
        abort(400)
    session = get_session()
    try:
        with write_transaction(session):
            product = set_in_stock(session=session, site=site, sku=request.form.get("sku", ""), in_stock=wanted == "1")
    except NotFound:
        abort(404)
    state = "in stock" if product.in_stock else "out of stock"
    flash(f"“{product.title}” ({product.sku}) is now {state}.", "ok")
    return redirect(f"{_back()}#product-{product.id}")


def _back() -> str:
    """The catalog page the form was posted from (only ever a catalog page of this admin)."""
    parts = urlsplit(request.form.get("back", ""))
    if parts.path == url_for("admin.catalog") and not parts.netloc and not parts.scheme:
        return f"{parts.path}?{parts.query}" if parts.query else parts.path
    return url_for("admin.catalog")
