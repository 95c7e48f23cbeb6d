"""ColumnMapping: how the columns of a source file become product fields."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from assistant.catalog.cells import RowProblem, attribute_value, categories, price_minor, stock
from assistant.catalog.models import ProductIn
from assistant.catalog.quick import QuickRows
from assistant.catalog.values import Values, values_of

__all__ = ["ColumnMapping", "RowProblem", "problem_of", "slug"]

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
_OPTIONAL = ("description", "url", "image", "currency", "categories", "stock", "rating")


@dataclass
class ColumnMapping:
    """Product field -> source column (or columns, or a constant)."""

    fields: dict[str, Any] = field(default_factory=dict)
    attributes: dict[str, Any] = field(default_factory=dict)
    currency: str = "EUR"
    list_separator: str = "|"
    category_separator: str = ">"
    other_columns_as_attributes: bool = True
    _plans: dict[tuple[str, ...], _Plan] = field(default_factory=dict, init=False, repr=False, compare=False)

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
        try:
            return ProductIn.model_validate(self.product_fields(raw))
        except ValidationError as exc:
            raise problem_of(exc) from None

    def values(self, raw: dict[str, Any]) -> tuple[str, Values]:
        """(SKU, column values) of one source row, exactly as `apply` validates it; RowProblem for a bad row."""
        plan = self._plan(tuple(raw))
        found = plan.quick.values(raw) if plan.quick is not None else None
        if found is not None:
            return found
        item = self.apply(raw)
        return item.sku, values_of(item)

    def product_fields(self, raw: dict[str, Any]) -> dict[str, Any]:
        """The product fields of one source row, not yet validated (RowProblem for a bad price or stock)."""
        plan = self._plan(tuple(raw))
        values: dict[str, Any] = {}
        for name, column in plan.columns:
            value = raw[column]
            values[name] = value.strip() if isinstance(value, str) else value
        for name, source in plan.special:
            values[name] = self._read(source, raw)
        currency = str(values.pop("currency", None) or self.currency).upper()
        data: dict[str, Any] = {k: v for k, v in values.items() if v is not None and v != ""}
        data["currency"] = currency
        data["price_minor"] = price_minor(values.get("price"), currency)
        data.pop("price", None)
        data["categories"] = categories(values.get("categories"), self.list_separator, self.category_separator)
        data["stock"] = stock(values.get("stock"))
        data["attributes"] = self._attributes(raw, plan)
        return data

    def _plan(self, columns: tuple[str, ...]) -> _Plan:
        """Which column feeds which field, worked out once per distinct set of columns (a file has one)."""
        plan = self._plans.get(columns)
        if plan is None:
            if len(self._plans) > 64:  # JSON rows with ever-changing keys: do not grow without bound
                self._plans.clear()
            plan = self._plans[columns] = _Plan.build(self, columns)
        return plan

    def _source(self, name: str, columns: dict[str, str]) -> Any:
        if name in self.fields:
            return self.fields[name]
        for alias in _FIELD_ALIASES[name]:
            if alias in columns:
                return columns[alias]
        return None

    def _read(self, source: Any, raw: dict[str, Any]) -> Any:
        if isinstance(source, dict) and "value" in source:
            return source["value"]
        if isinstance(source, list):
            return slug("-".join(str(raw.get(c, "")) for c in source))
        if source not in raw:
            raise RowProblem(source, "column is missing from the file")
        value = raw[source]
        return value.strip() if isinstance(value, str) else value

    def _attributes(self, raw: dict[str, Any], plan: _Plan) -> dict[str, Any]:
        attributes: dict[str, Any] = {}
        for name, source in self.attributes.items():
            if isinstance(source, dict) and "flags" in source:
                attributes[name] = [value for value, column in _flag_pairs(source["flags"])
                                    if _truthy(raw.get(column))]
            elif raw.get(source) not in (None, ""):
                attributes[name] = attribute_value(raw[source], self.list_separator)
        for column, key in plan.others:
            value = raw[column]
            if key not in attributes and value not in (None, ""):
                attributes[key] = attribute_value(value, self.list_separator)
        return attributes


@dataclass(frozen=True)
class _Plan:
    """A mapping resolved against one file's columns: each field's source, and the columns left for attributes."""

    columns: tuple[tuple[str, str], ...]
    """(field, column) of the fields read from a column the rows have."""
    special: tuple[tuple[str, Any], ...]
    """(field, source) of the others: constants, joined columns, columns missing from the file."""
    others: tuple[tuple[str, str], ...]
    """(column, attribute name) of the columns left over, when they become attributes."""
    quick: QuickRows | None
    """The fast way for these columns, when every source is a column and sku, title and price are among them."""

    @classmethod
    def build(cls, mapping: ColumnMapping, columns: tuple[str, ...]) -> _Plan:
        """Resolve `mapping` against `columns` (a source row's keys, in order)."""
        keys = {_key(c): c for c in columns}
        sources = [(name, source) for name in _FIELD_ALIASES if (source := mapping._source(name, keys)) is not None]
        used: set[Any] = set()
        for _, source in sources:
            if isinstance(source, list):
                used.update(source)
            elif not isinstance(source, dict):
                used.add(source)
        for source in mapping.attributes.values():
            if isinstance(source, dict) and "flags" in source:
                used.update(column for _, column in _flag_pairs(source["flags"]))
            else:
                used.add(source)
        present = [(n, s) for n, s in sources if isinstance(s, str) and s in columns]
        special = [(n, s) for n, s in sources if (n, s) not in present]
        others = [(c, _key(c)) for c in columns if c not in used] if mapping.other_columns_as_attributes else []
        return cls(tuple(present), tuple(special), tuple(others), _quick_rows(mapping, dict(present), special, others))


def _quick_rows(mapping: ColumnMapping, column: dict[str, str], special: list[tuple[str, Any]],
                others: list[tuple[str, str]]) -> QuickRows | None:
    """The fast way for a plan whose every source is a column of the file (sku, title and price included)."""
    named = [(n, s) for n, s in mapping.attributes.items() if isinstance(n, str) and isinstance(s, str)]
    if special or len(named) != len(mapping.attributes) or not all(column.get(n) for n in ("sku", "title", "price")):
        return None
    return QuickRows(required=(column["sku"], column["title"], column["price"]),
                     optional=tuple(column.get(n) for n in _OPTIONAL), currency=str(mapping.currency),
                     separator=mapping.list_separator, path_separator=mapping.category_separator,
                     named=tuple(named), others=tuple(others))


def problem_of(exc: ValidationError) -> RowProblem:
    """The first error of a failed ProductIn validation, as a RowProblem naming the field."""
    first = exc.errors()[0]
    reason = "is required" if first["type"] == "missing" else first["msg"]
    return RowProblem(".".join(str(p) for p in first["loc"]), reason)


def _flag_pairs(flags: Any) -> list[tuple[str, str]]:
    """(attribute value, column) of a `flags:` source: a mapping, or a list of columns named for their value."""
    return list(flags.items()) if isinstance(flags, dict) else [(_key(c), c) for c in flags]


def slug(text: str) -> str:
    """A lowercase ASCII id made of letters, digits and dashes."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


def _key(column: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", column.strip().lstrip("\ufeff").lower()).strip("_")


def _truthy(value: Any) -> bool:
    return str(value).strip().lower() in {"1", "true", "yes", "y", "x"}
