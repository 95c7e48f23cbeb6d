"""Campaign, Variant and PromotionSettings tables, and the validated shapes marketers create them from."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, field_validator
from pydantic import Field as Pydantic
from sqlalchemy import JSON, Column, DateTime, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from assistant.storable import check_storable
from assistant.timeutil import utcnow

Placement = Literal["cart", "checkout", "product", "any", "quiz_results", "exit_intent"]
Status = Literal["draft", "live", "paused", "ended"]
CtaKind = Literal["none", "link", "coupon", "products"]
AllocationMode = Literal["fixed", "bandit"]
BanditMetric = Literal["conversion", "click"]
PLACEMENTS: tuple[str, ...] = Placement.__args__  # type: ignore[attr-defined]
STATUSES: tuple[str, ...] = Status.__args__  # type: ignore[attr-defined]
MAX_MESSAGE = 2000


def _when(nullable: bool = False) -> Any:
    if nullable:
        return Field(default=None, sa_column=Column(DateTime(timezone=True), nullable=True))
    return Field(default_factory=utcnow, sa_column=Column(DateTime(timezone=True), nullable=False))


class Campaign(SQLModel, table=True):
    """A promotion: where it shows, to whom, when, how often; its messages are its variants."""

    __table_args__ = (Index("ix_campaign_site_status", "site_id", "status"),)

    id: int | None = Field(default=None, primary_key=True)
    site_id: int = Field(foreign_key="site.id")
    name: str = Field(max_length=200)
    placement: str = Field(max_length=16)
    status: str = Field(default="draft", max_length=8)
    priority: int = 0
    conditions: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    starts_at: datetime | None = _when(nullable=True)
    ends_at: datetime | None = _when(nullable=True)
    timezone: str = Field(default="UTC", max_length=64)
    """IANA name; the schedule is entered and shown in it, and per-day caps count its days."""
    cap_per_session: int | None = None
    cap_per_day: int | None = None
    cap_total: int | None = None
    allocation: str = Field(default="fixed", max_length=8)
    """'fixed': traffic split by the variants' weights; 'bandit': Thompson sampling moves it (promotions.bandit)."""
    bandit_metric: str = Field(default="conversion", max_length=16)
    """What the bandit maximizes: 'conversion' (a purchase, as the results count it) or 'click'."""
    min_share: float = 0.05
    """The bandit's floor: every message variant keeps at least this share of all traffic."""
    serving_weights: dict[str, float] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    """The bandit's current share of traffic per variant key (None: not updated yet, the weights serve)."""
    weights_updated_at: datetime | None = _when(nullable=True)
    """When `serving_weights` last changed (the live cache reloads on it)."""
    created_at: datetime = _when()
    updated_at: datetime = _when()

    @property
    def pk(self) -> int:
        """The id of a stored campaign."""
        if self.id is None:
            raise RuntimeError("the campaign has not been stored yet")
        return self.id


class Variant(SQLModel, table=True):
    """One arm of a campaign: a message and call to action, or the control arm that shows nothing."""

    __tablename__ = "campaign_variant"
    __table_args__ = (UniqueConstraint("campaign_id", "key", name="uq_variant_campaign_key"),)

    id: int | None = Field(default=None, primary_key=True)
    campaign_id: int = Field(foreign_key="campaign.id", index=True)
    key: str = Field(max_length=32)
    weight: int = 1
    is_control: bool = False
    message: str = Field(default="", sa_column=Column(Text, nullable=False))
    cta_kind: str = Field(default="none", max_length=16)
    cta_text: str = Field(default="", max_length=200)
    cta_url: str = Field(default="", max_length=2000)
    coupon_code: str = Field(default="", max_length=64)


class PromotionSettings(SQLModel, table=True):
    """A site's promotion settings (free-shipping threshold, slots, attention budget) as validated JSON."""

    __tablename__ = "promotion_settings"

    site_id: int = Field(foreign_key="site.id", primary_key=True)
    settings: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    updated_at: datetime = _when()


class _Shape(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)

    @field_validator("*")
    @classmethod
    def _storable(cls, value: Any) -> Any:
        """Every field, forms and YAML alike: text the databases can store (a YAML "\\0" is a NUL), finite numbers."""
        return check_storable(value)


class CtaIn(_Shape):
    """The call to action: a link, a coupon code to copy, or the recommended products."""

    kind: CtaKind = "none"
    text: str = Pydantic(default="", max_length=200)
    url: str = Pydantic(default="", max_length=2000)
    coupon: str = Pydantic(default="", max_length=64)


class VariantIn(_Shape):
    """One arm as a marketer writes it; `control: true` shows nothing and only records exposure."""

    key: str = Pydantic(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]*$")
    weight: int = Pydantic(default=1, ge=0, le=10_000)
    control: bool = False
    message: str = Pydantic(default="", max_length=MAX_MESSAGE)
    cta: CtaIn = CtaIn()


class ScheduleIn(_Shape):
    """When a live campaign runs; naive times are read in `timezone`, either end may be open."""

    start: datetime | None = None
    end: datetime | None = None
    timezone: str = Pydantic(default="UTC", min_length=1, max_length=64)


class CapsIn(_Shape):
    """How often one visitor may be shown the campaign; None means no cap."""

    per_session: int | None = Pydantic(default=None, ge=1, le=1000)
    per_day: int | None = Pydantic(default=None, ge=1, le=1000)
    total: int | None = Pydantic(default=None, ge=1, le=100_000)


class AllocationIn(_Shape):
    """How traffic is split: by the variants' weights, or by a Thompson-sampling bandit with a floor per variant.

    Under a bandit the control variant keeps its weight's share of traffic all along (so the lift over
    showing nothing stays measurable); the message variants share the rest, each at least `min_share`
    of all traffic, the better ones more.
    """

    mode: AllocationMode = "fixed"
    metric: BanditMetric = "conversion"
    min_share: float = Pydantic(default=0.05, ge=0, le=0.5)


class CampaignIn(_Shape):
    """A campaign as created, edited, exported and imported (structure only; see checks.parse_campaign)."""

    name: str = Pydantic(min_length=1, max_length=200)
    placement: Placement
    status: Status = "draft"
    priority: int = Pydantic(default=0, ge=-1000, le=1000)
    conditions: dict[str, Any] = {}
    schedule: ScheduleIn = ScheduleIn()
    caps: CapsIn = CapsIn()
    variants: list[VariantIn] = Pydantic(min_length=1, max_length=10)
    allocation: AllocationIn = AllocationIn()
