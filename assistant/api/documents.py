"""The JSON shapes of /api/v1 as pydantic models, for the OpenAPI document (api/openapi.py).

The request shapes state the rules the views and the domain check (tracking's event and order models
are used as they are: they are the validators); the answer shapes are what api/shapes.py and the
views write. No view validates with these at request time: Schemathesis, run against the live server
in CI, holds the two together.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from assistant.catalog.models import ProductPublic
from assistant.numbers import MAX_COUNT
from assistant.promotions.models import Placement as PromotionPlacement
from assistant.recommend.service import PLACEMENTS as STRIP_PLACEMENTS
from assistant.surveys.eligibility import PLACEMENTS as SURVEY_PLACEMENTS
from assistant.surveys.responses import DEVICES
from assistant.tracking.schemas import MAX_BATCH, EventIn

ClientId = Annotated[str, Field(min_length=8, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$",
                                description="The widget's visitor id (localStorage), 8-64 letters, digits or _.:-")]
Line = r"^[^\x00]*[^\s\x00][^\x00]*$"
"""Text that is not blank and has no NUL (what api.body.text_field takes)."""
Named = Annotated[str, Field(min_length=1, max_length=64, pattern=Line)]
SiteKey = Annotated[str, Field(min_length=1, max_length=64, description="The site's public key (pk_...)",
                               examples=["pk_live_example"])]
Device = Literal["desktop", "mobile", "tablet"]
assert set(DEVICES) == set(Device.__args__)  # type: ignore[attr-defined]


class _Answer(BaseModel):
    model_config = ConfigDict(extra="allow")


# --- errors ---------------------------------------------------------------------------------------------------

class ErrorDetail(BaseModel):
    """What went wrong: a stable code, the request field at fault (null: none in particular), a sentence."""

    code: str = Field(examples=["invalid"])
    field: str | None = Field(examples=["visitor"])
    message: str = Field(examples=["must be 8-64 letters, digits or _.:-"])


class ErrorBody(_Answer):
    """Every error answer of the API."""

    error: ErrorDetail


# --- query parameters -----------------------------------------------------------------------------------------

class SiteQuery(BaseModel):
    """Every call from a shop's page names its site."""

    site: SiteKey


class FlowsQuery(SiteQuery):
    page: str | None = Field(None, max_length=2000, pattern=r"^/", description="The page's URL path")
    visitor: ClientId | None = None


class RecommendationsQuery(SiteQuery):
    placement: Literal[tuple(STRIP_PLACEMENTS)]  # type: ignore[valid-type]
    visitor: Annotated[str, Field(min_length=1, max_length=128)] | None = None
    product: Annotated[str, Field(min_length=1, max_length=128, description="The SKU on a product page")] | None \
        = None
    cart: str | None = Field(None, description="The cart's SKUs, comma-separated (the first 100 count)")
    n: int = Field(8, ge=1, le=24, description="How many products")
    lang: str = Field("", max_length=35, description="The page's language tag: the title and reasons in it")


class PromotionsQuery(SiteQuery):
    visitor: Annotated[str, Field(min_length=8, max_length=64)]
    placement: PromotionPlacement
    page: str = Field("", description="The page's URL (the first 2,000 characters count)")
    device: Device = "desktop"
    cart: str | None = Field(None, description="The page's cart as SKU:QTY,SKU:QTY (wins over the stored cart)")
    cart_value: str | None = Field(None, pattern=r"^\s*[0-9]{1,12}(\.[0-9]{1,6})?\s*$",
                                   description="The page's cart total, with `cart`")
    lang: str = Field("", description="The page's language tag")


class SurveysQuery(SiteQuery):
    visitor: ClientId
    placement: Literal[SURVEY_PLACEMENTS]  # type: ignore[valid-type]
    page: str = Field("", max_length=2000)
    device: Device = "desktop"
    lang: str = Field("", max_length=35)
    views: int | None = Field(None, ge=0, le=MAX_COUNT,
                              description="Product views in the visit (required with placement=product_views)")


class TokenQuery(BaseModel):
    token: str = Field(description="The restore token from the reminder link (?assistant_basket=)")


# --- request bodies -------------------------------------------------------------------------------------------

class EventBatch(BaseModel):
    """A batch of events; each event is validated alone and a bad one is rejected without its batch."""

    visitor: ClientId
    events: list[EventIn] = Field(min_length=1, max_length=MAX_BATCH)


class QuizStart(BaseModel):
    flow: Named
    visitor: Annotated[str, Field(min_length=1, max_length=64, pattern=Line)] | None = None
    page: Annotated[str, Field(max_length=2000, pattern=Line)] | None = None
    fresh: bool = Field(False, description="Carry no answers over from an earlier run")


