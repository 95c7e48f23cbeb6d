"""One attention budget per visitor across every interruption the assistant makes.

Defaults (see settings.Attention): at most one pop-up per visit, and nothing on checkout for the
rest of a visit once the shopper dismissed something. A pop-up is a promotion impression on a
pop-up placement (control exposures showed nothing and spend nothing) or an event of one of the
configured `interruption_events` types, so quiz prompts can share the budget; a shown survey
(`survey_shown`) spends it too unless the site's `surveys.share_attention` is off, in which case its
events are not even read (PromoSettings.interruption_types).
"""

from __future__ import annotations

from sqlmodel import Session, col, select

from assistant.promotions.events import DISMISS, IMPRESSION
from assistant.promotions.history import History, Shown, load_history
from assistant.promotions.models import Campaign, Variant
from assistant.promotions.settings import SURVEY_SHOWN, Attention, get_settings
from assistant.promotions.snapshot import VisitorSnapshot
from assistant.sites.models import Site

UNLIMITED = 1_000_000

def interrupts(event: Shown, attention: Attention) -> bool:
    """Whether `event` spent the pop-up budget."""
    if event.type == IMPRESSION:
        return event.placement in attention.popup_placements and not event.control
    return event.type in attention.interruption_events or event.type == SURVEY_SHOWN  # read only when shared

def room_for(placement: str, *, attention: Attention, history: History, visit_id: int | None) -> int:
    """How many messages the visitor's attention budget still allows on `placement` in this visit."""
    visit = history.in_visit(visit_id)
    if placement in attention.quiet_after_dismiss and any(e.type == DISMISS for e in visit):
        return 0
    if placement not in attention.popup_placements:
        return UNLIMITED
    return max(0, attention.max_popups_per_session - sum(interrupts(e, attention) for e in visit))

def popup_allowed(*, session: Session, site: Site, snapshot: VisitorSnapshot) -> bool:
    """Whether another pop-up (a quiz prompt, a survey) may interrupt this visitor now."""
    settings = get_settings(session=session, site=site)
    history = load_history(session=session, site=site, visitor_ids=snapshot.visitor_ids,
                           controls=control_keys(session=session, site=site),
                           extra_types=settings.interruption_types())
    return popups_left(settings.attention, history=history, visit_id=snapshot.visit_id) > 0


def popups_left(attention: Attention, *, history: History, visit_id: int | None) -> int:
    """How many more pop-ups (any kind) the visit's budget allows, given the events in `history`."""
    spent = sum(interrupts(e, attention) for e in history.in_visit(visit_id))
    return max(0, attention.max_popups_per_session - spent)

def control_keys(*, session: Session, site: Site) -> dict[int, str]:
    """Campaign id -> key of its control variant, for the site's campaigns that have one."""
    query = (select(Variant.campaign_id, Variant.key).join(Campaign, col(Campaign.id) == col(Variant.campaign_id))
             .where(Campaign.site_id == site.id, col(Variant.is_control).is_(True)))
    return {campaign: key for campaign, key in session.exec(query)}
