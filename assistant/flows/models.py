"""QuizSession: one shopper's run through one flow."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, DateTime, Index
from sqlmodel import Field, SQLModel

from assistant.timeutil import utcnow


def _new_id() -> str:
    return uuid.uuid4().hex


class QuizSession(SQLModel, table=True):
    """Answers given so far, in order, as [[question id, value], ...]."""

    __tablename__ = "quiz_session"
    __table_args__ = (Index("ix_quiz_session_site_visitor_flow", "site_id", "visitor_id", "flow_id", "updated_at"),)

    id: str = Field(default_factory=_new_id, primary_key=True, max_length=32)
    site_id: int = Field(foreign_key="site.id", index=True)
    flow_id: str = Field(max_length=64, index=True)
    visitor_id: str | None = Field(default=None, max_length=64, index=True)
    page: str = Field(default="", max_length=2000)
    answers: list[Any] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    finished: bool = False
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(DateTime(timezone=True), nullable=False))
    updated_at: datetime = Field(default_factory=utcnow, sa_column=Column(DateTime(timezone=True), nullable=False))
