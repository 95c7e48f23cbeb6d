"""YAML text -> plain data with the line of every node -> Flow, collecting Problems."""

from __future__ import annotations

import copy
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
KnownKeys = Callable[[Path, Any], list[str]]
"""The keys allowed in the mapping at a path of a file's data."""


@dataclass
class Locator:
    """Line and column (1-based) of every node and mapping key of a YAML document."""

    values: dict[Path, tuple[int, int]] = field(default_factory=dict)
    keys: dict[Path, tuple[int, int]] = field(default_factory=dict)
    left_out: set[Path] = field(default_factory=set)
    """Fields of a partial flow (`Loaded.partial`) left at their default because their value was wrong:
    already reported, so the later checks say nothing more of them."""

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
    partial: Flow | None = None
    """With schema errors or duplicate keys: the flow of what did parse (a bad field left at its default, a
    question or answer without a usable id or type left out), so the later checks still report all they can.
    `locator` then points into it. Never served."""

    @property
    def checkable(self) -> Flow | None:
        """The flow the file and catalog checks run on: the valid one, else the partial one."""
        return self.flow or self.partial


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
    problems = [yaml_problem(found, path) for found in safe_yaml.duplicate_keys(node)]
    try:
        flow = Flow.model_validate(data)
    except ValidationError as exc:
        problems += schema_problems(exc, data, locator, path)
        partial, partial_locator = _salvage(data, exc, locator)
        return Loaded(None, data, partial_locator, sorted(problems), partial)
    if problems:  # a duplicate key is an error: checked as far as it goes, never served
        return Loaded(None, data, locator, sorted(problems), flow)
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
    "bool_type": lambda e: "write true or false",
    "bool_parsing": lambda e: "write true or false",
    "greater_than_equal": lambda e: f"write a number of at least {e['ctx']['ge']:g}",
    "less_than_equal": lambda e: f"write a number of at most {e['ctx']['le']:g}",
    "string_too_short": lambda e: "write the text; it must not be empty",
    "string_too_long": lambda e: f"shorten it to at most {e['ctx'].get('max_length')} characters",
    "string_pattern_mismatch": lambda e: "use letters, digits, '-' and '_', starting with a letter or digit",
}


def schema_problems(exc: ValidationError, data: Any, locator: Locator, path: str, *,
                    known_keys: KnownKeys | None = None, whole: str = "the flow",
                    hints: dict[str, Callable[[dict[str, Any]], str]] | None = None) -> list[Problem]:
    """One located Problem per pydantic error (a misspelt key once, with a did-you-mean from `known_keys`,
    the allowed keys at a path; default: a flow's). Survey files share it: `whole` names the file's top level,
    `hints` adds hints for the error types of its own validators."""
    problems = []
    hinted = {**_HINTS, **(hints or {})}
    misspelled = {tuple(e["loc"]) for e in exc.errors() if e["type"] == "extra_forbidden"}
    for error in exc.errors():
        loc = tuple(error["loc"])
        if error["type"] == "missing" and _has_misspelling(loc, misspelled):
            continue
        if error["type"] == "extra_forbidden":
            problems.append(_unknown_key(loc, data, locator, path, known_keys, whole))
            continue
        hint = hinted.get(error["type"], lambda e: "")(error)
        where = locator.at(*loc) if error["type"] != "missing" else locator.at(*loc[:-1])
        message = f"{named(loc, data)}: {error['msg'][:1].lower()}{error['msg'][1:]}"
        problems.append(Problem(*where, message, hint, path=path))
    return sorted(set(problems))


def _has_misspelling(loc: Path, unknown: set[Path]) -> bool:
    siblings = [str(u[-1]) for u in unknown if u[:-1] == loc[:-1]]
    return bool(difflib.get_close_matches(str(loc[-1]), siblings, n=1))


def _unknown_key(loc: Path, data: Any, locator: Locator, path: str, known_keys: KnownKeys | None,
                 whole: str) -> Problem:
    from assistant.flows.schema import known_keys as flow_keys

    parent = loc[:-1]
    allowed = (known_keys or flow_keys)(parent, data)
    close = difflib.get_close_matches(str(loc[-1]), allowed, n=1)
    hint = f"did you mean `{close[0]}`?" if close else f"allowed here: {', '.join(allowed)}"
    return Problem(*locator.key(*loc), f"unknown key '{loc[-1]}' in {named(parent, data) or whole}", hint,
                   path=path)


