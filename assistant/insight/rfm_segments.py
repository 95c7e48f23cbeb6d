"""Named RFM segments from one YAML file a shop can edit (rules/rfm_segments.yaml by default).

An ordered list of rules, each a name and a range per score; the first rule whose ranges all hold names a
customer's segment, and `otherwise` names the rest. The file is read through safe_yaml, checked whole,
and every problem is reported at its line (`file:line:column: error: message`, sorted), as flow files are.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import product
from pathlib import Path
from typing import Any

import numpy as np
import yaml
from numpy.typing import NDArray

from assistant import safe_yaml
from assistant.paths import resource_dir

from .rfm import Rfm

SCORES = ("recency", "frequency", "monetary")
NAME = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
Where = tuple[str | int, ...]


@dataclass(frozen=True)
class Segment:
    """One rule: a name and, per score, the inclusive range it accepts."""

    name: str
    recency: tuple[int, int] = (1, 5)
    frequency: tuple[int, int] = (1, 5)
    monetary: tuple[int, int] = (1, 5)

    def holds(self, r: int, f: int, m: int) -> bool:
        """Whether scores (r, f, m) are inside all three ranges."""
        return all(low <= s <= high for s, (low, high) in zip((r, f, m), self.ranges(), strict=True))

    def ranges(self) -> tuple[tuple[int, int], ...]:
        """The (low, high) range of recency, frequency and monetary."""
        return self.recency, self.frequency, self.monetary


@dataclass(frozen=True)
class SegmentMap:
    """The rules in file order and the name of the segment nobody's rule takes."""

    segments: tuple[Segment, ...]
    otherwise: str

    def names(self) -> list[str]:
        """Every segment name, in file order, `otherwise` last."""
        return [s.name for s in self.segments] + [self.otherwise]

    def assign(self, rfm: Rfm) -> NDArray[np.str_]:
        """Each customer's segment name: the first rule that holds, else `otherwise`."""
        table = np.array(self.names())
        found = np.full(rfm.recency.shape, len(self.segments))
        for index, segment in reversed(list(enumerate(self.segments))):
            holds = np.ones(rfm.recency.shape, dtype=bool)
            for scores, (low, high) in zip((rfm.recency, rfm.frequency, rfm.monetary), segment.ranges(), strict=True):
                holds &= (scores >= low) & (scores <= high)
            found[holds] = index
        return table[found]


