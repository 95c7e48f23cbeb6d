"""What the assistant knows about the shopper for a recommendation: recent views, cart, recent orders, quiz."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session

from assistant.catalog.money import to_major
from assistant.insight.serving import customer_keys, figures_for
from assistant.sites.models import Site
from assistant.timeutil import as_utc
from assistant.tracking.models import Visitor
from assistant.tracking.reads import current_cart, find_visitor, purchases, quiz_answers, recent_views

BOUGHT_WINDOW = timedelta(days=30)


@dataclass(frozen=True)
class Shopper:
    """What is known about the shopper for this request."""

    recent: tuple[str, ...] = ()
    cart: tuple[str, ...] = ()
    cart_value: float | None = None
    """None: work it out from the catalog's prices."""
    bought: tuple[str, ...] = ()
    viewing: str | None = None
    quizzes: tuple[tuple[str, list[list[Any]]], ...] = ()
    """The flows the shopper answered, the last answered first, with the answers as stored; read only while
    there is no history to go on."""
    segment: str | None = None
    """The shopper's RFM segment from the nightly figures; looked up only when the site has rules for segments."""

    @classmethod
    def on_page(cls, *, cart: list[str], product: str | None) -> Shopper:
        """The shopper of a page that sends its cart (cart and checkout): the strip completes that cart, no history."""
        return cls(cart=tuple(cart), viewing=product)


def shopper_context(*, session: Session, site: Site, anon_id: str | None, product: str | None,
                    cart: list[str] | None, now: datetime, segmented: bool = False) -> Shopper:
    """Read the visitor's history (indexed lookups only) and the page's context into a Shopper.

    A page that sends its cart (the cart and checkout pages) needs no history: the strip completes that cart.
    `segmented`: the site has rules for segments, so the shopper's segment is wanted too (from memory).
    """
    if cart is not None:
        shopper = Shopper.on_page(cart=cart, product=product)
        if not (segmented and anon_id):
            return shopper
        visitor = find_visitor(session=session, site=site, anon_id=anon_id)
        return replace(shopper, segment=customer_segment(session=session, site=site, visitor=visitor))
    visitor = find_visitor(session=session, site=site, anon_id=anon_id) if anon_id else None
    recent: list[str] = []
    bought: list[str] = []
    stored_cart = None
    if visitor is not None:
        recent = list(reversed(recent_views(session=session, site=site, visitor=visitor, limit=20)))
        stored_cart = current_cart(session=session, site=site, visitor=visitor)
        for order in purchases(session=session, site=site, visitor=visitor, limit=10):
            if as_utc(order.occurred_at) >= now - BOUGHT_WINDOW:
                bought.extend(line["sku"] for line in order.data.get("items", []))
    cart_skus = [line["sku"] for line in stored_cart.items] if stored_cart else []
    value = to_major(stored_cart.value_minor, stored_cart.currency) if stored_cart else 0.0
    quizzes: tuple[tuple[str, list[list[Any]]], ...] = ()
    if visitor is not None and not (recent or cart_skus or bought):  # answers are the signal before any history
        quizzes = tuple(reversed(quiz_answers(session=session, site=site, visitor=visitor).items()))
    segment = customer_segment(session=session, site=site, visitor=visitor) if segmented else None
    return Shopper(recent=tuple(recent), cart=tuple(cart_skus), cart_value=value, bought=tuple(bought),
                   viewing=product, quizzes=quizzes, segment=segment)


def customer_segment(*, session: Session, site: Site, visitor: Visitor | None) -> str | None:
    """The visitor's RFM segment as of the last nightly run, from this process's figures (no per-request query);
    None for a visitor the run did not know."""
    if visitor is None or visitor.id is None:
        return None
    found = figures_for(session=session, site_id=site.pk,
                        keys=customer_keys(customer_id=visitor.customer_id, visitor_ids=[visitor.id]))
    return found.segment if found is not None else None
