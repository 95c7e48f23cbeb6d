"""VisitorSnapshot: what the assistant knows about a visitor right now, and snapshot_for to build it."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

from sqlmodel import Session, col, select

from assistant.catalog.models import Product
from assistant.catalog.money import to_major, to_minor
from assistant.insight.serving import customer_keys, figures_for
from assistant.promotions.reads import Known, Person, known_visitor, person_ids, read_person
from assistant.rawsql import RawSQL
from assistant.sites.models import Site
from assistant.timeutil import as_utc, utcnow
from assistant.tracking.models import Customer
from assistant.tracking.visitors import SESSION_GAP

if TYPE_CHECKING:
    from assistant.catalog.indexes import CatalogIndexes

PAGES_READ = 100
SURVEY_DAYS = 3650
SURVEYS_READ = 50


@dataclass(frozen=True)
class SurveyScore:
    """One scored survey answer: which survey, its kind (nps, csat, ces), the score and its age in days."""

    survey_id: str
    kind: str
    score: int
    days_ago: float


@dataclass(frozen=True)
class VisitorSnapshot:
    """Everything targeting, caps and messages read about one visitor; every field has a neutral default."""

    anon_id: str = ""
    visitor_ids: tuple[int, ...] = ()
    """The person's visitor rows (one per identified device); caps count their events."""
    visit_id: int | None = None
    """The visit in progress, or None when this request starts a new one."""
    currency: str = "EUR"
    cart_value_minor: int = 0
    cart_items: int = 0
    cart_skus: frozenset[str] = frozenset()
    cart_categories: frozenset[str] = frozenset()
    is_new: bool = True
    visits: int = 1
    """Visits so far, the current one included."""
    quiz: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    """Latest answers: flow id -> question id -> value."""
    pages: tuple[str, ...] = ()
    """Paths viewed, most recent first, the current page included."""
    viewed_skus: tuple[str, ...] = ()
    utm_source: str = ""
    utm_medium: str = ""
    utm_campaign: str = ""
    referrer: str = ""
    device: str = "desktop"
    segments: frozenset[str] = frozenset()
    """The customer's RFM segment from the nightly figures (insight); empty for a visitor without them."""
    churn_risk: float | None = None
    """0 (staying) to 1 (leaving), from the nightly figures; None when no churn model scored the customer."""
    clv: float | None = None
    """Expected spend over the nightly run's horizon, in major units of the site's currency (BG/NBD x
    Gamma-Gamma); None when the shop's history was too small to fit them."""
    p_alive: float | None = None
    """BG/NBD's probability that the customer still buys from the shop; None as for clv."""
    surveys: tuple[SurveyScore, ...] = ()
    """The person's scored survey answers of the last SURVEY_DAYS days, newest first (the `survey` condition)."""
    first_name: str | None = None
    locale: str | None = None
    """The page's language (`<html lang>`, as the widget sends it) when CLDR knows it: prices in messages are
    shown as the widget shows them on that page; None: as the site's price style says."""

    @property
    def cart_value(self) -> float:
        """The cart value in major units of `currency`."""
        return to_major(self.cart_value_minor, self.currency)

    @property
    def referrer_domain(self) -> str:
        """The host of the referrer, lower case, or ''."""
        return (urlsplit(self.referrer).hostname or "").lower()


def sample_snapshot(*, currency: str = "EUR", cart_value: str | float = 0, **fields: Any) -> VisitorSnapshot:
    """A visitor described by hand (admin preview): the cart value in major units, other fields as named."""
    return VisitorSnapshot(currency=currency, cart_value_minor=to_minor(cart_value, currency), **fields)


def page_path(page: str) -> str:
    """The path of a page URL ('https://shop.example/cart?x=1' -> '/cart')."""
    return urlsplit(page).path or ("/" if page else "")


