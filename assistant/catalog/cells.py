"""One cell of a source row as a product value (price, stock, categories, an attribute), or a RowProblem."""

from __future__ import annotations

import re
from typing import Any

from assistant.catalog.money import to_minor

NUMBER = re.compile(r"^-?\d+(\.\d+)?$")
NUMBER_START = frozenset("-0123456789")


class RowProblem(ValueError):
    """A row cannot become a product; `field` names the product field."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


def price_minor(value: Any, currency: str) -> int:
    """A price cell ("89.90", "89,90", "15.00 USD") in the currency's minor units."""
    if value in (None, ""):
        raise RowProblem("price", "is missing")
    text = str(value).strip()
    parts = text.split()
    if len(parts) == 2 and parts[1].isalpha():  # Merchant feeds write "15.00 USD"
        text = parts[0]
    try:
        return to_minor(text, currency)
    except ValueError as exc:
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
