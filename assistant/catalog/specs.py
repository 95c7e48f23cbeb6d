"""Where one product field or attribute comes from in a source row, and how its text is read.

A spec in a mapping file is one of (docs/mapping.md has them all, with examples):

- text: the column of that name (`title: Product`); quote a column named like a number (`"2024"`);
- a bare number or true/false: that constant for every row (`stock: 5`);
- a list of columns: their cells joined into a slug (`sku: [Company, Product]` -> "acer-aspire-3");
- a mapping with one of `column`, `template` ("{Company} {Product}"), `value` (a constant) or `flags`
  (attributes only), and for a column or a template the steps, in this order: `split` the text into a
  list, `map` each item (`default` or `unmapped: keep|drop|error` for the others), then read each item
  as a `number` (or a number in a `unit`, converted; `decimal` names the decimal mark).
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from assistant.catalog.cells import RowProblem
from assistant.catalog.units import UNITS, NotAQuantity, is_unit, quantity

KeyPath = tuple[str | int, ...]
SOURCES = ("column", "template", "value", "flags")
STEPS = ("split", "map", "default", "unmapped", "number", "unit", "decimal", "combine")
COMBINE: dict[str, Callable[[list[Any]], Any]] = {"sum": sum, "max": max, "min": min, "first": lambda items: items[0]}
"""How a split list of numbers becomes one number: a product holds lists of text, and a range needs one number."""
UNMAPPED = ("keep", "drop", "error")
_UNSEEN = object()
_REMEMBERED = 4096
"""Distinct texts remembered per spec: enough for sizes and systems, bounded for free text."""
_FIELD = re.compile(r"\{\{|\}\}|\{([^{}]*)\}|[{}]")


@dataclass(frozen=True)
class MappingProblem:
    """Something wrong in a mapping file, at the key path `path` (the key itself when `at_key`)."""

    path: KeyPath
    message: str
    hint: str = ""
    at_key: bool = False

    def __str__(self) -> str:
        where = ".".join(str(p) for p in self.path)
        text = f"{where}: {self.message}" if where else self.message
        return f"{text} ({self.hint})" if self.hint else text


class MappingError(ValueError):
    """A mapping that cannot be used, with every problem found in it."""

    def __init__(self, problems: list[MappingProblem]) -> None:
        super().__init__("; ".join(str(p) for p in problems))
        self.problems = problems


@dataclass(frozen=True)
class Spec:
    """One parsed source: where the value comes from (`kind`) and the steps its text goes through."""

    name: str
    """The product field or attribute it feeds (`attributes.ram`), for a row's problems."""
    kind: str
    """column, template, value, join (a list of columns, slugged) or flags."""
    columns: tuple[str, ...] = ()
    at: tuple[KeyPath, ...] = ()
    """Where each of `columns` is named in the mapping file."""
    constant: Any = None
    pieces: tuple[tuple[str, str | None], ...] = ()
    """A template as (text, column or None) pieces."""
    flags: tuple[tuple[Any, str], ...] = ()
    split: str | None = None
    mapped: tuple[tuple[str, Any], ...] | None = None
    unmapped: str = "keep"
    default: Any = None
    number: bool = False
    unit: str | None = None
    decimal: str = "."
    combine: str | None = None
    _memo: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)
    """What the steps made of each distinct text (a feed repeats its "8GB" and "Windows 10"), bounded."""

    @property
    def plain(self) -> bool:
        """Whether the cell is taken as it is (a column without steps)."""
        return self.kind == "column" and not self.has_steps

    @property
    def has_steps(self) -> bool:
        """Whether the text goes through split, map or number."""
        return self.split is not None or self.mapped is not None or self.number

    def text(self, raw: dict[str, Any]) -> Any:
        """The source's value in `raw` before the steps: a stripped cell, the template filled, the constant."""
        if self.kind == "value":
            return self.constant
        if self.kind == "template":
            filled = "".join(text + (_cell(raw.get(column)) if column else "") for text, column in self.pieces)
            return " ".join(filled.split())
        if self.kind == "join":
            return slug("-".join(str(raw.get(c, "")) for c in self.columns))
        if self.kind == "flags":
            return [value for value, column in self.flags if truthy(raw.get(column))]
        column = self.columns[0]
        if column not in raw:
            raise RowProblem(column, "column is missing from the file")
        value = raw[column]
        return value.strip() if isinstance(value, str) else value

    def read(self, raw: dict[str, Any]) -> Any:
        """The value this spec makes of a row (None: nothing), or RowProblem."""
        value = self.text(raw)
        if not self.has_steps or value is None or value == "":
            return value
        if type(value) is not str:
            return self._steps(value)
        found = self._memo.get(value, _UNSEEN)
        if found is _UNSEEN:
            try:
                found = self._steps(value)
            except RowProblem as exc:
                found = exc
            if len(self._memo) < _REMEMBERED:
                self._memo[value] = found
        if isinstance(found, RowProblem):
            raise RowProblem(found.field, found.reason)
        return list(found) if isinstance(found, list) else found

    def _steps(self, value: Any) -> Any:
        if self.split is None:
            return self._item(value)
        parts = value if isinstance(value, list) else str(value).split(self.split)
        items = [self._item(str(item).strip()) for item in parts if str(item).strip()]
        kept = [item for item in items if item is not None]
        if self.combine is None or not kept:
            return kept
        if not all(isinstance(item, (int, float)) and not isinstance(item, bool) for item in kept):
            raise RowProblem(self.name, f"'{value}': `combine: {self.combine}` needs a number in every item")
        return COMBINE[self.combine](kept)

    def _item(self, item: Any) -> Any:
        if self.mapped is not None:
            item = self._map(item)
            if item is None:
                return None
        if self.number and isinstance(item, str):
            try:
                return quantity(item, self.unit, self.decimal)
            except NotAQuantity as exc:
                raise RowProblem(self.name, str(exc)) from None
        return item

    def _map(self, item: Any) -> Any:
        text = str(item).strip()
        for key, value in self.mapped or ():
            if key == text:
                return value
        folded = text.casefold()
        for key, value in self.mapped or ():
            if key.casefold() == folded:
                return value
        if self.unmapped == "default":
            return self.default
        if self.unmapped == "error":
            raise RowProblem(self.name, f"'{text}' is not in the map (add it to `map:` or set `default:`)")
        return None if self.unmapped == "drop" else item


