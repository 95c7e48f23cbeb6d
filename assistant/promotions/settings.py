"""A site's promotion settings: free-shipping threshold, price style, slots per placement, attention budget."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlmodel import Session

from assistant.promotions.models import Placement, PromotionSettings
from assistant.promotions.money import PriceStyle
from assistant.promotions.problems import InvalidFields, problems_of
from assistant.sites.models import Site
from assistant.timeutil import utcnow

SURVEY_SHOWN = "survey_shown"
"""The tracking event of a survey the widget showed (tracking.schemas.SurveyEvent)."""


class _Shape(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Attention(_Shape):
    """One budget for every interruption the assistant makes (promotions, quiz prompts, surveys)."""

    popup_placements: list[Placement] = ["exit_intent"]
    """Placements that interrupt (pop-ups and panels) rather than sit in the page."""
    max_popups_per_session: int = Field(default=1, ge=0, le=20)
    quiet_after_dismiss: list[Placement] = ["checkout"]
    """Placements that show nothing for the rest of a visit once the shopper dismissed anything."""
    hide_dismissed_hours: float = Field(default=24, ge=0, le=24 * 365)
    """How long a dismissed campaign stays hidden from that visitor."""
    interruption_events: list[str] = []
    """Other event types that spend the pop-up budget (e.g. a survey's impression event)."""


class SurveySettings(_Shape):
    """How often the site's micro-surveys may ask one person, across every survey file."""

    days_between: int = Field(default=7, ge=0, le=365)
    """No survey is offered to a person who was shown any survey in this many days (the weekly cap; 0: none)."""
    share_attention: bool = True
    """A shown survey spends the visit's pop-up budget (`attention`) with pop-up promotions and quiz prompts, so
    the two never both show in one visit within `max_popups_per_session: 1`; false: surveys keep out of it."""
    sampling: bool = True
    """False offers every survey to every eligible shopper whatever its `sample:` (a demo or a staging shop)."""


class PromoSettings(_Shape):
    """Per-site settings with the defaults most shops want."""

    free_shipping_threshold: Decimal | None = Field(default=None, ge=0, le=1_000_000)
    """Cart value (major units, the site's currency) from which shipping is free; None: no gap."""
    price_style: PriceStyle = "prefix"
    slots: dict[Placement, int] = {}
    """Messages shown at once per placement (default 1)."""
    max_items: int = Field(default=3, ge=1, le=6)
    """Products a message's `items` holds."""
    attention: Attention = Attention()
    surveys: SurveySettings = SurveySettings()

    def interruption_types(self) -> list[str]:
        """The event types besides promotion impressions that spend the pop-up budget."""
        return [*self.attention.interruption_events, *([SURVEY_SHOWN] if self.surveys.share_attention else [])]

    def slots_for(self, placement: str) -> int:
        """How many messages `placement` shows at once."""
        return max(0, self.slots.get(placement, 1))  # type: ignore[call-overload]


def get_settings(*, session: Session, site: Site) -> PromoSettings:
    """The site's settings (defaults where none are stored)."""
    row = session.get(PromotionSettings, site.id)
    return PromoSettings.model_validate(row.settings) if row else PromoSettings()


def save_settings(*, session: Session, site: Site, data: dict[str, Any]) -> PromoSettings:
    """Validate and store the site's settings; InvalidFields names each bad field."""
    try:
        settings = PromoSettings.model_validate(data)
    except ValidationError as exc:
        raise InvalidFields(problems_of(exc, "settings")) from None
    row = session.get(PromotionSettings, site.id) or PromotionSettings(site_id=site.pk)
    row.settings = settings.model_dump(mode="json")
    row.updated_at = utcnow()
    session.add(row)
    session.flush()
    return settings
