"""What a history import read, stored, found already there and left out, with why (tracking.history's report)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from assistant.tracking.history_files import FileProblem

FIRST_LINES = 5
"""Line numbers kept per skip reason, to show."""


@dataclass
class Skipped:
    """Rows and orders left out for one reason, and the first lines where it happened."""

    rows: int = 0
    orders: int = 0
    lines: list[int] = field(default_factory=list)
    times: int = 0
    """How often it happened (a row, or an order of several rows): more than `lines` holds, or not."""

    def add(self, line: int, rows: int = 1, orders: int = 0) -> None:
        """Count `rows` rows (and `orders` orders) skipped, first seen at `line`."""
        self.rows += rows
        self.orders += orders
        self.times += 1
        if len(self.lines) < FIRST_LINES:
            self.lines.append(line)


@dataclass
class HistoryReport:
    """What an import read, stored, found already there and left out (with why), and how long it took."""

    rows: int = 0
    orders: int = 0
    """Orders read in the file (stored, known or skipped)."""
    stored: int = 0
    known: int = 0
    anonymous: int = 0
    """Orders stored without a customer id."""
    other_currency: dict[str, int] = field(default_factory=dict)
    """Orders stored in a currency not the site's, per currency (customer figures add up the site's alone)."""
    site_currency: str = ""
    customers_created: int = 0
    customers_updated: int = 0
    skipped: dict[str, Skipped] = field(default_factory=dict)
    problem: FileProblem | None = None
    """Why the file could not be read to its end (what came before was imported)."""
    dry_run: bool = False
    seconds: float = 0.0
    first: datetime | None = None
    last: datetime | None = None
    """The dates of the earliest and latest order stored."""

    def skip(self, reason: str, line: int, rows: int = 1, orders: int = 0) -> None:
        """Count something left out for `reason`."""
        self.skipped.setdefault(reason, Skipped()).add(line, rows, orders)
