"""Prices are stored as integers in the currency's minor unit."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from assistant.numbers import NotANumber, to_decimal

# ISO 4217 currencies without a minor unit; every other currency has two decimals here.
_ZERO_DECIMAL = {"JPY", "KRW", "CLP", "ISK", "VND", "HUF"}


def exponent(currency: str) -> int:
    """Number of decimals of `currency`."""
    return 0 if currency.upper() in _ZERO_DECIMAL else 2


def to_minor(amount: str | float | int | Decimal, currency: str) -> int:
    """Parse an amount in major units ("129.90", 129.9) into minor units (12990)."""
    try:
        value = to_decimal(amount)
    except NotANumber:
        raise ValueError(f"'{amount}' is not a price") from None
    if value < 0:
        raise ValueError(f"'{amount}' is not a price")
    try:
        scaled = value.scaleb(exponent(currency)).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    except InvalidOperation:  # more digits than the context holds ("1e30")
        raise ValueError(f"'{amount}' is not a price") from None
    return int(scaled)


def to_major(minor: int, currency: str) -> float:
    """Minor units as a float in major units, for ranking and JSON."""
    return minor / 10 ** exponent(currency)


def format_price(minor: int, currency: str) -> str:
    """A plain display string such as '129.90 EUR'."""
    digits = exponent(currency)
    return f"{minor / 10 ** digits:.{digits}f} {currency.upper()}"
