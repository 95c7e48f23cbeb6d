"""The Site table."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Column, DateTime, Float
from sqlmodel import Field, SQLModel

from assistant.timeutil import utcnow


class Site(SQLModel, table=True):
    """A shop: its public key goes in the widget's script tag."""

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(index=True, unique=True, max_length=64)
    name: str = Field(max_length=200)
    allowed_origins: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    currency: str = Field(default="EUR", max_length=3)
    secret_hash: str | None = Field(default=None, max_length=100)
    """SHA-256 of the secret key the shop's server sends its orders with (sites.secrets); the key itself is not kept."""
    control_share: float = Field(default=0.05, sa_column=Column(Float, nullable=False, server_default="0.05"))
    """Share of visitors in the global control group (sites/control.py): they see nothing of the assistant."""
    default_locale: str | None = Field(default=None, max_length=35)
    """The language shown to a page whose own language has no catalogue (BCP 47, 'fr'; docs/i18n.md); None: English."""

    @property
    def pk(self) -> int:
        """The id of a stored site."""
        if self.id is None:
            raise RuntimeError("the site has not been stored yet")
        return self.id

    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(DateTime(timezone=True), nullable=False)
    )
