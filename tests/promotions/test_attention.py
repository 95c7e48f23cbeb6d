"""One attention budget: one pop-up per visit, quiet checkout after a dismissal, configurable per site."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlmodel import Session

from assistant.promotions.attention import popup_allowed
from assistant.promotions.service import choose
from assistant.promotions.settings import save_settings
from assistant.promotions.snapshot import VisitorSnapshot, snapshot_for
from assistant.sites.models import Site
from tests.promotions.helpers import make_campaign, shown, track

T0 = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)
ANON = "visitor-attn1"


def now_snapshot(session: Session, site: Site, at: datetime) -> VisitorSnapshot:
    track(session, site, ANON, at, {"type": "page_view"})
    return snapshot_for(session=session, site=site, anon_id=ANON, now=at)


def keys(session: Session, site: Site, placement: str, snapshot: VisitorSnapshot, at: datetime) -> list[str]:
    return [c.ref for c in choose(session=session, site=site, placement=placement, snapshot=snapshot, now=at)]


def test_one_popup_per_visit(session: Session, site: Site) -> None:
    first = make_campaign(session, site, placement="exit_intent", priority=2)
    second = make_campaign(session, site, placement="exit_intent", priority=1)
    snapshot = now_snapshot(session, site, T0)
    assert keys(session, site, "exit_intent", snapshot, T0) == [str(first.id)]
    assert popup_allowed(session=session, site=site, snapshot=snapshot)
    track(session, site, ANON, T0, shown(first, placement="exit_intent"))
    assert keys(session, site, "exit_intent", snapshot, T0) == []
    assert not popup_allowed(session=session, site=site, snapshot=snapshot)
    later = T0 + timedelta(hours=1)
    assert keys(session, site, "exit_intent", now_snapshot(session, site, later), later) == [str(first.id)]
    save_settings(session=session, site=site, data={"attention": {"max_popups_per_session": 2}})
    session.commit()
    assert keys(session, site, "exit_intent", snapshot, T0) == [str(first.id)]
    assert second.id is not None


def test_inline_placements_do_not_spend_the_popup_budget(session: Session, site: Site) -> None:
    popup = make_campaign(session, site, placement="exit_intent")
    cart = make_campaign(session, site, placement="cart")
    snapshot = now_snapshot(session, site, T0)
    track(session, site, ANON, T0, shown(cart))
    assert keys(session, site, "exit_intent", snapshot, T0) == [str(popup.id)]


def test_a_control_exposure_spends_nothing(session: Session, site: Site) -> None:
    held = make_campaign(session, site, placement="exit_intent", priority=5, caps={"per_session": 1},
                         variants=[{"key": "a", "weight": 0, "message": "x"}, {"key": "off", "control": True}])
    other = make_campaign(session, site, placement="exit_intent", priority=1)
    snapshot = now_snapshot(session, site, T0)
    track(session, site, ANON, T0, shown(held, "off", placement="exit_intent"))
    assert keys(session, site, "exit_intent", snapshot, T0) == [str(other.id)]


def test_checkout_stays_quiet_after_a_dismissal(session: Session, site: Site) -> None:
    cart = make_campaign(session, site, placement="cart", priority=2)
    also_cart = make_campaign(session, site, placement="cart", priority=1)
    checkout = make_campaign(session, site, placement="checkout")
    snapshot = now_snapshot(session, site, T0)
    assert keys(session, site, "checkout", snapshot, T0) == [str(checkout.id)]
    track(session, site, ANON, T0, shown(cart), shown(cart, kind="promo_dismiss"))
    assert keys(session, site, "checkout", snapshot, T0) == []
    assert keys(session, site, "cart", snapshot, T0) == [str(also_cart.id)]  # the dismissed one stays hidden
    tomorrow = T0 + timedelta(days=1, hours=1)
    assert keys(session, site, "checkout", now_snapshot(session, site, tomorrow), tomorrow) == [str(checkout.id)]


def test_other_interruptions_share_the_budget(session: Session, site: Site) -> None:
    make_campaign(session, site, placement="exit_intent")
    save_settings(session=session, site=site, data={"attention": {"interruption_events": ["quiz_start"]}})
    session.commit()
    snapshot = now_snapshot(session, site, T0)
    track(session, site, ANON, T0, {"type": "quiz_start", "flow": "tents", "quiz": "q-1"})
    assert keys(session, site, "exit_intent", snapshot, T0) == []
    assert not popup_allowed(session=session, site=site, snapshot=snapshot)
