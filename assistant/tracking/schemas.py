"""The validated shapes of what the widget sends: EventIn per type, and the batch envelope."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationInfo, field_validator, model_validator

from assistant.storable import CLEAN_TEXT, first_problem, unstorable_error

MAX_BATCH = 100
ClientId = Annotated[str, Field(min_length=8, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$")]
Sku = Annotated[str, Field(min_length=1, max_length=128)]
Text = Annotated[str, Field(max_length=500)]
Url = Annotated[str, Field(max_length=2000)]
Money = Annotated[float, Field(ge=0, le=10_000_000)]


class _Shape(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    @model_validator(mode="after")
    def _storable(self, info: ValidationInfo) -> Any:
        """Every field, whatever its type: text the databases can store, finite numbers, bounded nesting.

        Once per event, not per field: this runs on the ingest hot path. The path goes in the error's context.
        Strings parsed from text that storable.clean_json_text passed (context CLEAN_TEXT) need no second look:
        the numbers, lists and objects still do.
        """
        clean = info.context is not None and info.context.get(CLEAN_TEXT, False)
        for name, value in self.__dict__.items():
            if clean and value.__class__ is str:
                continue
            found = first_problem(value)
            if found:
                raise unstorable_error(f".{name}{found[0]}", found[1])
        return self


class Line(_Shape):
    """One cart or order line."""

    sku: Sku
    quantity: int = Field(default=1, ge=1, le=10_000)
    price: Money | None = None


class _Event(_Shape):
    id: ClientId
    ts: float | None = Field(default=None, description="client time, ms since the epoch")
    page: Url = ""

    @field_validator("ts")
    @classmethod
    def _finite(cls, value: float | None) -> float | None:
        if value is not None and not math.isfinite(value):
            raise ValueError("must be a finite number of milliseconds")
        return value


class PageView(_Event):
    type: Literal["page_view"]
    referrer: Url = ""
    title: Text = ""


class ProductView(_Event):
    type: Literal["product_view"]
    sku: Sku
    price: Money | None = None
    currency: str | None = Field(default=None, pattern=r"^[A-Z]{3}$")


class Search(_Event):
    type: Literal["search"]
    query: Annotated[str, Field(min_length=1, max_length=200)]


class Quiz(_Event):
    type: Literal["quiz_start", "quiz_answer", "quiz_finish", "quiz_result_click"]
    flow: Annotated[str, Field(min_length=1, max_length=64)]
    quiz: Annotated[str, Field(min_length=1, max_length=64)]
    question: Annotated[str, Field(max_length=64)] | None = None
    value: Any = None
    sku: Sku | None = None


class Shown(_Event):
    """Impressions and clicks of what the assistant showed, with the id used for attribution."""

    type: Literal["rec_impression", "rec_click", "promo_impression", "promo_click", "promo_dismiss"]
    ref: Annotated[str, Field(min_length=1, max_length=64)]
    placement: Annotated[str, Field(max_length=32)] = ""
    skus: list[Sku] = Field(default=[], max_length=50)
    sku: Sku | None = None
    variant: Annotated[str, Field(max_length=64)] | None = None


class SurveyEvent(_Event):
    """A micro-survey shown, answered or dismissed (the answered one is also recorded by the responses API)."""

    type: Literal["survey_shown", "survey_answered", "survey_dismissed"]
    survey_id: Annotated[str, Field(min_length=1, max_length=64)]
    response_id: ClientId | None = None
    placement: Annotated[str, Field(max_length=32)] = ""


class CartChange(_Event):
    type: Literal["add_to_cart", "remove_from_cart"]
    sku: Sku
    quantity: int = Field(default=1, ge=1, le=10_000)
    price: Money | None = None


class CartState(_Event):
    type: Literal["cart"]
    items: list[Line] = Field(max_length=200)
    value: Money | None = None
    currency: str | None = Field(default=None, pattern=r"^[A-Z]{3}$")


class Purchase(_Event):
    type: Literal["purchase"]
    order_id: Annotated[str, Field(min_length=1, max_length=128)]
    items: list[Line] = Field(default=[], max_length=200)
    value: Money
    currency: str | None = Field(default=None, pattern=r"^[A-Z]{3}$")


class Identify(_Event):
    type: Literal["identify"]
    customer_id: Annotated[str, Field(min_length=1, max_length=128)]
    traits: dict[Annotated[str, Field(max_length=64)], str | int | float | bool | None] = Field(
        default={}, max_length=30)


class Custom(_Event):
    type: Literal["custom"]
    name: Annotated[str, Field(min_length=1, max_length=64)]
    props: dict[Annotated[str, Field(max_length=64)], str | int | float | bool | None] = Field(
        default={}, max_length=30)


EventIn = Annotated[PageView | ProductView | Search | Quiz | Shown | SurveyEvent | CartChange | CartState | Purchase
                    | Identify | Custom, Field(discriminator="type")]
EVENT = TypeAdapter(EventIn)
EVENT_TYPES = sorted({t for m in (PageView, ProductView, Search, Quiz, Shown, SurveyEvent, CartChange, CartState,
                                  Purchase, Identify, Custom)
                      for t in m.model_fields["type"].annotation.__args__})  # type: ignore[union-attr]


def occurred_times(events: list[Any], received: datetime) -> list[datetime]:
    """Each event's client time, clamped to [received - 7 days, received + 5 minutes]; no time is `received`."""
    earliest, latest = received - timedelta(days=7), received + timedelta(minutes=5)
    low, high = earliest.timestamp() * 1000, latest.timestamp() * 1000
    times = []
    for event in events:
        ts = event.__dict__["ts"]
        if ts is None:
            times.append(received)
        else:  # a finite float (validated); out-of-range values clamp before any conversion can overflow
            times.append(earliest if ts < low else latest if ts > high else datetime.fromtimestamp(ts / 1000, UTC))
    return times
