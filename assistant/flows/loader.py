"""YAML text -> plain data with the line of every node -> Flow, collecting Problems."""

from __future__ import annotations

import difflib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import yaml
from pydantic import ValidationError

from assistant import safe_yaml
from assistant.flows.problems import Problem
from assistant.flows.schema import Flow
from assistant.safe_yaml import YamlProblem, construct_scalar

Path = tuple[str | int, ...]


@dataclass
class Locator:
    """Line and column (1-based) of every node and mapping key of a YAML document."""

    values: dict[Path, tuple[int, int]] = field(default_factory=dict)
    keys: dict[Path, tuple[int, int]] = field(default_factory=dict)

    def at(self, *path: str | int) -> tuple[int, int]:
        """Where the value at `path` starts (or its nearest located parent)."""
        return self._find(path, self.values)

    def key(self, *path: str | int) -> tuple[int, int]:
        """Where the mapping key ending `path` starts (falls back to the value)."""
        return self._find(path, self.keys) if path in self.keys else self.at(*path)

    @staticmethod
    def _find(path: Path, table: dict[Path, tuple[int, int]]) -> tuple[int, int]:
        while path and path not in table:
            path = path[:-1]
        return table.get(path, (1, 1))


@dataclass
class Loaded:
    """The result of loading one flow file."""

    flow: Flow | None
    data: Any
    locator: Locator
    problems: list[Problem]


def load_text(text: str, *, path: str = "<flow>") -> Loaded:
    """Parse and schema-check flow YAML; never raises on bad input."""
    locator = Locator()
    try:
        node = safe_yaml.compose(text)
        data, locator = located_data(node) if node is not None else (None, locator)
    except YamlProblem as exc:
        return Loaded(None, None, locator, [yaml_problem(exc, path)])
    if node is None:
        return Loaded(None, None, locator, [Problem(1, 1, "the flow file is empty",
                                                    "start with `id:`, `title:` and `questions:`", path=path)])
    if not isinstance(data, dict):
        return Loaded(None, data, locator, [Problem(*locator.at(), "a flow file must be a mapping",
                                                    "start with `id:`, `title:` and `questions:`", path=path)])
    try:
        flow = Flow.model_validate(data)
    except ValidationError as exc:
        return Loaded(None, data, locator, _schema_problems(exc, data, locator, path))
    return Loaded(flow, data, locator, [])


def yaml_problem(exc: YamlProblem, path: str) -> Problem:
    """A YAML syntax error, or a refused anchor, alias or size, as a Problem at its line."""
    if exc.syntax:
        return Problem(exc.line, exc.column, f"YAML syntax error: {exc.message}",
                       "check indentation and quoting; a value with ': ' or '#' in it needs quotes", path=path)
    return Problem(exc.line, exc.column, exc.message, exc.hint, path=path)


def located_data(node: yaml.Node) -> tuple[Any, Locator]:
    """Plain data of a composed YAML node and where each value and key starts (also used for campaign YAML).

    YamlProblem when a value cannot be constructed (an unknown tag, a date that does not exist)."""
    locator = Locator()
    return _to_data(node, (), locator, yaml.constructor.SafeConstructor()), locator


def _to_data(node: yaml.Node, path: Path, locator: Locator, constructor: Any) -> Any:
    locator.values[path] = (node.start_mark.line + 1, node.start_mark.column + 1)
    if isinstance(node, yaml.MappingNode):
        result: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = _to_data(key_node, (*path, "<key>"), locator, constructor)
            key = key if isinstance(key, (str, int)) else str(key)
            locator.keys[(*path, key)] = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
            result[key] = _to_data(value_node, (*path, key), locator, constructor)
        return result
    if isinstance(node, yaml.SequenceNode):
        return [_to_data(item, (*path, i), locator, constructor) for i, item in enumerate(node.value)]
    return construct_scalar(node, constructor)


_HINTS: dict[str, Callable[[dict[str, Any]], str]] = {
    "missing": lambda e: f"add `{e['loc'][-1]}:`",
    "literal_error": lambda e: f"use one of: {e['ctx'].get('expected', '')}",
    "string_type": lambda e: "write it as text, in quotes if it looks like a number or yes/no",
    "int_type": lambda e: "write a whole number",
    "int_parsing": lambda e: "write a whole number",
    "float_parsing": lambda e: "write a number",
    "list_type": lambda e: "write a list: `[a, b]` or one `- item` per line",
    "dict_type": lambda e: "write a mapping: `key: value` lines",
}


def _schema_problems(exc: ValidationError, data: Any, locator: Locator, path: str) -> list[Problem]:
    problems = []
    misspelled = {tuple(e["loc"]) for e in exc.errors() if e["type"] == "extra_forbidden"}
    for error in exc.errors():
        loc = tuple(error["loc"])
        if error["type"] == "missing" and _has_misspelling(loc, misspelled):
            continue
        if error["type"] == "extra_forbidden":
            problems.append(_unknown_key(loc, data, locator, path))
            continue
        hint = _HINTS.get(error["type"], lambda e: "")(error)
        where = locator.at(*loc) if error["type"] != "missing" else locator.at(*loc[:-1])
        message = f"{_dotted(loc)}: {error['msg'][:1].lower()}{error['msg'][1:]}"
        problems.append(Problem(*where, message, hint, path=path))
    return sorted(set(problems))


def _has_misspelling(loc: Path, unknown: set[Path]) -> bool:
    siblings = [str(u[-1]) for u in unknown if u[:-1] == loc[:-1]]
    return bool(difflib.get_close_matches(str(loc[-1]), siblings, n=1))


def _unknown_key(loc: Path, data: Any, locator: Locator, path: str) -> Problem:
    from assistant.flows.schema import known_keys

    parent = loc[:-1]
    allowed = known_keys(parent, data)
    close = difflib.get_close_matches(str(loc[-1]), allowed, n=1)
    hint = f"did you mean `{close[0]}`?" if close else f"allowed here: {', '.join(allowed)}"
    return Problem(*locator.key(*loc), f"unknown key '{loc[-1]}' in {_dotted(parent) or 'the flow'}", hint, path=path)


def _dotted(loc: Path) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text