class QuizAnswer(BaseModel):
    question: str | None = Field(None, description="The question answered (default: the current one)")
    value: Any = Field(description="An answer id, a list of ids (multi), a number (range, scale), text, or null "
                                   "to skip an optional question")


class SurveyPost(BaseModel):
    response_id: ClientId
    visitor: ClientId
    answers: dict[str, Any] = Field({}, description="Question id -> score, choice id(s) or text")
    complete: bool = False
    page: str = Field("", max_length=2000)
    placement: Literal[SURVEY_PLACEMENTS] = "page"  # type: ignore[valid-type]
    device: Device = "desktop"
    lang: str = Field("", max_length=35)


# --- answers --------------------------------------------------------------------------------------------------

class Control(_Answer):
    control: bool | None = Field(None, description="true: the visitor is in the site's control group, shown nothing")


class FlowSummary(_Answer):
    id: str
    title: str
    description: str
    trigger: Literal["button", "auto", "inline"]
    label: str
    questions: int


class FlowList(Control):
    flows: list[FlowSummary]


class Choice(_Answer):
    id: str
    text: str


class QuestionPublic(_Answer):
    id: str
    text: str
    type: Literal["single", "multi", "range", "scale", "text"]
    help: str | None
    optional: bool
    answers: list[Choice] | None = None
    min: float | None = None
    max: float | None = None
    step: float | None = None
    unit: str | None = None
    labels: list[str] | None = None
    field: str | None = None


class FlowPublic(FlowSummary):
    items: list[QuestionPublic]


class FlowDetail(_Answer):
    flow: FlowPublic


class FlowRef(_Answer):
    id: str
    title: str


class GivenAnswer(_Answer):
    question: str
    value: Any


class Progress(_Answer):
    answered: int
    total: int


class QuizState(_Answer):
    quiz: str
    flow: FlowRef
    question: QuestionPublic | None
    answers: list[GivenAnswer]
    progress: Progress
    done: bool
    carried: list[str] = Field(description="Questions answered from the visitor's earlier run")


Product = ProductPublic  # the shape the catalog index encodes for the widget (catalog/index.py)


class Reason(_Answer):
    kind: str
    text: str


class RankedProduct(_Answer):
    product: Product
    score: float
    reasons: list[Reason]
    misses: list[str] = Field(description="Relaxed answers this product does not meet")


class RelaxedAnswer(_Answer):
    question: str
    label: str
    text: str


class QuizResults(_Answer):
    quiz: str
    items: list[RankedProduct]
    matching: int
    fallback: bool
    relaxed: list[RelaxedAnswer]


class StripItem(_Answer):
    product: Product
    reason: Reason


class Strip(Control):
    items: list[StripItem]
    placement: str
    rec: str | None = Field(description="The strip's id, for rec_impression and rec_click events")
    title: str


class Message(_Answer):
    ref: str
    campaign: int
    variant: str
    placement: str
    control: bool
    html: str
    text: str
    cta: dict[str, str]
    items: list[dict[str, Any]]


class WidgetStrings(_Answer):
    """The widget's own words in the page's language (docs/i18n.md)."""

    lang: str = Field(description="The page's language tag as sent")
    locale: str = Field(description="The locale chosen by the fallback order (en: none translated)")
    dir: str = Field(description="'ltr' or 'rtl'")
    strings: dict[str, str] = Field(description="English text -> translation")
    plurals: dict[str, dict[str, str]] = Field(
        default_factory=dict, description="A counted text's English singular -> {CLDR plural category (zero, one, two, "
                                          "few, many, other): translation}; the widget picks with Intl.PluralRules")


class Messages(Control):
    messages: list[Message]
    i18n: WidgetStrings | None = Field(None, description="With any message: the widget's words for them")


class SurveyPublic(_Answer):
    id: str
    title: str
    locale: str | None
    placement: str
    thanks: str
    questions: list[dict[str, Any]]
    i18n: WidgetStrings | None = Field(None, description="The widget's words for the survey card")


class SurveyOffer(Control):
    survey: SurveyPublic | None


class SurveySaved(_Answer):
    response_id: str
    complete: bool
    follow_ups: list[str]


class Rejected(_Answer):
    index: int
    field: str
    reason: str


class EventsStored(_Answer):
    accepted: int
    duplicates: int
    bot: bool
    rejected: list[Rejected]


class OrderStored(_Answer):
    order_id: str
    stored: bool
    duplicate: bool


class CartLine(_Answer):
    sku: str
    quantity: int


class RestoredCart(_Answer):
    items: list[CartLine]
    currency: str


class Unsubscribed(_Answer):
    unsubscribed: bool