class SegmentFileError(ValueError):
    """A segments file that cannot be used; `problems` holds every problem found, each at its line."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


def default_path() -> Path:
    """The segments file shipped with the assistant."""
    return resource_dir("rules") / "rfm_segments.yaml"


def load_segments(path: Path) -> SegmentMap:
    """The segment map of the file at `path`; SegmentFileError naming every problem at its line."""
    try:
        text = safe_yaml.read_text(path)
        node = safe_yaml.compose(text)
        duplicates = safe_yaml.duplicate_keys(node) if node is not None else []
        data = None if duplicates else safe_yaml.load(text)
    except safe_yaml.YamlProblem as problem:
        raise SegmentFileError([f"{path}:{problem.line}:{problem.column}: error: {problem.message}"]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise SegmentFileError([f"{path}:1:1: error: cannot read the file: {exc}"]) from None
    if duplicates:
        raise SegmentFileError([f"{path}:{p.line}:{p.column}: error: {p.message}" for p in duplicates])
    checker = _Checker(_marks(node, ()) if node is not None else {})
    segments = checker.check(data)
    if checker.problems:
        raise SegmentFileError([f"{path}:{line}:{column}: error: {message}"
                                for line, column, message in sorted(checker.problems)])
    assert segments is not None
    return segments


class _Checker:
    """Turns the loaded data into a SegmentMap, collecting a problem per mistake instead of stopping."""

    def __init__(self, marks: dict[Where, tuple[int, int]]) -> None:
        self.marks: dict[Where, tuple[int, int]] = marks
        self.problems: list[tuple[int, int, str]] = []

    def problem(self, where: Where, message: str) -> None:
        while where not in self.marks and where:
            where = where[:-1]
        line, column = self.marks.get(where, (1, 1))
        self.problems.append((line, column, message))

    def check(self, data: Any) -> SegmentMap | None:
        if not isinstance(data, dict):
            self.problem((), "expected a mapping with `segments:` (a list of rules) and `otherwise:` (a name)")
            return None
        for key in sorted(set(data) - {"segments", "otherwise"}, key=str):
            self.problem((key,), f"unknown key {key!r} (known: segments, otherwise)")
        otherwise = data.get("otherwise")
        if not isinstance(otherwise, str) or not NAME.match(otherwise):
            self.problem(("otherwise",), "`otherwise:` must name the segment of customers no rule takes, "
                                         "e.g. `otherwise: others`")
        rules = data.get("segments")
        if not isinstance(rules, list) or not rules:
            self.problem(("segments",), "`segments:` must be a list of rules, each with a `name:`")
            return None
        segments = [self.segment(i, entry) for i, entry in enumerate(rules)]
        self.names(segments, otherwise)
        self.reachable(segments)
        if self.problems:
            return None
        return SegmentMap(tuple(s for s in segments if s is not None), str(otherwise))

    def segment(self, index: int, entry: Any) -> Segment | None:
        where: Where = ("segments", index)
        if not isinstance(entry, dict):
            self.problem(where, "each rule must be a mapping: name, and any of recency, frequency, monetary")
            return None
        for key in sorted(set(entry) - {"name", *SCORES}, key=str):
            self.problem((*where, key), f"unknown key {key!r} (known: name, recency, frequency, monetary)")
        name = entry.get("name")
        if not isinstance(name, str) or not NAME.match(name):
            self.problem((*where, "name"), f"rule {index + 1} needs a `name:` of lowercase letters, digits and _, "
                                           f"got {name!r}")
            return None
        ranges = {score: self.range((*where, score), name, score, entry[score]) for score in SCORES if score in entry}
        if any(r is None for r in ranges.values()):
            return None
        return Segment(name, **{k: v for k, v in ranges.items() if v is not None})

    def range(self, where: Where, name: str, score: str, value: Any) -> tuple[int, int] | None:
        pair = [value, value] if not isinstance(value, list) else value
        if len(pair) != 2 or not all(isinstance(s, int) and not isinstance(s, bool) and 1 <= s <= 5 for s in pair):
            self.problem(where, f"{name}: {score} must be a score from 1 to 5 or a range [low, high], got {value!r}")
            return None
        if pair[0] > pair[1]:
            self.problem(where, f"{name}: {score} range [{pair[0]}, {pair[1]}] is empty (write [low, high])")
            return None
        return pair[0], pair[1]

    def names(self, segments: list[Segment | None], otherwise: Any) -> None:
        seen: set[Any] = {otherwise}
        for index, segment in enumerate(segments):
            if segment is not None and segment.name in seen:
                self.problem(("segments", index, "name"), f"segment {segment.name!r} is named twice")
            seen.add(segment.name if segment else None)

    def reachable(self, segments: list[Segment | None]) -> None:
        free = set(product(range(1, 6), repeat=3))
        for index, segment in enumerate(segments):
            if segment is None:
                continue
            taken = {cell for cell in free if segment.holds(*cell)}
            if not taken:
                self.problem(("segments", index), f"{segment.name}: never applies, the rules above it take "
                                                  "every score it covers")
            free -= taken


def _marks(node: yaml.Node, where: Where) -> dict[Where, tuple[int, int]]:
    """The 1-based (line, column) of every mapping value and list item, by its path from the top."""
    marks = {where: (node.start_mark.line + 1, node.start_mark.column + 1)}
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            marks |= _marks(value, (*where, key.value))
            marks[(*where, key.value)] = (key.start_mark.line + 1, key.start_mark.column + 1)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            marks |= _marks(item, (*where, index))
    return marks
