"""Numbers written as text by shoppers, scripts and forms, read in one place: ASCII digits, bounds, a reason.

`'²'.isdigit()` is true and `int('²')` raises; `int('١٢')` is 12 and `float('1e400')` is infinity; a
database id holds at most 2^63 - 1. Every number read from a request, a form, an event or a stored text
goes through here, so none of those can reach a query or a template as something it cannot hold.
"""

from __future__ import annotations

import math
import re
from decimal import Decimal, InvalidOperation
from typing import Any

MAX_INT = 2**63 - 1
"""The largest whole number any column holds (a signed 64-bit integer on PostgreSQL and SQLite)."""
MAX_ID = 2**31 - 1
"""The largest id of an INTEGER primary key (campaigns, sites, products, users: 32 bits on PostgreSQL)."""
MAX_AMOUNT = Decimal(10_000_000)
"""The largest amount of money (major units) a cart, a sample or a condition may name."""
MAX_COUNT = 1_000_000
"""The largest count (visits, items, quantities) a condition or a sample may name."""
_WHOLE = re.compile(r"[+-]?[0-9]{1,19}")
_DECIMAL = re.compile(r"[+-]?(?:[0-9]{1,19}(?:[.,][0-9]{0,20})?|[.,][0-9]{1,20})")


class NotANumber(ValueError):
    """Why a text is not a number in range, in words a person can act on."""


def whole_number(text: str, *, low: int = 0, high: int = MAX_INT) -> int:
    """The whole number written in ASCII digits in `text` (spaces around allowed), from `low` to `high`."""
    stripped = text.strip()
    if not _WHOLE.fullmatch(stripped) or not low <= int(stripped) <= high:
        raise NotANumber(f"must be a whole number from {low} to {high}")
    return int(stripped)


def whole_or_none(text: str | None, *, low: int = 0, high: int = MAX_INT) -> int | None:
    """`whole_number(text)`, or None when `text` is missing or is not one."""
    try:
        return whole_number(text or "", low=low, high=high)
    except NotANumber:
        return None


def decimal_number(text: str, *, low: Decimal = Decimal(0), high: Decimal = MAX_AMOUNT) -> Decimal:
    """The decimal written in ASCII digits in `text` ('42', '42.50', '42,5'; no exponent), from `low` to `high`."""
    stripped = text.strip()
    if not _DECIMAL.fullmatch(stripped):
        raise NotANumber(f"must be a number such as 42.50 (from {low:f} to {high:f})")
    value = Decimal(stripped.replace(",", "."))
    if not low <= value <= high:
        raise NotANumber(f"must be a number from {low:f} to {high:f}")
    return value


def decimal_or_none(text: str | None, *, low: Decimal = -MAX_AMOUNT, high: Decimal = MAX_AMOUNT) -> Decimal | None:
    """`decimal_number(text)`, or None when `text` is missing or is not one."""
    try:
        return decimal_number(text or "", low=low, high=high)
    except NotANumber:
        return None


def is_id(value: int) -> bool:
    """Whether `value` can be a database id (1 to MAX_ID)."""
    return 1 <= value <= MAX_ID


def is_finite(value: Any) -> bool:
    """Whether `value` is an int or float (not a bool) that a float holds: no NaN, infinity or 400-digit int."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return False
    try:
        return math.isfinite(value)
    except OverflowError:  # an int too large for a float
        return False


def to_decimal(value: Any) -> Decimal:
    """An int, float, Decimal or ASCII numeric text as an exact Decimal; NotANumber otherwise (no NaN/infinity)."""
    if isinstance(value, str):
        return decimal_number(value, low=Decimal("-Infinity"), high=Decimal("Infinity"))
    if isinstance(value, Decimal) and value.is_finite():
        return value
    if not is_finite(value):
        raise NotANumber("must be a finite number")
    try:
        return Decimal(str(value))
    except InvalidOperation:  # pragma: no cover  (str of a finite number is always a Decimal)
        raise NotANumber("must be a finite number") from None
