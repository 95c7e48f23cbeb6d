"""Which survey, if any, to offer a visitor now: placement, page, language, audience, sample, recontact, budget.

The checks that need no database (`candidates`) run first, so a page with no survey for its placement
costs no query. Then the person's survey events decide the rest: a survey shown, answered or dismissed to
them within its `recontact_days` is skipped, any survey shown in the site's `surveys.days_between` days
(default 7) stops them all, and a pop-up promotion already shown in the visit spends the one attention
budget they share (promotions.attention). Sampling is a hash of site, survey and visitor, so a reload
never rolls again.

"After a search with no click" needs nothing from the widget: when it asks on a page view or on exit intent,
the visit's own events say whether its last search was followed by no product view, add to cart or click of
ours (and, on a page view, the shopper has moved on to another page since).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from assistant.promotions.attention import control_keys, popups_left
from assistant.promotions.history import load_history
from assistant.promotions.rules import compile_conditions
from assistant.promotions.settings import PromoSettings, get_settings
from assistant.promotions.snapshot import VisitorSnapshot
from assistant.sites.models import Site
from assistant.surveys.schema import Survey
from assistant.timeutil import as_utc
from assistant.tracking.models import Event

PLACEMENTS = ("page", "purchase", "quiz_finished", "search_no_click", "product_views", "exit_intent")
"""What the widget asks from: a page view, right after one of the events, or the shopper about to leave."""
SURVEY_EVENTS = ("survey_shown", "survey_answered", "survey_dismissed")
DEFAULT_LANGUAGE = "en"
ENGAGED = ("product_view", "add_to_cart", "rec_click", "promo_click", "quiz_start", "quiz_result_click")
"""Events after a search that mean the shopper found something to look at."""
SEARCH_EVENTS = ("search", "page_view", *ENGAGED)


@dataclass(frozen=True)
class Ask:
    """Where and when the widget asks: the placement, the page's path, product views so far, the page's language."""

    placement: str
    path: str = ""
    views: int = 0
    """Product views in the visit (placement product_views)."""
    lang: str = ""
    """The page's language tag (`<html lang>`), '' when unknown."""


def fits_placement(survey: Survey, ask: Ask) -> bool:
    """Whether `survey` is offered on `ask`'s placement (and, for product_views, after this many views)."""
    where = survey.placement
    if ask.placement == "exit_intent":
        return where.exit_intent
    if ask.placement == "page":
        return where.after is None and not where.exit_intent
    if ask.placement == "product_views":
        return where.after == "product_views" and ask.views >= (where.count or 1)
    return where.after == ask.placement


def language(tag: str | None) -> str:
    """The primary language of a BCP 47 tag, lower case ('ja-JP' -> 'ja'); '' for none."""
    return (tag or "").replace("_", "-").split("-")[0].strip().lower()


def speaks(survey: Survey, lang: str) -> bool:
    """Whether the survey's texts suit a page in `lang`: a survey with its own locale only shows on pages of its
    language or of one it is translated into (`locales:`, when the page says one); one without a locale shows
    anywhere (see `candidates` for its rank)."""
    return not lang or survey.locale is None or language(lang) in languages(survey)


def languages(survey: Survey) -> set[str]:
    """The languages the survey can be shown in: its own and those of its translations (`locales:`)."""
    return {language(survey.locale or DEFAULT_LANGUAGE), *(language(tag) for tag in survey.locales)}


def candidates(surveys: Iterable[Survey], *, site_key: str, ask: Ask) -> list[Survey]:
    """The surveys that may show for `ask` before anything about the visitor is known, the page's language first."""
    wanted = language(ask.lang) or DEFAULT_LANGUAGE
    found = [s for s in surveys if s.active and s.questions and s.offered_to(site_key) and fits_placement(s, ask)
             and s.placement.matches_page(ask.path or "/") and speaks(s, ask.lang)]
    return sorted(found, key=lambda s: wanted not in languages(s))  # stable: file order


def may_offer(surveys: Iterable[Survey], *, site_key: str, ask: Ask) -> bool:
    """Whether any survey could be offered on `ask`, without a query: its own placement's candidates, or on a page
    view or exit intent those shown after a search with no click (which the visit's events then decide)."""
    return bool(candidates(surveys, site_key=site_key, ask=ask) or _after_search(surveys, site_key, ask))


