"""The shapes every admin report shares: the dates it covers and one page of its rows."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class Window:
    """The dates a report covers: start included, end excluded; None leaves that side open."""

    start: datetime | None = None
    end: datetime | None = None


@dataclass
class Page:
    """A page of rows (newest first) and how many match."""

    rows: list[dict[str, Any]]
    total: int
    number: int
    size: int
    pages: int = field(init=False)

    def __post_init__(self) -> None:
        self.pages = max(1, -(-self.total // self.size))

    @property
    def first(self) -> int:
        """The position of the page's first row among all matching (1-based)."""
        return (self.number - 1) * self.size + 1
