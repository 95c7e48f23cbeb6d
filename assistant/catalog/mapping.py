"""ColumnMapping: how the columns of a source file become product fields."""

from __future__ import annotations

import codecs
import difflib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from assistant.catalog.cells import RowProblem, attribute_value, categories, price_minor, stock
from assistant.catalog.models import ProductIn
from assistant.catalog.money import AmountProblem, locale_of
from assistant.catalog.quick import QuickRows
from assistant.catalog.specs import KeyPath, MappingError, MappingProblem, Spec, column_key, parse, slug, unknown_key
from assistant.catalog.values import Values, values_of

__all__ = ["ColumnMapping", "MappingError", "MappingProblem", "RowProblem", "problem_of", "slug"]

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
_OPTIONS = ("currency", "list_separator", "category_separator", "other_columns_as_attributes", "encoding",
            "price_locale")
_REQUIRED = ("sku", "title", "price")


@dataclass
class ColumnMapping:
    """Product field -> source column (or columns, or a constant)."""

    fields: dict[str, Any] = field(default_factory=dict)
    attributes: dict[str, Any] = field(default_factory=dict)
    currency: str = "EUR"
    list_separator: str = "|"
    category_separator: str = ">"
    other_columns_as_attributes: bool = True
    encoding: str | None = None
    """The source file's text encoding, when the mapping names one (`--encoding` decides over it)."""
    price_locale: str | None = None
    """How the feed writes prices ('de_DE': 1.234,50); None: only numbers every locale reads alike (money.py)."""
    _plans: dict[tuple[str, ...], _Plan] = field(default_factory=dict, init=False, repr=False, compare=False)
    _field_specs: dict[str, Spec] = field(default_factory=dict, init=False, repr=False, compare=False)
    _attribute_specs: dict[str, Spec] = field(default_factory=dict, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        problems: list[MappingProblem] = []
        for name, source in self.fields.items():
            spec, found = parse(name, source, (name,), attribute=False)
            problems += found
            if spec is not None:
                self._field_specs[name] = spec
        for name, source in self.attributes.items():
            spec, found = parse(f"attributes.{name}", source, ("attributes", name), attribute=True)
            problems += found
            if spec is not None:
                self._attribute_specs[str(name)] = spec
        if problems:
            raise MappingError(problems)

    @classmethod
    def from_dict(cls, data: Any) -> ColumnMapping:
        """Build a mapping from a parsed mapping file; MappingError with every problem found in it."""
        if not isinstance(data, dict):
            raise MappingError([MappingProblem((), "a mapping file is `field: column` lines",
                                               "e.g. `title: Product` and `attributes:` below")])
        data = dict(data)
        problems = [unknown_key((key,), str(key), (*_FIELD_ALIASES, "attributes", *_OPTIONS))
                    for key in data if key not in (*_FIELD_ALIASES, "attributes", *_OPTIONS)]
        attributes = data.pop("attributes", None) or {}
        if not isinstance(attributes, dict):
            problems.append(MappingProblem(("attributes",), "needs `name: column` lines"))
            attributes = {}
        options = {k: data.pop(k) for k in _OPTIONS if k in data}
        problems += _option_problems(options)
        fields = {k: v for k, v in data.items() if k in _FIELD_ALIASES}
        try:
            mapping = cls(fields=fields, attributes=attributes, **options)
        except MappingError as exc:
            problems += exc.problems
        if problems:
            raise MappingError(problems)
        return mapping

    def header_problems(self, header: Sequence[str]) -> list[MappingProblem]:
        """What of this mapping a file with these columns cannot feed: columns it lacks, required fields."""
        present = set(header)
        problems = [_missing_column(at, column, header) for at, column in self._named_columns()
                    if column not in present]
        keys = {column_key(c): c for c in header}
        for name in _REQUIRED:
            if self._source(name, keys) is None:
                named = ", ".join(_FIELD_ALIASES[name])
                problems.append(MappingProblem((), f"no column for `{name}` (none named {named})",
                                               f"add `{name}: COLUMN`; the file's columns: {', '.join(header)}"))
        return problems

    def _named_columns(self) -> Iterator[tuple[KeyPath, str]]:
        for spec in (*self._field_specs.values(), *self._attribute_specs.values()):
            yield from zip(spec.at, spec.columns, strict=True)

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
        for name, _ in plan.special:
            values[name] = self._field_specs[name].read(raw)
        currency = str(values.pop("currency", None) or self.currency).upper()
        data: dict[str, Any] = {k: v for k, v in values.items() if v is not None and v != ""}
        data["currency"] = currency
        data["price_minor"] = price_minor(values.get("price"), currency, self.price_locale,
                                          dict(plan.columns).get("price", "price"))
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

    def _attributes(self, raw: dict[str, Any], plan: _Plan) -> dict[str, Any]:
        attributes: dict[str, Any] = {}
        for name, spec in self._attribute_specs.items():
            if spec.plain:
                value = raw.get(spec.columns[0])
                if value is not None and value != "":
                    attributes[name] = attribute_value(value, self.list_separator)
                continue
            if spec.kind == "column" and spec.columns[0] not in raw:  # a JSON object without the key
                continue
            value = spec.read(raw)
            if spec.kind == "flags" or (value is not None and value != "" and value != []):
                attributes[name] = value
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
        keys = {column_key(c): c for c in columns}
        sources = [(name, source) for name in _FIELD_ALIASES if (source := mapping._source(name, keys)) is not None]
        used: set[Any] = {source for _, source in sources if isinstance(source, str)}
        used.update(column for _, column in mapping._named_columns())
        present = [(n, s) for n, s in sources if isinstance(s, str) and s in columns]
        special = [(n, s) for n, s in sources if (n, s) not in present]
        others = [(c, column_key(c)) for c in columns if c not in used] if mapping.other_columns_as_attributes else []
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
                     named=tuple(named), others=tuple(others), price_locale=mapping.price_locale)


