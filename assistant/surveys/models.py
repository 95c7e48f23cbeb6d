"""survey_response: one shopper's answers to one survey, saved the moment the score is tapped.

A response is created by its first answer (the score: `complete` false) and completed by later ones (a
follow-up comment), always under the id the widget made for it (`response_id`, unique per site), so a
retried request changes nothing. The first scored question (NPS, CSAT or CES) is copied into `kind` and
`score`, and the first free-text answer into `comment`, for the results page to count without reading
`answers`. Where and on what the survey was answered (page, placement, device, locale) and the customer's
RFM segment at that moment are kept with it, so results by segment, page and device stay as they were.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, DateTime, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from assistant.timeutil import utcnow


def _when() -> Any:
    return Field(default_factory=utcnow, sa_column=Column(DateTime(timezone=True), nullable=False))


class SurveyResponse(SQLModel, table=True):
    """One response: the answers so far, keyed by question id, and what they are counted by."""

    __tablename__ = "survey_response"
    __table_args__ = (UniqueConstraint("site_id", "response_id", name="uq_survey_response_site_response"),
                      Index("ix_survey_response_site_survey_created", "site_id", "survey_id", "created_at"),
                      Index("ix_survey_response_site_visitor", "site_id", "visitor_id"))

    id: int | None = Field(default=None, primary_key=True)
    site_id: int = Field(foreign_key="site.id")
    survey_id: str = Field(max_length=64)
    response_id: str = Field(max_length=64)
    """Made by the widget when the survey is shown; the idempotency key of every answer to it."""
    visitor_id: int | None = None
    """The tracking visitor (visitor.id) who answered."""
    customer_id: str | None = Field(default=None, max_length=128)
    """The shop's customer id when the visitor had identified."""
    segment: str | None = Field(default=None, max_length=40)
    """The customer's RFM segment (customer_figure.segment) when they answered."""
    page: str = Field(default="", max_length=500)
    """The page's path."""
    placement: str = Field(default="page", max_length=40)
    """What showed it: page, purchase, quiz_finished, search_no_click, product_views or exit_intent."""
    device: str = Field(default="desktop", max_length=10)
    locale: str | None = Field(default=None, max_length=35)
    kind: str | None = Field(default=None, max_length=8)
    """nps, csat or ces: the survey's first scored question's kind."""
    score: int | None = None
    answers: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    """Question id -> a score (int), a choice id (str), choice ids (list of str) or a text (str)."""
    comment: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    complete: bool = False
    created_at: datetime = _when()
    updated_at: datetime = _when()