def snapshot_for(*, session: Session, site: Site, anon_id: str, page: str = "", device: str | None = None,
                 now: datetime | None = None, catalogs: CatalogIndexes | None = None) -> VisitorSnapshot:
    """Read the snapshot of visitor `anon_id` on `page` (a URL) from the tracking tables (the cart's categories
    from the site's index in `catalogs` when given, as a server has it, else from the product table)."""
    now = now or utcnow()
    current = page_path(page)
    snapshot = VisitorSnapshot(anon_id=anon_id, currency=site.currency, pages=(current,) if current else (),
                               device=device or "desktop")
    sql = RawSQL(session)
    visitor = known_visitor(sql, site.pk, anon_id)
    if visitor is None:
        return replace(snapshot, **_utm_of(page))
    ids = person_ids(sql, site.pk, visitor)
    live = visitor.session_id is not None and as_utc(visitor.last_seen) >= now - SESSION_GAP
    visit = visitor.visit if live else None
    visits = visitor.sessions + (0 if visit else 1)
    person = read_person(sql, site.pk, visitor, ids, pages=PAGES_READ, since=now - timedelta(days=SURVEY_DAYS),
                         surveys=SURVEYS_READ)
    pages = [page_path(p) for p, _ in person.pages if p]
    snapshot = replace(snapshot, visitor_ids=ids, visits=visits, is_new=visits <= 1,
                       viewed_skus=tuple(dict.fromkeys(s for _, s in person.pages if s)),
                       pages=tuple(dict.fromkeys([current, *pages] if current else pages)),
                       quiz=_quiz(person), first_name=_first_name(session, site, visitor),
                       surveys=_surveys(person, now),
                       **_cart(person, session, site, catalogs), **_figures(session, site, visitor, ids))
    if visit is None:
        return replace(snapshot, **_utm_of(page))
    return replace(snapshot, visit_id=visit.id, utm_source=visit.utm_source, utm_medium=visit.utm_medium,
                   utm_campaign=visit.utm_campaign, referrer=visit.referrer, device=device or visit.device or "desktop")


def cart_categories(session: Session, site: Site, skus: Collection[str],
                    catalogs: CatalogIndexes | None = None) -> frozenset[str]:
    """The categories of the products `skus` (from the site's index in `catalogs` when given, else one query)."""
    if not skus:
        return frozenset()
    if catalogs is not None:
        index = catalogs.get(site.pk)
        return frozenset(c for p in index.positions(skus) for c in index.product(int(p)).categories)
    query = select(Product.categories).where(Product.site_id == site.id, col(Product.sku).in_(list(skus)))
    return frozenset(c for row in session.exec(query) for c in row)


def _utm_of(page: str) -> dict[str, Any]:
    query = parse_qs(urlsplit(page).query)
    return {k: query.get(k, [""])[0][:200] for k in ("utm_source", "utm_medium", "utm_campaign")}


def _cart(person: Person, session: Session, site: Site, catalogs: CatalogIndexes | None) -> dict[str, Any]:
    if person.cart is None or not person.cart[0]:
        return {"currency": person.cart[2] if person.cart else site.currency}
    items, value_minor, currency = person.cart
    skus = frozenset(str(line["sku"]) for line in items)
    return {"currency": currency, "cart_value_minor": value_minor, "cart_skus": skus,
            "cart_items": sum(int(line.get("quantity", 1)) for line in items),
            "cart_categories": cart_categories(session, site, skus, catalogs)}


def _quiz(person: Person) -> dict[str, dict[str, Any]]:
    """The latest answers per flow the person gave; the flow answered last, last."""
    latest: dict[str, list[Any]] = {}
    for flow, answers in person.quiz:
        if answers:
            latest.pop(flow, None)  # to the end: the dict's order is the order of the last answers
            latest[flow] = answers
    return {flow: {str(pair[0]): pair[1] for pair in pairs if isinstance(pair, list) and len(pair) == 2}
            for flow, pairs in latest.items()}


def _figures(session: Session, site: Site, visitor: Known, ids: tuple[int, ...]) -> dict[str, Any]:
    """The person's nightly figures, from this process's in-memory map (insight.serving)."""
    keys = customer_keys(customer_id=visitor.customer_id, visitor_ids=ids)
    found = figures_for(session=session, site_id=site.pk, keys=keys)
    if found is None:
        return {}
    return {"segments": frozenset([found.segment]), "churn_risk": found.churn_risk, "clv": found.clv,
            "p_alive": found.p_alive}


def _surveys(person: Person, now: datetime) -> tuple[SurveyScore, ...]:
    """The person's scored answers, newest first, by their visitors (every device they identified on)."""
    return tuple(SurveyScore(survey, str(kind), score, (now - at).total_seconds() / 86400)
                 for survey, kind, score, at in person.surveys)


def _first_name(session: Session, site: Site, visitor: Known) -> str | None:
    if visitor.customer_id is None:
        return None
    customer = session.get(Customer, (site.id, visitor.customer_id))
    traits = customer.traits if customer else {}
    name = traits.get("first_name") or traits.get("firstName")
    return str(name)[:100] if name else None
