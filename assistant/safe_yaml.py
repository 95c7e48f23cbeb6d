"""YAML that people and scripts write (flows, campaign imports, merchandising rules, conditions), read so
that no file can cost the server: no anchors or aliases, bounded size, depth, node count and scalars.

None of our formats needs an anchor (`&name`) or an alias (`*name`); an alias is how a billion-laughs
file grows to gigabytes and how `title: &a [*a]` becomes a list containing itself. The text is first
walked as a stream of parser events, which is flat (no recursion, nothing built), and refused at the
first anchor, alias, or bound passed, with its line and column; only then is it composed into nodes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
MAX_CHARS = 2_000_000
"""The longest YAML text read (a flow file is a few kilobytes)."""
MAX_BYTES = 4 * MAX_CHARS
"""The largest file read at all (UTF-8 takes at most 4 bytes a character)."""
MAX_DEPTH = 40
"""How deep mappings and lists may nest."""
MAX_NODES = 50_000
"""How many values (scalars, mappings, lists) one text may hold."""
MAX_SCALAR = 50_000
"""The most characters of one value."""
MAX_DIGITS = 100
"""The most characters of a plain value that reads as a number (Python refuses ints past 4,300 digits)."""
_UNREADABLE = (yaml.YAMLError, ValueError, OverflowError, TypeError)
"""What constructing a value may raise: an unknown tag, a date that does not exist ('2026-02-30'), ..."""
_TAGS = {f"tag:yaml.org,2002:{name}" for name in ("str", "int", "float", "bool", "null", "seq", "map", "timestamp")}
_NUMBER = re.compile(r"[-+]?[0-9_.:]*[0-9][0-9a-fA-FxXoObB_.:]*(?:[eE][-+]?[0-9]+)?")


@dataclass(frozen=True)
class YamlProblem(Exception):  # noqa: N818  (a problem, like the flows' Problem)
    """Why a YAML text is not read: a syntax error (`syntax`) or a refused construct, 1-based line and column."""

    line: int
    column: int
    message: str
    hint: str = ""
    syntax: bool = False

    def __str__(self) -> str:
        return f"line {self.line}, column {self.column}: {self.message}"


def read_text(path: Path) -> str:
    """The UTF-8 text of the file at `path`, refused (YamlProblem) before reading when it is too large to be read."""
    size = path.stat().st_size
    if size > MAX_BYTES:
        raise YamlProblem(1, 1, f"the file has {size:,} bytes; at most {MAX_BYTES:,} are read",
                          "split it into smaller files")
    return path.read_text(encoding="utf-8")


def compose(text: str) -> yaml.Node | None:
    """The node tree of the single YAML document in `text` (None when empty); YamlProblem otherwise."""
    check(text)
    try:
        return yaml.compose(text, Loader=LOADER)
    except yaml.YAMLError as exc:
        raise _syntax(exc) from None


def load(text: str) -> Any:
    """The plain data of the single YAML document in `text` (None when empty); YamlProblem otherwise, a key
    written twice in one mapping included."""
    node = compose(text)
    if node is None:
        return None
    for duplicate in duplicate_keys(node):  # the last would silently win: refused, as in flows and mapping files
        raise duplicate
    return _Constructor().construct_document(node)


def duplicate_keys(node: yaml.Node) -> list[YamlProblem]:
    """Every key written twice in one mapping of `node` (YAML keeps the last and loses the first), at the
    second, naming the first's line. Flows, mapping files and every other YAML we read share this check."""
    found: list[YamlProblem] = []
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, yaml.SequenceNode):
            stack.extend(reversed(current.value))
        elif isinstance(current, yaml.MappingNode):
            seen: dict[str, yaml.Node] = {}
            for key, _value in current.value:
                name = str(key.value) if isinstance(key, yaml.ScalarNode) else ""
                first = seen.setdefault(name, key) if name else key
                if first is not key:
                    found.append(YamlProblem(
                        key.start_mark.line + 1, key.start_mark.column + 1,
                        f"'{name}' is written twice, here and at line {first.start_mark.line + 1}"
                        + (f", column {first.start_mark.column + 1}" if first.start_mark.line == key.start_mark.line
                           else ""),
                        "keep one: the later one would replace the earlier"))
            stack.extend(reversed([value for _key, value in current.value]))
    return sorted(found, key=lambda p: (p.line, p.column))


