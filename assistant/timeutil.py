"""Time helpers: timestamps are timezone-aware UTC everywhere."""

from __future__ import annotations

from datetime import UTC, datetime


def utcnow() -> datetime:
    """The current time in UTC."""
    return datetime.now(UTC)


def as_utc(value: datetime) -> datetime:
    """`value` as an aware UTC datetime (SQLite hands back naive ones, stored as UTC)."""
    return value if value.tzinfo else value.replace(tzinfo=UTC)
