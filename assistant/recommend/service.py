"""recommend_for: the placements of a shop, blending strategies with fallback and applying business rules.

Every placement asks its chain for more candidates than it shows, then keeps products that are in
stock, not in the cart, not just bought and not the product on the page; applies the merchandiser
rules; drops near-duplicates; and, on checkout, puts items that close the free-shipping gap first
and keeps only low-priced add-ons. Products come from the bundle's catalog snapshot and a cached
set of sold-out SKUs, so serving a strip queries no product table.
"""

from __future__ import annotations

import os
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field

from assistant.catalog.money import format_price, to_minor
from assistant.errors import Invalid
from assistant.recommend.base import Context, Reason, Scored
from assistant.recommend.catalog_view import CatalogItem
from assistant.recommend.chain import recommend_sequential
from assistant.recommend.effects import Effects
from assistant.recommend.merch import Rule
from assistant.recommend.serving import Bundle
from assistant.recommend.shopper import Shopper
from assistant.recommend.similar import ContentSimilar

OVERFETCH = 4
NEAR_DUPLICATE = 0.9
ADD_ON_SHARE = 0.25  # checkout add-ons cost at most this share of the cart (and at least ADD_ON_FLOOR)
ADD_ON_FLOOR = 20.0


@dataclass(frozen=True)
class Placement:
    """Where a strip is shown, its heading, and the strategies it asks in order."""

    name: str
    title: str
    chain: tuple[str, ...]


PLACEMENTS = {p.name: p for p in (
    Placement("home", "Picked for you", ("session", "trending", "popular")),
    Placement("product", "You might also like", ("together", "session", "similar", "popular")),
    Placement("cart", "Complete your order", ("basket", "together", "session", "popular")),
    Placement("checkout", "Add to your order", ("basket", "together", "popular")),
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
                  currency: str = "EUR") -> RecResult:
    """Up to `n` products for `placement`, each with the reason it was chosen."""
    result = RecResult("r_" + os.urandom(8).hex(), placement.name, placement.title)  # as random as uuid4, 5x cheaper
    if bundle is None:
        return result
    context = Context(session=shopper.recent, cart=shopper.cart, viewing=shopper.viewing)
    banned = set(shopper.cart) | set(shopper.bought) | ({shopper.viewing} if shopper.viewing else set())
    models = [m for m in (bundle.get(name) for name in placement.chain) if m is not None]
    scored = recommend_sequential(models, context, n=n * OVERFETCH, exclude=banned)
    pins = [r.sku for r in rules if r.action == "pin" and r.applies(placement.name) and r.sku not in banned]
    # sold-out items are dropped after the chain (over-fetching covers them): handing thousands of
    # SKUs to every strategy as exclusions cost more than the scoring itself
    scored = [s for s in scored if s.item_id not in sold_out]
    pins = [sku for sku in pins if sku not in sold_out]
    ranked = _apply_rules(scored, _effects(bundle, rules, placement.name), pins)
    if placement.name == "checkout":
        value = shopper.cart_value
        if value is None:
            value = sum(bundle.catalog[s].price for s in shopper.cart if s in bundle.catalog)
        ranked = _checkout(ranked, value, free_shipping, currency)
    similar = bundle.get("similar")
    chosen = _diverse(ranked, similar if isinstance(similar, ContentSimilar) else None, n)
    result.items = _name_sources(bundle.catalog, chosen)
    return result


def _effects(bundle: Bundle, rules: Sequence[Rule], placement: str) -> Effects[CatalogItem]:
    """The rule effects of `placement` remembered in the bundle, while `rules` is the same list."""
    known = bundle.memo.get(("effects", placement))
    if known is None or known[0] is not rules:
        known = (rules, Effects(rules, placement, bundle.catalog))  # holds `rules`, so `is` never meets a reused id
        bundle.memo[("effects", placement)] = known
    return known[1]


def _apply_rules(scored: list[Scored], effects: Effects[CatalogItem],
                 pins: list[str]) -> list[tuple[CatalogItem, Reason]]:
    """The scored items the rules keep, reordered by their boosts and buries (weight 1 / (1 + position)), pins first."""
    found = [(position, hit, item.reason) for position, item in enumerate(scored)
             if (hit := effects.of(item.item_id)) is not None]
    if any(factors for _, (_, factors), _ in found):  # otherwise the weights fall with the position already
        weighted = []
        for position, (product, factors), reason in found:
            weight = 1.0 / (1 + position)
            for factor in factors:  # one at a time, in rule order, so weights tie exactly as they always did
                weight *= factor
            weighted.append((-weight, position, product, reason))
        weighted.sort(key=lambda w: (w[0], w[1]))
        ranked = [(product, reason) for _, _, product, reason in weighted]
    else:
        ranked = [(product, reason) for _, (product, _), reason in found]
    pinned = [(effects.catalog[sku], Reason("pinned", "Our pick")) for sku in pins if sku in effects.catalog]
    if not pinned:
        return ranked
    pinned_skus = {p.sku for p, _ in pinned}
    return pinned + [(p, r) for p, r in ranked if p.sku not in pinned_skus]


def _checkout(ranked: list[tuple[CatalogItem, Reason]], cart_value: float, threshold: float | None,
              currency: str) -> list[tuple[CatalogItem, Reason]]:
    """Items that close the free-shipping gap first (cheapest that does), then low-priced add-ons."""
    closers: list[tuple[CatalogItem, Reason]] = []
    if threshold is not None and 0 < threshold - cart_value:
        gap = threshold - cart_value
        fitting = sorted((p for p, _ in ranked if p.price >= gap), key=lambda p: p.price)[:1]
        text = f"Adds {format_price(to_minor(round(gap, 2), currency), currency)} to reach free shipping"
        closers = [(p, Reason("closes_gap", text)) for p in fitting]
    ceiling = max(ADD_ON_FLOOR, ADD_ON_SHARE * cart_value)
    taken = {p.sku for p, _ in closers}
    add_ons = [(p, r) for p, r in ranked if p.price <= ceiling and p.sku not in taken]
    return closers + add_ons


def _diverse(ranked: list[tuple[CatalogItem, Reason]], similar: ContentSimilar | None,
             n: int) -> list[tuple[CatalogItem, Reason]]:
    """Skip items nearly identical to one already chosen (e.g. the same shoe in another cut)."""
    chosen: list[tuple[CatalogItem, Reason]] = []
    near: set[str] = set()
    for product, reason in ranked:
        if product.sku in near:
            continue
        chosen.append((product, reason))
        if len(chosen) == n:
            break
        if similar is not None:
            near.update(similar.near_duplicates(product.sku, NEAR_DUPLICATE))
    return chosen


_SOURCE_TEXT = {"bought_together": "Often bought with {}", "similar": "Similar to {}",
                "next_viewed": "Often viewed after {}"}


def _name_sources(catalog: dict[str, CatalogItem],
                  chosen: list[tuple[CatalogItem, Reason]]) -> list[tuple[CatalogItem, Reason]]:
    """Put the title of the item behind a reason into its text ("Often bought with Trail Runner 3")."""
    named = []
    for product, reason in chosen:
        source = catalog.get(reason.source_item or "")
        if source is not None and reason.kind in _SOURCE_TEXT:
            reason = Reason(reason.kind, _SOURCE_TEXT[reason.kind].format(source.title), reason.source_item)
        named.append((product, reason))
    return named