def _cell(value: Any) -> str:
    return "" if value is None else str(value).strip()


def parse(name: str, source: Any, path: KeyPath, *, attribute: bool) -> tuple[Spec | None, list[MappingProblem]]:
    """The spec of a mapping file's `source` at `path`, or None and what is wrong with it."""
    if isinstance(source, str):
        return Spec(name, "column", (source,), (path,)), []
    if isinstance(source, (bool, int, float)):
        return Spec(name, "value", constant=source), []
    if isinstance(source, list) and name != "sku":
        joined = " ".join(f"{{{c}}}" for c in source)
        return None, [MappingProblem(path, "a list of columns joins them into a slug, which is for `sku` alone",
                                     f'to join text with spaces write {{template: "{joined}"}}')]
    if isinstance(source, list):
        if source and all(isinstance(c, str) for c in source):
            return Spec(name, "join", tuple(source), tuple((*path, i) for i in range(len(source)))), []
        bad = next((i for i, c in enumerate(source) if not isinstance(c, str)), None)
        where = path if bad is None else (*path, bad)
        return None, [MappingProblem(where, "a list here is columns joined into a slug, and needs column names",
                                     'quote a column named like a number: "3"')]
    if isinstance(source, dict):
        return _parse_mapping(name, source, path, attribute=attribute)
    hint = "name a column, or write {value: ...} for a constant" if source is None else "name a column"
    return None, [MappingProblem(path, "is empty" if source is None else "is not a column name", hint)]


