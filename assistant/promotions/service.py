"""choose: the promotions a visitor sees on a placement now, ranked, capped, assigned and rendered."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlmodel import Session

from assistant.catalog.index import CatalogIndex, build_index
from assistant.catalog.models import Product
from assistant.catalog.money import to_major, to_minor
from assistant.errors import Invalid
from assistant.i18n.catalogue import translated
from assistant.promotions.attention import room_for
from assistant.promotions.caps import capped, dismissed
from assistant.promotions.events import ref_for
from assistant.promotions.gap import Shown, available, free_shipping_gap, gap_candidates, gap_product
from assistant.promotions.history import History, load_history
from assistant.promotions.live import CampaignCache, LiveCampaign, LiveVariant
from assistant.promotions.models import PLACEMENTS, VariantIn
from assistant.promotions.money import from_minor
from assistant.promotions.reads import products
from assistant.promotions.render import MessageContext, Rendered, TemplateProblem, check_template, render_message
from assistant.promotions.settings import PromoSettings, get_settings
from assistant.promotions.snapshot import VisitorSnapshot
from assistant.promotions.variants import assign, bucket, kept, pick_share
from assistant.rawsql import RawSQL
from assistant.sites.models import Site

if TYPE_CHECKING:
    from assistant.catalog.indexes import CatalogIndexes

CAMPAIGNS = CampaignCache()
"""The process-wide cache of compiled live campaigns (safe to share: it revalidates on every call)."""


@dataclass(frozen=True)
class Chosen:
    """A promotion to show, or a control exposure (`control`: render nothing, report the impression)."""

    campaign_id: int
    ref: str
    variant: str
    placement: str
    control: bool = False
    html: str = ""
    text: str = ""
    cta: dict[str, str] = field(default_factory=dict)
    items: tuple[dict[str, Any], ...] = ()

    def to_json(self) -> dict[str, Any]:
        """The shape the widget receives."""
        return {"ref": self.ref, "campaign": self.campaign_id, "variant": self.variant, "placement": self.placement,
                "control": self.control, "html": self.html, "text": self.text, "cta": self.cta,
                "items": list(self.items)}


def choose(*, session: Session, site: Site, placement: str, snapshot: VisitorSnapshot, now: datetime,
           slots: int | None = None, recommended: Sequence[Product] | None = None,
           cache: CampaignCache = CAMPAIGNS, catalogs: CatalogIndexes | None = None) -> list[Chosen]:
    """The best matching live campaign per slot of `placement` (slots default to the site's setting).

    `now` must be timezone-aware. `recommended` are products the caller already picked for this
    visitor (they fill `items`; without them the visitor's recently viewed products do). The product
    that closes the free-shipping gap comes from the site's index in `catalogs` (a server passes its
    process's indexes; without them an index is read for the call, which only suits tests and scripts).
    """
    if placement not in PLACEMENTS:
        raise Invalid(f"must be one of: {', '.join(PLACEMENTS)}", field="placement")
    if now.tzinfo is None:
        raise ValueError("choose needs a timezone-aware `now`")
    live = cache.live(session=session, site=site)
    settings = live.settings
    wanted = settings.slots_for(placement) if slots is None else slots
    matching = [c for c in live.campaigns if c.shows_on(placement) and c.runs_at(now) and c.matches(snapshot)]
    if wanted <= 0 or not matching:
        return []
    history = load_history(session=session, site=site, visitor_ids=snapshot.visitor_ids,
                           controls=live.controls,
                           extra_types=settings.interruption_types())
    wanted = min(wanted, room_for(placement, attention=settings.attention, history=history,
                                  visit_id=snapshot.visit_id))
    chosen: list[Chosen] = []
    context = _LazyContext(session, site, snapshot, settings, recommended, catalogs)
    for campaign in matching:
        if len(chosen) >= wanted:
            break
        if _held_back(campaign, history, snapshot, now, settings):
            continue
        variant = _assigned(campaign, history, site.pk, snapshot.anon_id)
        if variant is None:
            continue
        shown = _show(campaign, variant, placement, context)
        if shown is not None:
            chosen.append(shown)
    return chosen


def _assigned(campaign: LiveCampaign, history: History, site_id: int, visitor: str) -> LiveVariant | None:
    """The visitor's variant: by the weights' hash; under a bandit, the first one shown, else by the current shares."""
    if campaign.allocation != "bandit":
        return assign(campaign.variants, site_id=site_id, campaign_id=campaign.id, visitor=visitor)
    shown = history.of(campaign.id)
    first = kept(campaign.variants, campaign.shares, shown[0].variant if shown else None)
    return first or pick_share(campaign.variants, campaign.shares, bucket(site_id, campaign.id, visitor))


def _held_back(campaign: LiveCampaign, history: History, snapshot: VisitorSnapshot, now: datetime,
               settings: PromoSettings) -> bool:
    if capped(campaign.caps, campaign_id=campaign.id, history=history, visit_id=snapshot.visit_id, now=now,
              tz=campaign.tz):
        return True
    return dismissed(campaign_id=campaign.id, history=history, now=now, hours=settings.attention.hide_dismissed_hours)


def _show(campaign: LiveCampaign, variant: LiveVariant, placement: str, context: _LazyContext) -> Chosen | None:
    base = Chosen(campaign_id=campaign.id, ref=ref_for(campaign.id), variant=variant.key, placement=placement,
                  control=variant.control)
    if variant.control:
        return base
    message = context.get(with_items=variant.needs_items)
    default = context.args[1].default_locale  # the site's: for a page whose language has no catalogue
    words = translated(variant.message, message.locale, default)  # a broken translation: the marketer's text
    rendered = (words != variant.message and render_message(words, message)) or render_message(variant.message, message)
    if rendered is None:
        return None
    cta = {"kind": variant.cta_kind, "text": translated(variant.cta_text, message.locale, default),
           "url": variant.cta_url, "coupon": variant.coupon}
    items = tuple(context.items_json) if variant.needs_items else ()
    if variant.cta_kind == "products" and not items:
        return None  # a "see these products" call to action with no products is not shown
    return replace(base, html=rendered.html, text=rendered.text, cta=cta, items=items)


class _LazyContext:
    """The message context, built on first use; products are read only for a message that shows them."""

    def __init__(self, session: Session, site: Site, snapshot: VisitorSnapshot, settings: PromoSettings,
                 recommended: Sequence[Product] | None, catalogs: CatalogIndexes | None) -> None:
        self.args = (session, site, snapshot, settings, recommended)
        self.catalogs = catalogs
        self.plain: MessageContext | None = None
        self.full: MessageContext | None = None
        self.items_json: list[dict[str, Any]] = []

    def get(self, *, with_items: bool) -> MessageContext:
        """The context, with `items` filled when asked."""
        if not with_items:
            if self.plain is None:
                self.plain = message_context(*self.args, with_items=False, catalogs=self.catalogs)[0]
            return self.plain
        if self.full is None:
            self.full, products = message_context(*self.args, catalogs=self.catalogs)
            self.items_json = [_item_json(p) for p in products]
        return self.full


def message_context(session: Session, site: Site, snapshot: VisitorSnapshot, settings: PromoSettings,
                    recommended: Sequence[Product] | None = None, *, with_items: bool = True,
                    catalogs: CatalogIndexes | None = None) -> tuple[MessageContext, list[Shown]]:
    """The values a message sees for this visitor, and the products behind its `items` (if asked for;
    the gap's product from the site's index in `catalogs`, as `choose` says)."""
    currency = snapshot.currency
    threshold = settings.free_shipping_threshold
    gap = free_shipping_gap(snapshot.cart_value_minor, to_minor(threshold, currency) if threshold is not None
                            else None)
    products = _items(session, site, snapshot, gap, settings.max_items, recommended, catalogs) if with_items else []
    items = [{"title": p.title, "price": from_minor(p.price_minor, p.currency), "url": p.url} for p in products]
    return MessageContext(cart_total=from_minor(snapshot.cart_value_minor, currency),
                          free_shipping_gap=from_minor(gap, currency), currency=currency,
                          first_name=snapshot.first_name or "", items=items, price_style=settings.price_style,
                          locale=snapshot.locale), products


def _items(session: Session, site: Site, snapshot: VisitorSnapshot, gap: int, limit: int,
           recommended: Sequence[Product] | None, catalogs: CatalogIndexes | None) -> list[Shown]:
    pool: list[Shown] = list(recommended) if recommended is not None else _viewed(session, site, snapshot, limit)
    picked: list[Shown] = []
    if gap > 0:
        index = _index(session, site, catalogs)
        pick = gap_product(candidates=[*pool, *gap_candidates(index=index, gap=gap)], gap=gap, snapshot=snapshot)
        picked = [pick.product] if pick else []
    taken = {p.sku for p in picked}  # the pick may be the index's copy of a product of the pool
    rest = [p for p in pool if available(p) and p.sku not in snapshot.cart_skus and p.sku not in taken]
    return (picked + rest)[:limit]


def _index(session: Session, site: Site, catalogs: CatalogIndexes | None) -> CatalogIndex:
    return catalogs.get(site.pk) if catalogs is not None else build_index(session.connection(), site.pk)


def _viewed(session: Session, site: Site, snapshot: VisitorSnapshot, limit: int) -> list[Shown]:
    skus = [s for s in snapshot.viewed_skus if s not in snapshot.cart_skus][: limit * 3]
    if not skus:
        return []
    found = {p.sku: p for p in products(RawSQL(session), site.pk, skus)}  # plain SQL: most messages show items
    return [found[s] for s in skus if s in found]


def _item_json(product: Shown) -> dict[str, Any]:
    return {"sku": product.sku, "title": product.title, "price": to_major(product.price_minor, product.currency),
            "currency": product.currency, "url": product.url, "image": product.image}


def preview(*, session: Session, site: Site, variant: VariantIn, snapshot: VisitorSnapshot,
            recommended: Sequence[Product] | None = None,
            catalogs: CatalogIndexes | None = None) -> Rendered | TemplateProblem:
    """The variant's message as `snapshot`'s visitor would see it, or the template's problem (admin preview)."""
    problem = check_template(variant.message)
    if problem:
        return problem
    context, _ = message_context(session, site, snapshot, get_settings(session=session, site=site), recommended,
                                 catalogs=catalogs)
    return render_message(variant.message, context) or TemplateProblem("the message cannot be rendered for this "
                                                                       "visitor (an item or value it uses is missing)")