def problem_of(exc: ValidationError) -> RowProblem:
    """The first error of a failed ProductIn validation, as a RowProblem naming the field."""
    first = exc.errors()[0]
    reason = "is required" if first["type"] == "missing" else first["msg"]
    return RowProblem(".".join(str(p) for p in first["loc"]), reason)


def _missing_column(at: KeyPath, column: str, header: Sequence[str]) -> MappingProblem:
    """A column the mapping names and the file's header lacks, with the closest one it has."""
    folded = [c for c in header if c.strip().casefold() == column.strip().casefold()]
    close = folded or difflib.get_close_matches(column, list(header), n=1, cutoff=0.6)
    hint = f"did you mean '{close[0]}'? " if close else ""
    return MappingProblem(at, f"column '{column}' is not in the file's header",
                          f"{hint}the file's columns: {', '.join(header)}")


def _option_problems(options: dict[str, Any]) -> list[MappingProblem]:
    """What is wrong with the mapping file's options (currency, separators, encoding, ...)."""
    problems = []
    currency = options.get("currency", "EUR")
    if not (isinstance(currency, str) and len(currency) == 3 and currency.isalpha()):
        problems.append(MappingProblem(("currency",), "is a three-letter currency code", "e.g. EUR, USD"))
    for key in ("list_separator", "category_separator"):
        if key in options and not (isinstance(options[key], str) and options[key]):
            problems.append(MappingProblem((key,), "needs the separating text, e.g. \"|\""))
    if not isinstance(options.get("other_columns_as_attributes", True), bool):
        problems.append(MappingProblem(("other_columns_as_attributes",), "is true or false"))
    if options.get("price_locale") is not None:
        try:
            locale_of(str(options["price_locale"]))
        except AmountProblem as exc:
            problems.append(MappingProblem(("price_locale",), str(exc), "the locale the feed's prices are written in"))
    encoding = options.get("encoding")
    if encoding is not None and not _is_encoding(encoding):
        problems.append(MappingProblem(("encoding",), f"'{encoding}' is not a text encoding",
                                       "e.g. utf-8, latin-1, cp1252"))
    return problems


def _is_encoding(name: Any) -> bool:
    try:
        return isinstance(name, str) and codecs.lookup(name).name is not None
    except LookupError:
        return False
