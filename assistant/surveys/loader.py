"""Survey YAML -> Survey, collecting Problems; never raises on bad input.

The YAML reading, the line of every node and the mapping of pydantic errors to lines are the flows'
(assistant.flows.loader); this module adds what is the survey's own: its schema, and a stand-in survey
of what did parse so the meaning checks still run when a field is wrong.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from assistant import safe_yaml
from assistant.flows.loader import Locator, located_data, schema_problems, yaml_problem
from assistant.flows.problems import Problem
from assistant.safe_yaml import YamlProblem
from assistant.surveys.schema import HINTS, Survey, known_keys

START = "start with `id:`, `title:`, `questions:` and `placement:`"
_STAND_INS = {"id": "survey", "title": "?", "text": "?"}
"""Required words replaced when wrong, so the rest of their survey, question or choice is still checked."""
_ITEMS = ("questions", "choices")


@dataclass
class Loaded:
    """The result of loading one survey file."""

    survey: Survey | None
    """The survey, when the file has no schema or YAML problem."""
    locator: Locator
    problems: list[Problem]
    partial: Survey | None = None
    """With schema problems: what parsed, a wrong field at its default and a question or choice without a
    usable id or type kept as a stand-in (its path in `locator.left_out`), for the meaning checks. Never served."""

    @property
    def checkable(self) -> Survey | None:
        """The survey the meaning checks run on: the valid one, else the partial one."""
        return self.survey or self.partial


def read_text(path: Path) -> tuple[str | None, list[Problem]]:
    """The text of the file at `path`, or the problem that stops it being read."""
    try:
        return safe_yaml.read_text(path), []
    except YamlProblem as exc:
        return None, [yaml_problem(exc, str(path))]
    except (OSError, UnicodeDecodeError) as exc:
        return None, [Problem(1, 1, f"cannot read the file: {exc}", "save it as UTF-8 text", path=str(path))]


def load_text(text: str, *, path: str = "<survey>") -> Loaded:
    """Parse and schema-check survey YAML; every problem found, never an exception."""
    try:
        node = safe_yaml.compose(text)
        data, locator = located_data(node) if node is not None else (None, Locator())
    except YamlProblem as exc:
        return Loaded(None, Locator(), [yaml_problem(exc, path)])
    if not isinstance(data, dict):
        message = "the survey file is empty" if node is None else "a survey file must be a mapping"
        return Loaded(None, locator, [Problem(*locator.at(), message, START, path=path)])
    problems = [yaml_problem(found, path) for found in safe_yaml.duplicate_keys(node)]
    try:
        survey = Survey.model_validate(data)
    except ValidationError as exc:
        problems += schema_problems(exc, data, locator, path, known_keys=known_keys, whole="the survey",
                                    hints=HINTS)
        return Loaded(None, locator, sorted(set(problems)), _salvage(data, exc, locator))
    if problems:  # a key written twice is an error: checked as far as it goes, never served
        return Loaded(None, locator, sorted(problems), survey)
    return Loaded(survey, locator, [])


def _salvage(data: dict[str, Any], exc: ValidationError, locator: Locator) -> Survey | None:
    """The survey of what parsed in `data`; wrong parts are set aside (recorded in `locator.left_out`)."""
    repaired = copy.deepcopy(data)
    for _round in range(3):  # a repair may uncover an error pydantic did not reach yet
        for error in reversed(exc.errors()):  # the last first: dropping a list entry moves only later ones
            _repair(repaired, tuple(error["loc"]), locator)
        try:
            return Survey.model_validate(repaired)
        except ValidationError as again:
            exc = again
    return None


def _repair(data: dict[str, Any], loc: tuple[str | int, ...], locator: Locator) -> None:
    """Make the field at `loc` valid: a stand-in for a required word, an item's id or a question's type (the
    item stays where it is, so every later path keeps its line), else the field's default."""
    if not loc:
        return
    parents: list[Any] = [data]
    for part in loc[:-1]:
        child = parents[-1][part] if _has(parents[-1], part) else None
        if not isinstance(child, (dict, list)):
            return
        parents.append(child)
    parent, name, item_end = parents[-1], loc[-1], _item_end(loc)
    in_item = bool(item_end) and len(loc) == item_end + 1
    if isinstance(parent, list):
        if item_end and len(loc) == item_end and _has(parent, name):  # a question or choice that is no mapping
            parent[int(name)] = {"id": f"?{name}", "text": "?", **({"type": "text"} if loc[-2] == "questions" else {})}
            locator.left_out.add(loc)
        elif _has(parent, name):
            parent.pop(int(name))  # an entry of a plain list (a page pattern, a score); the rest is still checked
            _close_gap(locator, loc)
            locator.left_out.add(loc[:-1])
        return
    if (in_item or len(loc) == 1) and name in _STAND_INS:
        parent[str(name)] = f"?{loc[-2]}" if name == "id" and in_item else _STAND_INS[str(name)]
    elif in_item and name == "type":
        parent["type"] = "text"  # the question's kind is unknown: the checks of kinds pass it by
        locator.left_out.add(loc[:item_end])
    elif name in parent:
        parent.pop(name)
        locator.left_out.add(loc)
    elif len(parents) >= 2 and isinstance(parents[-2], dict):  # a required field of a nested mapping (show_if)
        parents[-2].pop(loc[-2], None)
        locator.left_out.add(loc[:-1])


def _close_gap(locator: Locator, loc: tuple[str | int, ...]) -> None:
    """Move the marks of the list entries after the one at `loc` (just dropped) one place up, so each value
    of the partial survey still points at its own line and column."""
    base, gone = loc[:-1], int(loc[-1])
    for table in (locator.values, locator.keys):
        moved = {}
        for path in [p for p in table if p[:len(base)] == base and len(p) > len(base)]:
            index = path[len(base)]
            if isinstance(index, int) and index >= gone:
                where = table.pop(path)
                if index > gone:
                    moved[(*base, index - 1, *path[len(base) + 1:])] = where
        table.update(moved)


def _item_end(loc: tuple[str | int, ...]) -> int:
    """The length of the path of the innermost question or choice `loc` is in (0: in none)."""
    end = 0
    for i, part in enumerate(loc[:-1]):
        if part in _ITEMS and isinstance(loc[i + 1], int):
            end = i + 2
    return end


def _has(container: Any, part: str | int) -> bool:
    if isinstance(container, list):
        return isinstance(part, int) and 0 <= part < len(container)
    return isinstance(container, dict) and part in container
