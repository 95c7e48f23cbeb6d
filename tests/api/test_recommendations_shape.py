"""The strip's JSON text is what jsonify would write, though each product is encoded once."""

from __future__ import annotations

from flask import Flask, jsonify

from assistant.api.shapes import strip_json
from assistant.recommend.base import Reason
from assistant.recommend.catalog_view import CatalogItem
from assistant.recommend.service import RecResult


def item(sku: str, title: str, rating: float | None) -> CatalogItem:
    return CatalogItem(sku, title, f"/p/{sku}", "", 12.5, "EUR", ("Shoes", "Trail"), rating, {})


def test_strip_json_is_what_jsonify_writes() -> None:
    result = RecResult("r_0123456789abcdef", "cart", 'Complete your "order"', [
        (item("shoe-ä", "Trail Runner – 3 \\ \"wide\"", 4.5), Reason("bought_together", "Often bought with Søk 🧦")),
        (item("sock-1", "Sock", None), Reason("popular", "Popular with other shoppers")),
    ])
    expected = {"rec": result.rec_id, "placement": result.placement, "title": result.title,
                "items": [{"product": p.public(), "reason": {"kind": r.kind, "text": r.text}} for p, r in result.items]}
    with Flask(__name__).app_context():
        assert strip_json(result) == jsonify(expected).get_data(as_text=True)


def test_an_empty_strip_is_valid_json() -> None:
    with Flask(__name__).app_context():
        assert strip_json(RecResult("r_1", "home", "Picked for you")) == jsonify(
            {"rec": "r_1", "placement": "home", "title": "Picked for you", "items": []}).get_data(as_text=True)