def named(loc: Path, data: Any) -> str:
    """`loc` as a merchandiser finds it: questions and answers by their id, not by a 0-based index.

    ("questions", 3, "answers", 1, "text") reads "question 'size', answer 'wide', text"; an item without
    a usable id is counted from 1, as the editor counts lines: "question 4"."""
    parts: list[str] = []
    node, i = data, 0
    while i < len(loc):
        part = loc[i]
        if part in ("questions", "answers") and i + 1 < len(loc) and isinstance(loc[i + 1], int):
            position = int(loc[i + 1])
            items = node.get(part) if isinstance(node, dict) else None
            item = items[position] if isinstance(items, list) and 0 <= position < len(items) else None
            ident = item.get("id") if isinstance(item, dict) else None
            word = "question" if part == "questions" else "answer"
            parts.append(f"{word} '{ident}'" if isinstance(ident, str) and ident else f"{word} {position + 1}")
            node, i = item, i + 2
            continue
        step = f"[{part}]" if isinstance(part, int) else str(part)
        if parts and not parts[-1].startswith(("question ", "answer ")):
            parts[-1] += step if isinstance(part, int) else f".{step}"
        else:
            parts.append(step)
        node = node.get(part) if isinstance(node, dict) else None
        i += 1
    return ", ".join(parts)


_DROP = object()
"""Marks a question or answer left out of the partial flow."""
_PLACEHOLDERS = {"text": "?", "title": "?", "id": "flow"}
"""Required fields that are only words: a bad one is replaced, and the rest of the item is still checked."""


def _salvage(data: Any, exc: ValidationError, locator: Locator) -> tuple[Flow | None, Locator]:
    """The flow of what parsed in `data`, and a locator into it (the original when nothing could be saved)."""
    repaired = copy.deepcopy(data)
    dropped_fields: set[Path] = set()
    for error in exc.errors():
        left_out = _repair(repaired, tuple(error["loc"]))
        if left_out is not None:
            dropped_fields.add(left_out)
    kept_questions: dict[int, int] = {}
    kept_answers: dict[tuple[int, int], int] = {}
    questions = repaired.get("questions")
    if isinstance(questions, list):
        compact: list[Any] = []
        for qi, question in enumerate(questions):
            if question is _DROP:
                continue
            kept_questions[qi] = len(compact)
            compact.append(question)
            answers = question.get("answers") if isinstance(question, dict) else None
            if isinstance(answers, list):
                question["answers"] = [a for a in answers if a is not _DROP]
                kept = [ai for ai, a in enumerate(answers) if a is not _DROP]
                kept_answers.update({(qi, ai): new for new, ai in enumerate(kept)})
        repaired["questions"] = compact
    try:
        partial = Flow.model_validate(repaired)
    except ValidationError:
        return None, locator
    moved = Locator()
    for table, target in ((locator.values, moved.values), (locator.keys, moved.keys)):
        for path, where in table.items():
            new_path = _moved(path, kept_questions, kept_answers)
            if new_path is not None:
                target[new_path] = where
    moved.left_out = {new for path in dropped_fields if (new := _moved(path, kept_questions, kept_answers))}
    return partial, moved


def _repair(data: Any, loc: Path) -> Path | None:
    """Make the field at `loc` valid: drop it (its default applies; its path is returned), replace it, or leave
    its item out."""
    if len(loc) >= 4 and loc[0] == "questions" and loc[2] == "answers" and isinstance(loc[3], int):
        prefix: Path = loc[:4]
    elif len(loc) >= 2 and loc[0] == "questions" and isinstance(loc[1], int):
        prefix = loc[:2]
    elif loc and loc[0] in ("entry", "results"):
        prefix = loc[:1]
    else:
        prefix = ()
    item_parent: Any = None
    item: Any = data
    for part in prefix:
        item_parent = item
        item = item[part] if _has(item, part) else None
        if item is None or item is _DROP:
            return None
    in_list = bool(prefix) and isinstance(prefix[-1], int)
    if len(loc) == len(prefix) or not isinstance(item, dict):
        if in_list and isinstance(item_parent, list):
            item_parent[int(prefix[-1])] = _DROP
        elif isinstance(item_parent, dict):
            item_parent.pop(str(prefix[-1]), None)
        return None
    name = loc[len(prefix)]
    if name in _PLACEHOLDERS and (name != "id" or not prefix):
        item[str(name)] = _PLACEHOLDERS[str(name)]
    elif name in ("id", "type") and in_list and isinstance(item_parent, list):
        item_parent[int(prefix[-1])] = _DROP
    else:
        item.pop(name, None)
        return (*prefix, name)
    return None


def _has(container: Any, part: str | int) -> bool:
    if isinstance(container, list):
        return isinstance(part, int) and 0 <= part < len(container)
    return isinstance(container, dict) and part in container


def _moved(path: Path, questions: dict[int, int], answers: dict[tuple[int, int], int]) -> Path | None:
    if len(path) < 2 or path[0] != "questions" or not isinstance(path[1], int):
        return path
    qi = questions.get(path[1])
    if qi is None:
        return None
    rest = path[2:]
    if len(rest) >= 2 and rest[0] == "answers" and isinstance(rest[1], int):
        ai = answers.get((path[1], rest[1]))
        if ai is None:
            return None
        rest = ("answers", ai, *rest[2:])
    return ("questions", qi, *rest)
