"""recommend_for: the placements of a shop, blending strategies with fallback and applying business rules.

Every placement asks its chain for more candidates than it shows, then keeps products that are in
stock, not in the cart, not just bought and not the product on the page; applies the merchandiser
rules; drops near-duplicates; and, on checkout, puts items that close the free-shipping gap first
and keeps only low-priced add-ons. Products come from the bundle's catalog snapshot and a cached
set of sold-out SKUs, so serving a strip queries no product table.
"""

from __future__ import annotations

import math
import os
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from typing import Any

from assistant.catalog.index import CatalogIndex
from assistant.catalog.money import DEFAULT_LOCALE, format_price, to_minor
from assistant.errors import Invalid
from assistant.flows.quiz import replay
from assistant.flows.schema import Flow
from assistant.merchandising.rules import Rule
from assistant.merchandising.weights import rule_weight
from assistant.recommend.base import Context, Reason, Scored, Strategy
from assistant.recommend.catalog_view import CatalogItem
from assistant.recommend.chain import recommend_sequential
from assistant.recommend.effects import Effects
from assistant.recommend.quiz_match import QuizMatch, snapshot_mask
from assistant.recommend.serving import Bundle
from assistant.recommend.shopper import Shopper
from assistant.recommend.similar import ContentSimilar
from assistant.recommend.wording import N_

OVERFETCH = 4
SHORT_FETCH = 2  # first try, where the order of the candidates is final (see recommend_for)
NEAR_DUPLICATE = 0.9
ADD_ON_SHARE = 0.25  # checkout add-ons cost at most this share of the cart (and at least ADD_ON_FLOOR)
ADD_ON_FLOOR = 20.0
PAGE_STRIPS = 10_000
"""Strips kept per bundle for shoppers known by their page alone (the same cart, the same strip), oldest out first."""


@dataclass(frozen=True)
class Placement:
    """Where a strip is shown, its heading, and the strategies it asks in order."""

    name: str
    title: str
    chain: tuple[str, ...]
    diverse: bool = True
    """Whether near-identical products are dropped (not from a shopper's own history)."""


PLACEMENTS = {p.name: p for p in (
    Placement("home", N_("Picked for you"), ("quiz", "session", "trending", "popular")),
    Placement("product", N_("You might also like"), ("together", "session", "similar", "popular")),
    Placement("cart", N_("Complete your order"), ("basket", "together", "session", "popular")),
    Placement("checkout", N_("Add to your order"), ("basket", "together", "popular")),
    Placement("recent", N_("Recently viewed"), ("recent",), diverse=False),
)}


@dataclass
class RecResult:
    """The strip to show: an id for attribution, its heading, products with one reason each."""

    rec_id: str
    placement: str
    title: str
    items: list[tuple[CatalogItem, Reason]] = field(default_factory=list)


def placement_named(name: str) -> Placement:
    """The placement `name`, or Invalid naming the known ones."""
    if name not in PLACEMENTS:
        raise Invalid(f"must be one of: {', '.join(PLACEMENTS)}", field="placement")
    return PLACEMENTS[name]


