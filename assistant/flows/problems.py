"""Problem: one thing wrong (or doubtful) in a flow file, with where and a hint."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Level = Literal["error", "warning"]


@dataclass(frozen=True, order=True)
class Problem:
    """A located message about a flow file; sorts by line."""

    line: int
    column: int
    message: str
    hint: str = ""
    level: Level = "error"
    path: str = ""

    def format(self) -> str:
        """`file:line:col: level: message`, then the hint on its own indented line."""
        text = f"{self.path}:{self.line}:{self.column}: {self.level}: {self.message}"
        return f"{text}\n    hint: {self.hint}" if self.hint else text

    def to_json(self) -> dict[str, object]:
        """The problem as a JSON object (admin and API)."""
        return {"path": self.path, "line": self.line, "column": self.column,
                "level": self.level, "message": self.message, "hint": self.hint}


def errors(problems: list[Problem]) -> list[Problem]:
    """The problems that make a flow unusable."""
    return [p for p in problems if p.level == "error"]
