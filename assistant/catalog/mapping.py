"""ColumnMapping: how the columns of a source file become product fields."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from assistant.catalog.models import ProductIn
from assistant.catalog.money import to_minor

_FIELD_ALIASES = {
    "sku": ["sku", "id", "product_id"],
    "title": ["title", "name"],
    "description": ["description"],
    "url": ["url", "link"],
    "image": ["image", "image_link", "image_url"],
    "price": ["price"],
    "currency": ["currency"],
    "categories": ["categories", "category", "product_type"],
    "stock": ["stock", "quantity", "inventory"],
    "rating": ["rating"],
}
_NUMBER = re.compile(r"^-?\d+(\.\d+)?$")


class RowProblem(ValueError):
    """A row cannot become a product; `field` names the product field."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


@dataclass
class ColumnMapping:
    """Product field -> source column (or columns, or a constant)."""

    fields: dict[str, Any] = field(default_factory=dict)
    attributes: dict[str, Any] = field(default_factory=dict)
    currency: str = "EUR"
    list_separator: str = "|"
    category_separator: str = ">"
    other_columns_as_attributes: bool = True

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ColumnMapping:
        """Build a mapping from a parsed mapping file."""
        data = dict(data)
        attributes = data.pop("attributes", {}) or {}
        options = {k: data.pop(k) for k in ("currency", "list_separator", "category_separator",
                                            "other_columns_as_attributes") if k in data}
        unknown = set(data) - set(_FIELD_ALIASES)
        if unknown:
            raise RowProblem(sorted(unknown)[0], f"not a product field (known: {', '.join(_FIELD_ALIASES)})")
        return cls(fields=data, attributes=attributes, **options)

    def apply(self, raw: dict[str, Any]) -> ProductIn:
        """Turn one source row into a validated ProductIn, or raise RowProblem."""
        columns = {_key(k): k for k in raw}
        values: dict[str, Any] = {}
        used: set[str] = set()
        for name in _FIELD_ALIASES:
            source = self._source(name, columns)
            if source is not None:
                values[name] = self._read(source, raw, used)
        currency = str(values.pop("currency", None) or self.currency).upper()
        data: dict[str, Any] = {k: v for k, v in values.items() if v not in (None, "")}
        data["currency"] = currency
        data["price_minor"] = _price(values.get("price"), currency)
        data.pop("price", None)
        data["categories"] = self._categories(values.get("categories"))
        data["stock"] = _stock(values.get("stock"))
        data["attributes"] = self._attributes(raw, used)
        try:
            return ProductIn.model_validate(data)
        except ValidationError as exc:
            first = exc.errors()[0]
            reason = "is required" if first["type"] == "missing" else first["msg"]
            raise RowProblem(".".join(str(p) for p in first["loc"]), reason) from None

    def _source(self, name: str, columns: dict[str, str]) -> Any:
        if name in self.fields:
            return self.fields[name]
        for alias in _FIELD_ALIASES[name]:
            if alias in columns:
                return columns[alias]
        return None

    def _read(self, source: Any, raw: dict[str, Any], used: set[str]) -> Any:
        if isinstance(source, dict) and "value" in source:
            return source["value"]
        if isinstance(source, list):
            used.update(source)
            return slug("-".join(str(raw.get(c, "")) for c in source))
        used.add(source)
        if source not in raw:
            raise RowProblem(source, "column is missing from the file")
        value = raw[source]
        return value.strip() if isinstance(value, str) else value

    def _categories(self, value: Any) -> list[str]:
        if not value:
            return []
        if isinstance(value, list):
            return [str(v).strip() for v in value if str(v).strip()]
        parts = str(value).split(self.list_separator)
        return [p.split(self.category_separator)[-1].strip() for p in parts if p.strip()]

    def _attributes(self, raw: dict[str, Any], used: set[str]) -> dict[str, Any]:
        attributes: dict[str, Any] = {}
        for name, source in self.attributes.items():
            if isinstance(source, dict) and "flags" in source:
                flags = source["flags"]
                pairs = flags.items() if isinstance(flags, dict) else ((_key(c), c) for c in flags)
                attributes[name] = [value for value, column in pairs if _truthy(raw.get(column))]
                used.update(flags.values() if isinstance(flags, dict) else flags)
            else:
                used.add(source)
                if raw.get(source) not in (None, ""):
                    attributes[name] = self._attribute_value(raw[source])
        if self.other_columns_as_attributes:
            for column, value in raw.items():
                if column not in used and _key(column) not in attributes and value not in (None, ""):
                    attributes[_key(column)] = self._attribute_value(value)
        return attributes

    def _attribute_value(self, value: Any) -> Any:
        if not isinstance(value, str):
            return value
        value = value.strip()
        if self.list_separator in value:
            return [v.strip() for v in value.split(self.list_separator) if v.strip()]
        if _NUMBER.match(value):
            return float(value) if "." in value else int(value)
        return value


def slug(text: str) -> str:
    """A lowercase ASCII id made of letters, digits and dashes."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


def _key(column: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", column.strip().lstrip("\ufeff").lower()).strip("_")


def _truthy(value: Any) -> bool:
    return str(value).strip().lower() in {"1", "true", "yes", "y", "x"}


def _price(value: Any, currency: str) -> int:
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


def _stock(value: Any) -> int | None:
    if value in (None, ""):
        return None
    text = str(value).strip().lower()
    if text in {"in stock", "in_stock", "available"}:
        return None
    if text in {"out of stock", "out_of_stock", "sold out"}:
        return 0
    try:
        return int(float(text))
    except ValueError:
        raise RowProblem("stock", f"'{value}' is not a whole number or 'in stock'") from None
