"""Prices as shoppers read them in a message: the style a site chose names the locale that shows them.

The formatting itself is `assistant.catalog.money.format_money` (CLDR, through Babel), the one formatter
of the strips, the quiz, the demo and the admin; the widget's `Intl.NumberFormat` follows the same rules.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

from assistant.catalog.money import format_money, from_minor

__all__ = ["STYLE_LOCALES", "PriceStyle", "format_price", "from_minor"]

PriceStyle = Literal["prefix", "suffix"]
STYLE_LOCALES: dict[str, str] = {"prefix": "en", "suffix": "de"}
"""The locale of each style: prefix '€1,234.50' (English), suffix '1.234,50 €' (German)."""


def format_price(amount: Decimal | float | int, currency: str, style: PriceStyle = "prefix",
                 locale: str | None = None) -> str:
    """`amount` (major units) for display: as `locale` shows it when given, else prefix style '€1,234.50',
    suffix style '1.234,50 €'."""
    if isinstance(amount, bool) or not isinstance(amount, (Decimal, float, int)):
        raise TypeError("price() needs a number, such as cart_total or free_shipping_gap")
    return format_money(amount, currency, locale or STYLE_LOCALES[style])
