"""QuizSession: one shopper's run through one flow; FlowDraft and FlowPublication: a flow's next version and its
published versions."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, DateTime, ForeignKey, Index, Integer, Text
from sqlmodel import Field, SQLModel

from assistant.timeutil import utcnow


def _new_id() -> str:
    return uuid.uuid4().hex


class QuizSession(SQLModel, table=True):
    """Answers given so far, in order, as [[question id, value], ...]."""

    __tablename__ = "quiz_session"
    __table_args__ = (Index("ix_quiz_session_site_visitor_flow", "site_id", "visitor_id", "flow_id", "updated_at"),
                      Index("ix_quiz_session_site_experiment", "site_id", "experiment"))

    id: str = Field(default_factory=_new_id, primary_key=True, max_length=32)
    site_id: int = Field(foreign_key="site.id")  # every query names the site: the indexes above start with it
    flow_id: str = Field(max_length=64)
    visitor_id: str | None = Field(default=None, max_length=64)
    page: str = Field(default="", max_length=2000)
    answers: list[Any] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    finished: bool = False
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(DateTime(timezone=True), nullable=False))
    updated_at: datetime = Field(default_factory=utcnow, sa_column=Column(DateTime(timezone=True), nullable=False))
    experiment: str | None = Field(default=None, max_length=64)
    """The flow experiment the run was assigned in (flows/experiments.py); None: none."""
    variant: str | None = Field(default=None, max_length=64)
    """The variant flow served instead of `flow_id` in that experiment; None: the flow itself."""


class FlowDraft(SQLModel, table=True):
    """The next version of a flow being edited in the admin (one per flow), not served until published."""

    __tablename__ = "flow_draft"

    id: int | None = Field(default=None, primary_key=True)
    flow_id: str = Field(max_length=64, unique=True)
    text: str = Field(sa_column=Column(Text, nullable=False))
    base_digest: str = Field(default="", max_length=64)
    """The sha256 of the live file's text the draft started from: publishing over a file changed since is refused."""
    updated_by: int | None = Field(default=None, sa_column=Column(
        Integer, ForeignKey("admin_user.id", ondelete="SET NULL"), nullable=True))
    updated_at: datetime = Field(default_factory=utcnow, sa_column=Column(DateTime(timezone=True), nullable=False))


class FlowPublication(SQLModel, table=True):
    """One publication of a flow file from the admin: who, when, the text published and the text it replaced."""

    __tablename__ = "flow_publication"
    __table_args__ = (Index("ix_flow_publication_flow_published", "flow_id", "published_at"),)

    id: int | None = Field(default=None, primary_key=True)
    flow_id: str = Field(max_length=64)
    file_name: str = Field(max_length=255)
    text: str = Field(sa_column=Column(Text, nullable=False))
    digest: str = Field(max_length=64)
    previous_text: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    published_by: int | None = Field(default=None, sa_column=Column(
        Integer, ForeignKey("admin_user.id", ondelete="SET NULL"), nullable=True))
    published_by_email: str = Field(max_length=254)
    """Kept as it was when published, so the history still names the person after their account is gone."""
    site_id: int | None = Field(default=None, sa_column=Column(Integer, ForeignKey("site.id", ondelete="SET NULL"),
                                                              nullable=True))
    """The site whose sessions the publisher replayed (flow files are shared by the folder)."""
    replay: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    """The replay's headline numbers when the draft was replayed before publishing."""
    published_at: datetime = Field(default_factory=utcnow, sa_column=Column(DateTime(timezone=True), nullable=False))
