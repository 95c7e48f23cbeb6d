"""Which survey a visitor is offered: placement and page, language, audience, sample, recontact, the weekly cap and
the attention budget shared with promotions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlmodel import Session

from assistant.promotions.service import choose
from assistant.promotions.settings import save_settings
from assistant.promotions.snapshot import snapshot_for
from assistant.sites.models import Site
from assistant.surveys.eligibility import Ask, candidates, choose_survey, sampled
from assistant.surveys.schema import Survey
from tests.promotions.helpers import make_campaign, shown, track

T0 = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)
ANON = "visitor-survey1"


def survey(**overrides: Any) -> Survey:
    data: dict[str, Any] = {"id": "nps", "title": "NPS", "questions": [{"id": "q", "type": "nps", "text": "Rate us"}]}
    data.update(overrides)
    return Survey.model_validate(data)


def offered(session: Session, site: Site, surveys: list[Survey], ask: Ask, at: datetime = T0,
            anon: str = ANON, **snapshot: Any) -> str | None:
    track(session, site, anon, at, {"type": "page_view", "page": f"https://shop.example{ask.path}"})
    snap = snapshot_for(session=session, site=site, anon_id=anon, now=at, **snapshot)
    chosen = choose_survey(session=session, site=site, surveys=surveys, snapshot=snap, ask=ask, now=at)
    return chosen.id if chosen else None


def ids(surveys: list[Survey], ask: Ask, site_key: str = "pk_test") -> list[str]:
    return [s.id for s in candidates(surveys, site_key=site_key, ask=ask)]


@pytest.mark.parametrize(("placement", "views", "expected"), [
    ("page", 0, ["on-page"]), ("purchase", 0, ["after-purchase"]), ("quiz_finished", 0, ["after-quiz"]),
    ("exit_intent", 0, ["leaving"]), ("product_views", 2, []), ("product_views", 3, ["third-view"]),
    ("product_views", 5, ["third-view"]), ("search_no_click", 0, [])])
def test_a_placement_offers_only_its_surveys(placement: str, views: int, expected: list[str]) -> None:
    surveys = [survey(id="on-page"), survey(id="after-purchase", placement={"after": "purchase"}),
               survey(id="after-quiz", placement={"after": "quiz_finished"}),
               survey(id="leaving", placement={"exit_intent": True}),
               survey(id="third-view", placement={"after": "product_views", "count": 3})]
    assert ids(surveys, Ask(placement, "/", views=views)) == expected


def test_page_patterns_sites_active_and_questions() -> None:
    surveys = [survey(id="thanks", placement={"pages": ["/checkout/thank-you*"]}),
               survey(id="other-shop", sites=["pk_other"]), survey(id="off", active=False),
               survey(id="empty", questions=[])]
    assert ids(surveys, Ask("page", "/checkout/thank-you/123")) == ["thanks"]
    assert ids(surveys, Ask("page", "/cart")) == []
    assert ids(surveys, Ask("page", "/cart"), site_key="pk_other") == ["other-shop"]


def test_a_survey_with_a_locale_shows_on_pages_of_its_language_first() -> None:
    surveys = [survey(id="ja", locale="ja"), survey(id="en", locale="en"), survey(id="plain")]
    assert ids(surveys, Ask("page", "/", lang="ja-JP")) == ["ja", "plain"]
    assert ids(surveys, Ask("page", "/", lang="en-GB")) == ["en", "plain"]
    assert ids(surveys, Ask("page", "/")) == ["en", "plain", "ja"]  # no lang: English first, then file order
    assert ids(surveys, Ask("page", "/", lang="de")) == ["plain"]


def test_the_audience_uses_the_promotions_conditions(session: Session, site: Site) -> None:
    phones = [survey(audience={"device": "mobile"})]
    assert offered(session, site, phones, Ask("page", "/"), device="desktop") is None
    assert offered(session, site, phones, Ask("page", "/"), device="mobile") == "nps"
    returning = [survey(audience={"visits": {"min": 2}})]
    assert offered(session, site, returning, Ask("page", "/"), anon="visitor-new0001") is None


def test_sampling_is_stable_per_visitor_and_near_the_rate() -> None:
    half = survey(sample=0.5)
    visitors = [f"visitor-{n:05d}" for n in range(2000)]
    first = [sampled(half, site_key="pk_test", anon_id=v) for v in visitors]
    assert first == [sampled(half, site_key="pk_test", anon_id=v) for v in visitors]  # a reload rolls nothing
    assert 900 < sum(first) < 1100
    assert not any(sampled(survey(sample=0), site_key="pk_test", anon_id=v) for v in visitors)
    other = [sampled(survey(id="other", sample=0.5), site_key="pk_test", anon_id=v) for v in visitors]
    assert other != first  # each survey draws its own sample


def test_sampling_off_for_the_site_offers_everyone(session: Session, site: Site) -> None:
    never = [survey(sample=0)]
    assert offered(session, site, never, Ask("page", "/")) is None
    save_settings(session=session, site=site, data={"surveys": {"sampling": False}})
    session.commit()
    assert offered(session, site, never, Ask("page", "/")) == "nps"


@pytest.mark.parametrize("event", ["survey_shown", "survey_answered", "survey_dismissed"])
def test_not_again_within_recontact_days(session: Session, site: Site, event: str) -> None:
    save_settings(session=session, site=site, data={"surveys": {"days_between": 0}})
    session.commit()
    surveys = [survey(recontact_days=30)]
    track(session, site, ANON, T0, {"type": event, "survey_id": "nps", "placement": "page"})
    assert offered(session, site, surveys, Ask("page", "/"), at=T0 + timedelta(days=29)) is None
    assert offered(session, site, surveys, Ask("page", "/"), at=T0 + timedelta(days=31)) == "nps"


def test_recontact_is_per_survey(session: Session, site: Site) -> None:
    save_settings(session=session, site=site, data={"surveys": {"days_between": 0}})
    session.commit()
    surveys = [survey(id="first"), survey(id="second")]
    track(session, site, ANON, T0, {"type": "survey_dismissed", "survey_id": "first"})
    assert offered(session, site, surveys, Ask("page", "/"), at=T0 + timedelta(days=1)) == "second"


def test_no_survey_at_all_within_the_weekly_cap(session: Session, site: Site) -> None:
    surveys = [survey(id="first", recontact_days=0), survey(id="second")]
    track(session, site, ANON, T0, {"type": "survey_shown", "survey_id": "first"})
    assert offered(session, site, surveys, Ask("page", "/"), at=T0 + timedelta(days=6)) is None
    assert offered(session, site, surveys, Ask("page", "/"), at=T0 + timedelta(days=8)) == "first"
    save_settings(session=session, site=site, data={"surveys": {"days_between": 10}})
    session.commit()
    assert offered(session, site, surveys, Ask("page", "/"), at=T0 + timedelta(days=9)) is None


def test_a_popup_promotion_in_the_visit_leaves_no_room_for_a_survey(session: Session, site: Site) -> None:
    popup = make_campaign(session, site, placement="exit_intent")
    surveys = [survey()]
    track(session, site, ANON, T0, shown(popup, placement="exit_intent"))
    assert offered(session, site, surveys, Ask("page", "/"), at=T0 + timedelta(minutes=1)) is None
    later = T0 + timedelta(hours=2)  # a new visit: a new budget
    assert offered(session, site, surveys, Ask("page", "/"), at=later) == "nps"


def test_an_inline_promotion_spends_nothing(session: Session, site: Site) -> None:
    cart = make_campaign(session, site, placement="cart")
    track(session, site, ANON, T0, shown(cart))
    assert offered(session, site, [survey()], Ask("page", "/"), at=T0 + timedelta(minutes=1)) == "nps"


def test_a_shown_survey_leaves_no_room_for_a_popup_promotion(session: Session, site: Site) -> None:
    popup = make_campaign(session, site, placement="exit_intent")
    track(session, site, ANON, T0, {"type": "page_view"}, {"type": "survey_shown", "survey_id": "nps"})
    snap = snapshot_for(session=session, site=site, anon_id=ANON, now=T0)
    assert choose(session=session, site=site, placement="exit_intent", snapshot=snap, now=T0) == []
    save_settings(session=session, site=site, data={"surveys": {"share_attention": False}})
    session.commit()
    assert [c.ref for c in choose(session=session, site=site, placement="exit_intent", snapshot=snap,
                                  now=T0 + timedelta(seconds=1))] == [str(popup.id)]


def test_the_shop_may_allow_both_in_a_visit(session: Session, site: Site) -> None:
    popup = make_campaign(session, site, placement="exit_intent")
    track(session, site, ANON, T0, shown(popup, placement="exit_intent"))
    for data in ({"attention": {"max_popups_per_session": 2}}, {"surveys": {"share_attention": False}}):
        save_settings(session=session, site=site, data=data)
        session.commit()
        assert offered(session, site, [survey()], Ask("page", "/"), at=T0 + timedelta(minutes=1)) == "nps"


def after_search(session: Session, site: Site, ask: Ask, *events: dict[str, Any]) -> str | None:
    """The survey offered on `ask` after a search page (its page view, then the search) and `events`."""
    surveys = [survey(id="found-it", placement={"after": "search_no_click"}), survey(id="on-page"),
               survey(id="leaving", placement={"exit_intent": True})]
    search_page = "https://shop.example/search?q=boots"
    track(session, site, ANON, T0, {"type": "page_view", "page": search_page}, {"type": "search", "query": "boots"})
    if events:
        track(session, site, ANON, T0 + timedelta(seconds=20), *events)
    at = T0 + timedelta(seconds=30)
    snap = snapshot_for(session=session, site=site, anon_id=ANON, now=at)
    chosen = choose_survey(session=session, site=site, surveys=surveys, snapshot=snap, ask=ask, now=at)
    return chosen.id if chosen else None


def test_a_search_then_another_page_with_no_click_asks_after_search(session: Session, site: Site) -> None:
    page = {"type": "page_view", "page": "https://shop.example/help"}
    assert after_search(session, site, Ask("page", "/help"), page) == "found-it"


def test_a_search_followed_by_a_product_view_is_not_one_with_no_click(session: Session, site: Site) -> None:
    product = {"type": "product_view", "sku": "rs-001", "page": "https://shop.example/p/rs-001"}
    assert after_search(session, site, Ask("page", "/p/rs-001"), product) == "on-page"


def test_on_the_search_page_only_leaving_it_counts(session: Session, site: Site) -> None:
    assert after_search(session, site, Ask("page", "/search")) == "on-page"  # results still to click
    assert after_search(session, site, Ask("exit_intent", "/search")) == "found-it"
