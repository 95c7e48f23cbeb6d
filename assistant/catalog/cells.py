"""One cell of a source row as a product value (price, stock, categories, an attribute), or a RowProblem."""

from __future__ import annotations

import re
from typing import Any

from assistant.catalog.money import AmbiguousAmount, AmountProblem, parse_price

NUMBER = re.compile(r"^-?\d+(\.\d+)?$")
NUMBER_START = frozenset("-0123456789")


class RowProblem(ValueError):
    """A row cannot become a product; `field` names the product field."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


def price_minor(value: Any, currency: str, locale: str | None = None, column: str = "price") -> int:
    """A price cell ("89.90", "89,90", "1.234,50", "15.00 USD") in the currency's minor units.

    `locale` is the feed's (a mapping's `price_locale:`): without it a number two locales read
    differently ("1,234") is refused, naming `column`, rather than guessed.
    """
    if value is None or value == "" or isinstance(value, bool):
        raise RowProblem("price", "is missing" if value is None or value == "" else f"'{value}' is not a price")
    try:
        return parse_price(value.strip() if isinstance(value, str) else value, currency, locale=locale)
    except AmbiguousAmount as exc:
        raise RowProblem("price", f"{exc} (column {column}): say how the feed writes numbers with `price_locale:` "
                                  "in the mapping (en_US reads 1,234 as 1234, de_DE as 1.234)") from None
    except AmountProblem as exc:
        raise RowProblem("price", str(exc)) from None


def stock(value: Any) -> int | None:
    """A stock cell: a whole number, 'in stock' (None: unlimited) or 'out of stock' (0)."""
    if value in (None, ""):
        return None
    text = str(value).strip().lower()
    if text in {"in stock", "in_stock", "available"}:
        return None
    if text in {"out of stock", "out_of_stock", "sold out"}:
        return 0
    try:
        return int(float(text))
    except (ValueError, OverflowError):
        raise RowProblem("stock", f"'{value}' is not a whole number or 'in stock'") from None


def categories(value: Any, separator: str, path_separator: str) -> list[str]:
    """A categories cell ("Outdoor>Shoes|Sale", or a list): the last step of each path."""
    if not value:
        return []
    if isinstance(value, list):
        return [str(v).strip() for v in value if str(v).strip()]
    parts = str(value).split(separator)
    return [p.split(path_separator)[-1].strip() for p in parts if p.strip()]


def attribute_value(value: Any, separator: str) -> Any:
    """An attribute cell: text split into a list at `separator`, a number, or the text; other values as they are."""
    if not isinstance(value, str):
        return value
    value = value.strip()
    if separator in value:
        return [v.strip() for v in value.split(separator) if v.strip()]
    if value[:1] in NUMBER_START and NUMBER.match(value):
        return float(value) if "." in value else int(value)
    return value