def _parse_mapping(name: str, source: dict[Any, Any], path: KeyPath, *,
                   attribute: bool) -> tuple[Spec | None, list[MappingProblem]]:
    allowed = SOURCES + STEPS if attribute else tuple(k for k in SOURCES + STEPS if k != "flags")
    problems = [unknown_key((*path, key), str(key), allowed) if key != "flags" else
                MappingProblem((*path, key), "`flags` is for attributes, not product fields", at_key=True)
                for key in source if key not in allowed]
    kinds = [k for k in SOURCES if k in source]
    fields: dict[str, Any] = {}
    problems += _steps(source, path, fields)
    if len(kinds) != 1:
        misspelled = any(difflib.get_close_matches(str(key), SOURCES, n=1) for key in source if key not in allowed)
        choices = ", ".join(f"`{k}`" for k in SOURCES if k in allowed)
        if kinds or not misspelled:
            message = f"give one of {choices}" if not kinds else f"give only one of {', '.join(kinds)}"
            problems.append(MappingProblem(path, message, "e.g. {column: Ram, unit: GB}"))
        return None, problems
    kind = kinds[0]
    steps = [k for k in STEPS if k in source]
    if steps and kind in ("value", "flags"):
        problems.append(MappingProblem((*path, steps[0]), f"`{steps[0]}` applies to a column or a template, "
                                       f"not to `{kind}`", at_key=True))
    problems += _source_of(kind, source[kind], (*path, kind), fields)
    fields.setdefault("at", ((*path, kind),) * len(fields.get("columns", ())))
    return (None if problems else Spec(name, **fields)), problems


def _source_of(kind: str, value: Any, path: KeyPath, fields: dict[str, Any]) -> list[MappingProblem]:
    fields["kind"] = kind
    if kind == "value":
        fields["constant"] = value
        return []
    if kind == "column":
        fields["columns"] = (value,)
        return [] if isinstance(value, str) and value else [MappingProblem(path, "needs a column name")]
    if kind == "template":
        if not isinstance(value, str):
            return [MappingProblem(path, "needs text such as \"{Company} {Product}\"")]
        pieces, problem = template_pieces(value)
        fields["pieces"] = pieces
        fields["columns"] = tuple(c for _, c in pieces if c)
        return [MappingProblem(path, problem, "write {{ and }} for a brace of the text")] if problem else []
    pairs = list(value.items()) if isinstance(value, dict) else (
        [(column_key(c), c) for c in value] if isinstance(value, list) else None)
    if not pairs or not all(isinstance(c, str) for _, c in pairs):
        return [MappingProblem(path, "needs {value: Column, ...} or a list of columns")]
    if isinstance(value, dict) and (bad := [k for k in value if not isinstance(k, str)]):
        return [MappingProblem((*path, bad[0]), f"the flag's value {bad[0]!r} is not text",
                               "YAML reads yes/no/on/off as true/false: quote it", at_key=True)]
    fields["flags"] = tuple(pairs)
    fields["at"] = tuple((*path, key if isinstance(value, dict) else i) for i, (key, _) in enumerate(pairs))
    fields["columns"] = tuple(c for _, c in pairs)
    return []


def _steps(source: dict[Any, Any], path: KeyPath, fields: dict[str, Any]) -> list[MappingProblem]:
    problems = []
    split = source.get("split")
    if "split" in source and not (isinstance(split, str) and split):
        problems.append(MappingProblem((*path, "split"), "needs the text that separates items, e.g. \"+\""))
    fields["split"] = split if "split" in source else None
    problems += _map_step(source, path, fields)
    unit, decimal = source.get("unit"), source.get("decimal", ".")
    if "unit" in source and not (isinstance(unit, str) and is_unit(unit)):
        problems.append(MappingProblem((*path, "unit"), f"'{unit}' is not a unit this importer converts",
                                       f"known: {UNITS}; `number: true` reads the number alone"))
    if decimal not in (".", ","):
        problems.append(MappingProblem((*path, "decimal"), "is \".\" or \",\""))
    number = source.get("number", "unit" in source)
    if not isinstance(number, bool):
        problems.append(MappingProblem((*path, "number"), "is true or false"))
    fields.update(number=number is True, unit=unit if "unit" in source else None, decimal=decimal)
    return problems + _combine_step(source, path, fields)


