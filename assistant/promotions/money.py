"""Prices as shoppers read them in a message: '€8.00', '$1,234.50' or, in the suffix style, '8,00 €'."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Literal

from assistant.catalog.money import exponent

PriceStyle = Literal["prefix", "suffix"]
SYMBOLS = {"EUR": "€", "USD": "$", "GBP": "£", "JPY": "¥", "INR": "₹", "AUD": "A$", "CAD": "CA$", "NZD": "NZ$",
           "CHF": "CHF", "SEK": "kr", "NOK": "kr", "DKK": "kr", "PLN": "zł", "CZK": "Kč"}


def from_minor(minor: int, currency: str) -> Decimal:
    """Minor units as an exact Decimal in major units (1250, 'EUR' -> Decimal('12.50'))."""
    return Decimal(minor).scaleb(-exponent(currency))


def format_price(amount: Decimal | float | int, currency: str, style: PriceStyle = "prefix") -> str:
    """`amount` (major units) for display: prefix style '€1,234.50', suffix style '1.234,50 €'."""
    if isinstance(amount, bool) or not isinstance(amount, (Decimal, float, int)):
        raise TypeError("price() needs a number, such as cart_total or free_shipping_gap")
    digits = exponent(currency)
    value = Decimal(str(amount)).quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)
    sign, number = ("-" if value < 0 else ""), f"{abs(value):,.{digits}f}"
    symbol = SYMBOLS.get(currency.upper(), currency.upper())
    if style == "suffix":
        number = number.replace(",", "\0").replace(".", ",").replace("\0", ".")
        return f"{sign}{number} {symbol}"
    gap = " " if symbol[-1].isalpha() else ""
    return f"{sign}{symbol}{gap}{number}"