def _after_search(surveys: Iterable[Survey], site_key: str, ask: Ask) -> list[Survey]:
    """The search_no_click candidates when `ask` is one that may follow a search (a page view, exit intent)."""
    if ask.placement not in ("page", "exit_intent"):
        return []
    return candidates(surveys, site_key=site_key, ask=replace(ask, placement="search_no_click"))


def sampled(survey: Survey, *, site_key: str, anon_id: str) -> bool:
    """Whether this visitor falls in the survey's sample: the same answer on every request."""
    digest = hashlib.sha256(f"{site_key}\0{survey.id}\0{anon_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64 < survey.sample


def survey_history(*, session: Session, site: Site, visitor_ids: Iterable[int], since: datetime) -> dict[str, datetime]:
    """Survey id -> the last time the person was shown, answered or dismissed it, since `since`."""
    ids = list(visitor_ids)
    if not ids:
        return {}
    query = (select(Event.ref, Event.occurred_at)
             .where(Event.site_id == site.id, col(Event.visitor_id).in_(ids), col(Event.type).in_(SURVEY_EVENTS),
                    Event.occurred_at >= since))
    last: dict[str, datetime] = {}
    for ref, at in session.exec(query):
        if ref:
            last[ref] = max(last.get(ref, as_utc(at)), as_utc(at))
    return last


def choose_survey(*, session: Session, site: Site, surveys: Iterable[Survey], snapshot: VisitorSnapshot, ask: Ask,
                  now: datetime) -> Survey | None:
    """The one survey to offer the visitor of `snapshot` now, or None."""
    surveys = list(surveys)
    found = candidates(surveys, site_key=site.key, ask=ask)
    after_search = _after_search(surveys, site.key, ask)
    if after_search and searched_without_click(session=session, site=site, snapshot=snapshot,
                                               leaving=ask.placement == "exit_intent"):
        found = after_search + [s for s in found if s not in after_search]
    if not found:
        return None
    settings = get_settings(session=session, site=site)
    longest = max([settings.surveys.days_between, *(s.recontact_days for s in found)])
    seen = survey_history(session=session, site=site, visitor_ids=snapshot.visitor_ids,
                          since=now - timedelta(days=longest))
    gap = timedelta(days=settings.surveys.days_between)
    if gap and any(at > now - gap for at in seen.values()):
        return None
    if not _budget_left(session, site, snapshot, settings):
        return None
    for survey in found:
        last = seen.get(survey.id)
        if last is not None and survey.recontact_days and last > now - timedelta(days=survey.recontact_days):
            continue
        if settings.surveys.sampling and not sampled(survey, site_key=site.key, anon_id=snapshot.anon_id):
            continue
        if compile_conditions(survey.audience or None)(snapshot):
            return survey
    return None


def searched_without_click(*, session: Session, site: Site, snapshot: VisitorSnapshot, leaving: bool) -> bool:
    """Whether the visit's last search led to nothing: no product view, add to cart or click since, and the
    shopper `leaving` the page or on another page since (on the search page itself they may still click)."""
    if snapshot.visit_id is None or not snapshot.visitor_ids:
        return False
    events = session.exec(
        select(Event.type).where(Event.site_id == site.pk, col(Event.visitor_id).in_(snapshot.visitor_ids),
                                 Event.session_id == snapshot.visit_id, col(Event.type).in_(SEARCH_EVENTS))
        .order_by(col(Event.occurred_at).desc(), col(Event.id).desc()).limit(50)).all()
    moved_on = False
    for kind in events:  # newest first
        if kind == "search":
            return leaving or moved_on
        if kind in ENGAGED:
            return False
        moved_on = True  # a page view after the search
    return False


def _budget_left(session: Session, site: Site, snapshot: VisitorSnapshot, settings: PromoSettings) -> bool:
    """Whether the visit's pop-up budget, shared with promotions and quiz prompts, has room for a survey."""
    if not settings.surveys.share_attention:
        return True
    history = load_history(session=session, site=site, visitor_ids=snapshot.visitor_ids,
                           controls=control_keys(session=session, site=site), extra_types=settings.interruption_types())
    return popups_left(settings.attention, history=history, visit_id=snapshot.visit_id) > 0