def _combine_step(source: dict[Any, Any], path: KeyPath, fields: dict[str, Any]) -> list[MappingProblem]:
    combine = source.get("combine")
    fields["combine"] = combine
    if "combine" in source and "split" not in source:
        return [MappingProblem((*path, "combine"), "`combine` goes with `split`", at_key=True)]
    if "combine" in source and combine not in COMBINE:
        return [MappingProblem((*path, "combine"), f"is one of {', '.join(COMBINE)}")]
    if "split" in source and fields["number"] and combine is None:
        return [MappingProblem(path, "a split list of numbers needs `combine: sum`, `max`, `min` or `first`",
                               "a product's lists hold text, and a range filter needs one number")]
    return []


def _map_step(source: dict[Any, Any], path: KeyPath, fields: dict[str, Any]) -> list[MappingProblem]:
    problems = []
    for key in ("default", "unmapped"):
        if key in source and "map" not in source:
            problems.append(MappingProblem((*path, key), f"`{key}` goes with `map`", at_key=True))
    if "default" in source and "unmapped" in source:
        problems.append(MappingProblem((*path, "unmapped"), "give `default` or `unmapped`, not both", at_key=True))
    unmapped = source.get("unmapped", "keep")
    if unmapped not in UNMAPPED:
        problems.append(MappingProblem((*path, "unmapped"), f"is one of {', '.join(UNMAPPED)}",
                                       "or write `default: VALUE` for every value not in the map"))
    fields.update(unmapped="default" if "default" in source else unmapped, default=source.get("default"))
    if "map" not in source:
        return problems
    table = source["map"]
    if not isinstance(table, dict) or not table:
        problems.append(MappingProblem((*path, "map"), "needs `feed text: value` pairs"))
        return problems
    fields["mapped"] = tuple((str(k), v) for k, v in table.items())
    return problems


def template_pieces(template: str) -> tuple[tuple[tuple[str, str | None], ...], str]:
    """(text, column) pieces of a template, and what is wrong with it ("" when nothing)."""
    pieces: list[tuple[str, str | None]] = []
    text, at = "", 0
    for found in _FIELD.finditer(template):
        text += template[at:found.start()]
        at = found.end()
        if found[0] in ("{{", "}}"):
            text += found[0][0]
        elif found[1] is None or not found[1].strip():
            return (), f"a lone '{found[0]}' or empty {{}} at character {found.start() + 1}"
        else:
            pieces.append((text, found[1]))
            text = ""
    pieces.append((text + template[at:], None))
    return tuple(pieces), ""


def unknown_key(path: KeyPath, key: str, allowed: tuple[str, ...]) -> MappingProblem:
    """An unknown key at `path`, with the closest allowed one."""
    close = difflib.get_close_matches(key, allowed, n=1)
    hint = f"did you mean `{close[0]}`?" if close else f"allowed here: {', '.join(allowed)}"
    return MappingProblem(path, f"unknown key '{key}'", hint, at_key=True)


def column_key(column: str) -> str:
    """A column's name as an attribute name: lowercase letters, digits and underscores."""
    return re.sub(r"[^a-z0-9]+", "_", column.strip().lstrip("\ufeff").lower()).strip("_")


def slug(text: str) -> str:
    """A lowercase ASCII id made of letters, digits and dashes."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


def truthy(value: Any) -> bool:
    """Whether a flag cell says yes ("1", "true", "yes", "y", "x")."""
    return str(value).strip().lower() in {"1", "true", "yes", "y", "x"}