def construct_scalar(node: yaml.ScalarNode, constructor: yaml.constructor.SafeConstructor) -> Any:
    """The value of one scalar node ('2026-02-30' or '!!python/object' are a YamlProblem at its line)."""
    try:
        return constructor.construct_object(node)
    except _UNREADABLE as exc:
        raise _unreadable(node, exc) from None


class _Constructor(yaml.constructor.SafeConstructor):
    """SafeConstructor whose every failure is a YamlProblem at the innermost node that failed."""

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        """Construct `node`, turning a failure into a YamlProblem at its line."""
        try:
            return super().construct_object(node, deep)
        except _UNREADABLE as exc:
            raise _unreadable(node, exc) from None


def check(text: str) -> None:
    """Raise YamlProblem at the first anchor, alias, bound passed or syntax error of `text`."""
    if len(text) > MAX_CHARS:
        raise YamlProblem(1, 1, f"the text has {len(text):,} characters; at most {MAX_CHARS:,} are read",
                          "split it into smaller files")
    depth = nodes = 0
    try:
        for event in yaml.parse(text, Loader=LOADER):
            if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
                raise _refused(event, f"anchors and aliases ({'*' if isinstance(event, yaml.AliasEvent) else '&'}"
                                      f"{event.anchor}) are not allowed here",
                               "write the value out in full where it is needed")
            if isinstance(event, yaml.CollectionStartEvent):
                depth += 1
                if depth > MAX_DEPTH:
                    raise _refused(event, f"values nest more than {MAX_DEPTH} levels deep", "flatten the structure")
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
            if isinstance(event, (yaml.ScalarEvent, yaml.CollectionStartEvent)):
                _check_tag(event)
                nodes += 1
                if nodes > MAX_NODES:
                    raise _refused(event, f"more than {MAX_NODES:,} values in one file", "split it into smaller files")
            if isinstance(event, yaml.ScalarEvent):
                _check_scalar(event)
    except yaml.YAMLError as exc:
        raise _syntax(exc) from None


def _check_tag(event: yaml.NodeEvent) -> None:
    tag = getattr(event, "tag", None)
    if tag and tag not in _TAGS and tag != "!":  # "!" is a quoted scalar's non-specific tag
        raise _refused(event, f"the tag {tag.replace('tag:yaml.org,2002:', '!!')} is not allowed here",
                       "leave the tag out: write plain values, lists and mappings")


def _check_scalar(event: yaml.ScalarEvent) -> None:
    value = event.value
    if len(value) > MAX_SCALAR:
        raise _refused(event, f"a value of {len(value):,} characters; at most {MAX_SCALAR:,}", "shorten it")
    read_as_number = not event.style or event.tag  # plain, or tagged such as !!int "..."
    if read_as_number and len(value) > MAX_DIGITS and _NUMBER.fullmatch(value):
        raise _refused(event, f"a number of {len(value):,} characters; at most {MAX_DIGITS}",
                       "quote it if it is meant as text")


def _unreadable(node: yaml.Node, exc: Exception) -> YamlProblem:
    mark = getattr(exc, "problem_mark", None) or node.start_mark
    reason = getattr(exc, "problem", None) or str(exc)
    return YamlProblem(mark.line + 1, mark.column + 1, f"cannot read this value: {reason}",
                       "quote it if it is meant as text")


def _refused(event: yaml.Event, message: str, hint: str) -> YamlProblem:
    mark = event.start_mark
    return YamlProblem(mark.line + 1, mark.column + 1, message, hint)


def _syntax(exc: yaml.YAMLError) -> YamlProblem:
    if isinstance(exc, yaml.MarkedYAMLError):
        mark = exc.problem_mark or exc.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        return YamlProblem(line, column, str(exc.problem or exc.context), syntax=True)
    return YamlProblem(1, 1, str(exc), syntax=True)