def recommend_for(*, bundle: Bundle | None, placement: Placement, shopper: Shopper, n: int,
                  sold_out: Collection[str] = (), rules: Sequence[Rule] = (), free_shipping: float | None = None,
                  currency: str = "EUR", quiz_flow: Flow | None = None,
                  catalog: CatalogIndex | None = None, price_locale: str = DEFAULT_LOCALE) -> RecResult:
    """Up to `n` products for `placement`, each with the reason it was chosen.

    `quiz_flow` is a live flow of `shopper.quizzes`: a placement whose chain starts with "quiz" ranks
    the site's `catalog` index (required with `quiz_flow`) for those answers while the shopper has no
    history. `price_locale` is the locale the free-shipping gap's price is written in (the page's).
    """
    result = RecResult("r_" + os.urandom(8).hex(), placement.name, placement.title)  # as random as uuid4, 5x cheaper
    if bundle is None:
        return result
    viewed = bundle.catalog.get(shopper.viewing) if shopper.viewing else None
    context = Context(session=shopper.recent, cart=shopper.cart, viewing=shopper.viewing,
                      category=viewed.categories[0] if viewed is not None and viewed.categories else None)
    banned = set(shopper.cart) | set(shopper.bought) | ({shopper.viewing} if shopper.viewing else set())
    quiz = _quiz(bundle, shopper, quiz_flow, catalog) if "quiz" in placement.chain and not context.sequence else None
    models = [m for m in (quiz if name == "quiz" else bundle.get(name) for name in placement.chain) if m is not None]
    pins = [r.sku for r in rules if r.action == "pin" and r.applies(placement.name) and r.sku not in banned]
    pins = [sku for sku in pins if sku not in sold_out]
    effects = _effects(bundle, rules, placement.name, shopper.segment)
    similar = bundle.get("similar")
    near = similar if isinstance(similar, ContentSimilar) and placement.diverse else None
    # a strip the same for every shopper of the segment, if it is one
    cold = _cold_key(models, context, banned, placement.name, n, shopper.segment)
    page = _page_key(shopper, placement.name, n) if cold is None and quiz is None else None
    kept = bundle.memo.get(cold) if cold is not None else _page_strips(bundle).get(page) if page else None
    if kept is not None and kept[0] is sold_out and kept[1] is rules and kept[2] == pins:
        result.items = list(kept[3])
        return result
    checkout = placement.name == "checkout"
    # A short fetch first: the chain's answer for fewer items is a prefix of its answer for more, and a
    # candidate past the prefix weighs at most max_factor / (1 + its position), so once the picks all weigh
    # more than that they are the picks of the full over-fetch. Checkout's gap closer is the cheapest
    # fitting item of all the candidates, so checkout always fetches them all.
    for fetch in (n * OVERFETCH,) if checkout else (n * SHORT_FETCH, n * OVERFETCH):
        scored = recommend_sequential(models, context, n=fetch, exclude=banned)
        exhausted = len(scored) < fetch
        # sold-out items are dropped after the chain (over-fetching covers them): handing thousands of
        # SKUs to every strategy as exclusions cost more than the scoring itself
        scored = [s for s in scored if s.item_id not in sold_out]
        ranked, weights = _apply_rules(scored, effects, pins)
        if checkout:
            value = shopper.cart_value
            if value is None:
                value = sum(bundle.catalog[s].price for s in shopper.cart if s in bundle.catalog)
            ranked = _checkout(ranked, value, free_shipping, currency, price_locale)
        picks = _diverse(ranked, near, n)
        if exhausted or checkout:
            break
        outweighed = effects.max_factor / (1 + len(scored)) * (1 + 1e-9)  # the margin covers rounding
        if len(picks) == n and weights[picks[-1]] > outweighed:
            break
    result.items = _name_sources(bundle.catalog, [ranked[i] for i in picks])
    if cold is not None:
        bundle.memo[cold] = (sold_out, rules, pins, tuple(result.items))
    elif page is not None:
        strips = _page_strips(bundle)
        strips[page] = (sold_out, rules, pins, tuple(result.items))
        if len(strips) > PAGE_STRIPS:
            strips.pop(next(iter(strips)), None)
    return result


def _quiz(bundle: Bundle, shopper: Shopper, flow: Flow | None, catalog: CatalogIndex | None) -> QuizMatch | None:
    if flow is None:
        return None
    if catalog is None:
        raise ValueError("recommend_for needs the site's catalog index with a quiz flow")
    stored = next((answers for flow_id, answers in shopper.quizzes if flow_id == flow.id), None)
    answers = replay(flow, stored) if stored is not None else []
    return QuizMatch(flow, answers, catalog, snapshot_mask(bundle, catalog)) if answers else None


def _cold_key(models: Sequence[Strategy | QuizMatch], context: Context, banned: set[str], placement: str,
              n: int, segment: str | None) -> tuple[str, str, int, str | None, str | None] | None:
    """The memo key of a strip that is the same for every shopper, or None.

    When no strategy knows a product of the context or of the exclusions, the chain gives everyone
    the same (its popularity heads), and so does every step after it but checkout's, which reads the
    cart's value. Such a strip is kept per placement (and segment: its rules may differ) while the stock and
    the rules stay the same.
    """
    if placement == "checkout":
        return None
    given = banned.union(context.sequence)
    if any(model.knows_any(given) for model in models):
        return None
    return ("cold strip", placement, n, context.category, segment)


def _page_key(shopper: Shopper, placement: str, n: int) -> tuple[str, int, tuple[str, ...], str | None,
                                                                  str | None] | None:
    """The key of a strip that depends on the page alone (cart, product, segment), or None.

    A shopper without history (recent views, orders) and without a quiz in play gets a strip worked
    out from the page only: shoppers with the same cart get the same strip while the stock and the
    rules stay the same objects. Carts repeat (the popular products of a category), so a few thousand
    kept strips answer many requests. Checkout reads the cart's value and is left out.
    """
    if placement == "checkout" or shopper.recent or shopper.bought:
        return None
    return placement, n, shopper.cart, shopper.viewing, shopper.segment


