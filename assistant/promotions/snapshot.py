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
from assistant.flows.models import QuizSession
from assistant.insight.serving import customer_keys, figures_for
from assistant.rawsql import RawSQL
from assistant.sites.models import Site
from assistant.surveys.models import SurveyResponse
from assistant.timeutil import as_utc, utcnow
from assistant.tracking.identity import person_visitor_ids
from assistant.tracking.models import Cart, Customer, Event, Visitor, VisitSession
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
    found = _visitor_and_visit(session, site, anon_id)
    if found is None:
        return replace(snapshot, **_utm_of(page))
    visitor, visit = found
    ids = tuple(person_visitor_ids(session=session, visitor=visitor))
    live = visitor.session_id is not None and as_utc(visitor.last_seen) >= now - SESSION_GAP
    visit = visit if live else None
    visits = visitor.sessions + (0 if visit else 1)
    pages, viewed = _history(session, site, ids)
    snapshot = replace(snapshot, visitor_ids=ids, visits=visits, is_new=visits <= 1, viewed_skus=viewed,
                       pages=tuple(dict.fromkeys([current, *pages] if current else pages)),
                       quiz=_quiz(session, site, visitor, ids), first_name=_first_name(session, site, visitor),
                       surveys=_surveys(session, site, ids, now),
                       **_cart(session, site, ids, catalogs), **_figures(session, site, visitor, ids))
    if visit is None:
        return replace(snapshot, **_utm_of(page))
    return replace(snapshot, visit_id=visit.id, utm_source=visit.utm_source, utm_medium=visit.utm_medium,
                   utm_campaign=visit.utm_campaign, referrer=visit.referrer, device=device or visit.device or "desktop")


_VISITOR_AND_VISIT = (
    "SELECT v.id, v.customer_id, v.session_id, v.sessions, v.last_seen, s.id, s.utm_source, s.utm_medium, "
    "s.utm_campaign, s.referrer, s.device FROM visitor v LEFT JOIN visit_session s ON s.id = v.session_id "
    "WHERE v.site_id = ? AND v.anon_id = ?")


def _visitor_and_visit(session: Session, site: Site, anon_id: str) -> tuple[Visitor, VisitSession | None] | None:
    """The visitor `anon_id` and the visit its row points at (live or not): one query on the session's DBAPI
    connection (every promotions request asks it; the ORM's statement and objects cost more than the read)."""
    row = RawSQL(session).run(_VISITOR_AND_VISIT, (site.pk, anon_id)).fetchone()
    if row is None:
        return None
    pk, customer_id, session_id, sessions, last_seen, visit_id, source, medium, campaign, referrer, device = row
    visitor = Visitor(id=pk, site_id=site.pk, anon_id=anon_id, customer_id=customer_id, session_id=session_id,
                      sessions=sessions, last_seen=_stored_time(last_seen))
    visit = None if visit_id is None else VisitSession(
        id=visit_id, site_id=site.pk, visitor_id=pk, utm_source=source, utm_medium=medium, utm_campaign=campaign,
        referrer=referrer, device=device)
    return visitor, visit


def _stored_time(value: datetime | str) -> datetime:
    """A DateTime column as the driver hands it back (SQLite: the text SQLAlchemy and rawsql write, in UTC)."""
    return datetime.fromisoformat(value) if isinstance(value, str) else value


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


def _cart(session: Session, site: Site, ids: tuple[int, ...], catalogs: CatalogIndexes | None) -> dict[str, Any]:
    """The person's most recently changed cart (tracking.reads.current_cart, on the ids already read)."""
    query = (select(Cart).where(Cart.site_id == site.id, col(Cart.visitor_id).in_(ids))
             .order_by(col(Cart.updated_at).desc()))
    cart = session.exec(query).first()
    if cart is None or not cart.items:
        return {"currency": cart.currency if cart else site.currency}
    skus = frozenset(str(line["sku"]) for line in cart.items)
    return {"currency": cart.currency, "cart_value_minor": cart.value_minor, "cart_skus": skus,
            "cart_items": sum(int(line.get("quantity", 1)) for line in cart.items),
            "cart_categories": cart_categories(session, site, skus, catalogs)}


def _history(session: Session, site: Site, ids: tuple[int, ...]) -> tuple[list[str], tuple[str, ...]]:
    query = (select(Event.page, Event.sku).where(Event.site_id == site.id, col(Event.visitor_id).in_(ids),
                                                 col(Event.type).in_(["page_view", "product_view"]))
             .order_by(col(Event.occurred_at).desc()).limit(PAGES_READ))
    rows = list(session.exec(query))
    pages = [page_path(p) for p, _ in rows if p]
    return pages, tuple(dict.fromkeys(s for _, s in rows if s))


def _quiz(session: Session, site: Site, visitor: Visitor, ids: tuple[int, ...]) -> dict[str, dict[str, Any]]:
    """The latest answers per flow (tracking.reads.quiz_answers, on the ids already read: no query for the
    anonymous ids of a person with one visitor row)."""
    anon_ids = [visitor.anon_id] if ids == (visitor.id,) else list(
        session.exec(select(Visitor.anon_id).where(col(Visitor.id).in_(ids))))
    query = (select(QuizSession.flow_id, QuizSession.answers)
             .where(QuizSession.site_id == site.id, col(QuizSession.visitor_id).in_(anon_ids))
             .order_by(col(QuizSession.updated_at)))
    latest: dict[str, list[Any]] = {}
    for flow, answers in session.exec(query):
        if answers:
            latest.pop(flow, None)  # to the end: the dict's order is the order of the last answers
            latest[flow] = answers
    return {flow: {str(pair[0]): pair[1] for pair in pairs if isinstance(pair, list) and len(pair) == 2}
            for flow, pairs in latest.items()}


def _figures(session: Session, site: Site, visitor: Visitor, ids: tuple[int, ...]) -> dict[str, Any]:
    """The person's nightly figures, from this process's in-memory map (insight.serving)."""
    keys = customer_keys(customer_id=visitor.customer_id, visitor_ids=ids)
    found = figures_for(session=session, site_id=site.pk, keys=keys)
    if found is None:
        return {}
    return {"segments": frozenset([found.segment]), "churn_risk": found.churn_risk, "clv": found.clv,
            "p_alive": found.p_alive}


def _surveys(session: Session, site: Site, ids: tuple[int, ...], now: datetime) -> tuple[SurveyScore, ...]:
    """The person's scored answers, newest first, by their visitors (every device they identified on): one
    query on survey_response's (site, visitor) index."""
    query = (select(SurveyResponse.survey_id, SurveyResponse.kind, SurveyResponse.score, SurveyResponse.created_at)
             .where(SurveyResponse.site_id == site.pk, col(SurveyResponse.visitor_id).in_(ids),
                    col(SurveyResponse.kind).is_not(None), col(SurveyResponse.score).is_not(None),
                    col(SurveyResponse.created_at) >= now - timedelta(days=SURVEY_DAYS))
             .order_by(col(SurveyResponse.created_at).desc()).limit(SURVEYS_READ))
    return tuple(SurveyScore(survey, str(kind), score, (now - as_utc(at)).total_seconds() / 86400)
                 for survey, kind, score, at in session.exec(query) if score is not None)


def _first_name(session: Session, site: Site, visitor: Visitor) -> str | None:
    if visitor.customer_id is None:
        return None
    customer = session.get(Customer, (site.id, visitor.customer_id))
    traits = customer.traits if customer else {}
    name = traits.get("first_name") or traits.get("firstName")
    return str(name)[:100] if name else None
