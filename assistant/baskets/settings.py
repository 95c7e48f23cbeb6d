"""A site's abandoned-basket settings, with the defaults most shops want.

Stored as JSON in basket_settings (one row per site) and edited in the admin; every field is checked
here, so a bad value is refused with its field named before it is saved.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from sqlmodel import Session

from assistant.baskets.models import BasketSettingsRow
from assistant.promotions.problems import InvalidFields, problems_of
from assistant.sites.models import Site
from assistant.timeutil import utcnow

Channel = Literal["smtp", "webhook"]


class _Shape(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Step(_Shape):
    """One reminder: when it goes, and its texts (sandboxed Jinja; empty: the shipped template)."""

    after_minutes: int = Field(ge=1, le=60 * 24 * 30)
    """Minutes after the cart's last change."""
    subject: str = Field(default="", max_length=300)
    html: str = Field(default="", max_length=50_000)
    text: str = Field(default="", max_length=20_000)
    coupon: str = Field(default="", max_length=64)
    """A coupon code shown in this reminder (empty: none)."""
    recommendations: int = Field(default=3, ge=0, le=6)
    """Recommended products to show beside the cart's items."""


def _default_steps() -> list[Step]:
    return [Step(after_minutes=60), Step(after_minutes=24 * 60)]


class BasketSettings(_Shape):
    """Per-site settings of abandoned-basket reminders."""

    enabled: bool = False
    """Nothing is detected or sent until a shop turns reminders on (the demo does)."""
    idle_minutes: int = Field(default=60, ge=5, le=60 * 24 * 7)
    """A cart with items and no change or purchase for this long is abandoned."""
    steps: list[Step] = Field(default_factory=_default_steps, min_length=1, max_length=5)
    """The reminder sequence, by minutes after the cart's last change (increasing)."""
    holdout_share: float = Field(default=0.1, ge=0, le=0.5)
    """Share of baskets that get no reminder (a stable hash of the basket), so the lift is measured."""
    recovery_days: int = Field(default=7, ge=1, le=30)
    """A purchase within this many days of the first reminder recovers the basket."""
    channel: Channel = "smtp"
    from_address: str = Field(default="", max_length=320)
    """The sender (SMTP); empty: ASSISTANT_SMTP_FROM."""
    webhook_url: str = Field(default="", max_length=2000)
    cart_url: str = Field(default="", max_length=2000)
    """The shop's cart page; the reminder's link lands there with `assistant_basket=<token>`."""
    consent_trait: str = Field(default="email_consent", max_length=64)
    """The identify trait that must be true for a customer to get reminders (e.g. accepts_marketing)."""
    max_attempts: int = Field(default=6, ge=1, le=20)
    """Delivery tries before a message is dead (shown in the admin)."""
    retry_seconds: int = Field(default=60, ge=1, le=3600)
    """The first retry's wait; each later one waits twice as long as the one before."""

    @field_validator("steps")
    @classmethod
    def _increasing(cls, steps: list[Step]) -> list[Step]:
        times = [step.after_minutes for step in steps]
        if times != sorted(set(times)):
            raise ValueError("steps must be in increasing order of after_minutes, none twice")
        return steps


def get_settings(*, session: Session, site: Site) -> BasketSettings:
    """The site's settings (defaults where none are stored)."""
    row = session.get(BasketSettingsRow, site.id)
    return BasketSettings.model_validate(row.settings) if row else BasketSettings()


def save_settings(*, session: Session, site: Site, data: dict[str, Any]) -> BasketSettings:
    """Validate and store the site's settings; InvalidFields names each bad field."""
    try:
        settings = BasketSettings.model_validate(data)
    except ValidationError as exc:
        raise InvalidFields(problems_of(exc, "settings")) from None
    row = session.get(BasketSettingsRow, site.id) or BasketSettingsRow(site_id=site.pk)
    row.settings = settings.model_dump(mode="json")
    row.updated_at = utcnow()
    session.add(row)
    session.flush()
    return settings