def _page_strips(bundle: Bundle) -> dict[Any, tuple[object, object, list[str], tuple[tuple[CatalogItem, Reason], ...]]]:
    strips = bundle.memo.get("page strips")
    if strips is None:
        strips = bundle.memo["page strips"] = {}
    return strips


def _effects(bundle: Bundle, rules: Sequence[Rule], placement: str, segment: str | None) -> Effects[CatalogItem]:
    """The rule effects of `placement` remembered in the bundle, while `rules` (the segment's) is the same list."""
    known = bundle.memo.get(("effects", placement, segment))
    if known is None or known[0] is not rules:
        known = (rules, Effects(rules, placement, bundle.catalog))  # holds `rules`, so `is` never meets a reused id
        bundle.memo[("effects", placement, segment)] = known
    return known[1]


def _apply_rules(scored: list[Scored], effects: Effects[CatalogItem],
                 pins: list[str]) -> tuple[list[tuple[CatalogItem, Reason]], list[float]]:
    """The scored items the rules keep, pins first, then by weight: 1 / (1 + position) times the factors of
    the boosts and buries a product matches (ties: by position). Also the weight of each (pins: infinite).
    """
    found = [(position, hit, item.reason) for position, item in enumerate(scored)
             if (hit := effects.of(item.item_id)) is not None]
    if any(factors for _, (_, factors), _ in found):
        weighted = [(rule_weight(position, factors), position, product, reason)
                    for position, (product, factors), reason in found]
        weighted.sort(key=lambda w: (-w[0], w[1]))
    else:  # the weights fall with the position already
        weighted = [(1.0 / (1 + position), position, product, reason) for position, (product, _), reason in found]
    if pins:
        pinned = [(effects.catalog[sku], Reason("pinned", N_("Our pick"))) for sku in pins if sku in effects.catalog]
        pinned_skus = {p.sku for p, _ in pinned}
        rest = [w for w in weighted if w[2].sku not in pinned_skus]
        return (pinned + [(product, reason) for _, _, product, reason in rest],
                [math.inf] * len(pinned) + [weight for weight, _, _, _ in rest])
    return [(product, reason) for _, _, product, reason in weighted], [weight for weight, _, _, _ in weighted]


def _checkout(ranked: list[tuple[CatalogItem, Reason]], cart_value: float, threshold: float | None,
              currency: str, locale: str = DEFAULT_LOCALE) -> list[tuple[CatalogItem, Reason]]:
    """Items that close the free-shipping gap first (cheapest that does), then low-priced add-ons."""
    closers: list[tuple[CatalogItem, Reason]] = []
    if threshold is not None and 0 < threshold - cart_value:
        gap = threshold - cart_value
        fitting = sorted((p for p, _ in ranked if p.price >= gap), key=lambda p: p.price)[:1]
        # Translators: {} is the price still missing for free shipping ("€10.00")
        closes = Reason.filled("closes_gap", N_("Adds {} to reach free shipping"),
                               format_price(to_minor(gap, currency), currency, locale))
        closers = [(p, closes) for p in fitting]
    ceiling = max(ADD_ON_FLOOR, ADD_ON_SHARE * cart_value)
    taken = {p.sku for p, _ in closers}
    add_ons = [(p, r) for p, r in ranked if p.price <= ceiling and p.sku not in taken]
    return closers + add_ons


def _diverse(ranked: list[tuple[CatalogItem, Reason]], similar: ContentSimilar | None, n: int) -> list[int]:
    """Where the first `n` of `ranked` are that are not nearly identical to one chosen before (e.g. the same
    shoe in another cut)."""
    picks: list[int] = []
    near: set[str] = set()
    for index, (product, _) in enumerate(ranked):
        if product.sku in near:
            continue
        picks.append(index)
        if len(picks) == n:
            break
        if similar is not None and (twins := similar.near_duplicates(product.sku, NEAR_DUPLICATE)):
            near.update(twins)
    return picks


# Translators: {} is a product's name, as the shop's catalog writes it
_SOURCE_TEXT = {"bought_together": N_("Often bought with {}"), "similar": N_("Similar to {}"),
                "next_viewed": N_("Often viewed after {}")}


def _name_sources(catalog: dict[str, CatalogItem],
                  chosen: list[tuple[CatalogItem, Reason]]) -> list[tuple[CatalogItem, Reason]]:
    """Put the title of the item behind a reason into its text ("Often bought with Trail Runner 3")."""
    named = []
    for product, reason in chosen:
        source = catalog.get(reason.source_item or "")
        if source is not None and reason.kind in _SOURCE_TEXT:
            reason = Reason.filled(reason.kind, _SOURCE_TEXT[reason.kind], source.title, reason.source_item)
        named.append((product, reason))
    return named
