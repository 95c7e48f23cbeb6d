"""FieldProblem and InvalidFields: every problem of a campaign (or settings) at once, each naming its field."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from assistant.errors import Invalid


@dataclass(frozen=True)
class FieldProblem:
    """What is wrong with one field (a dotted path such as `variants[0].message`), and where in YAML."""

    field: str
    message: str
    line: int | None = None
    column: int | None = None

    def format(self) -> str:
        """`line 3, column 5: field: message` (the position only when known)."""
        where = f"line {self.line}, column {self.column}: " if self.line else ""
        return f"{where}{self.field}: {self.message}"

    def to_json(self) -> dict[str, Any]:
        """The problem as a JSON object."""
        return {"field": self.field, "message": self.message, "line": self.line, "column": self.column}


class InvalidFields(Invalid):
    """Input with problems (a campaign, a YAML file, settings); `field` and `message` are the first one's."""

    def __init__(self, problems: list[FieldProblem]) -> None:
        first = problems[0]
        super().__init__(first.format() if first.line else first.message, field=first.field)
        self.problems = problems

    def to_json(self) -> dict[str, Any]:
        """The error body, with every problem listed."""
        body = super().to_json()
        body["error"]["problems"] = [p.to_json() for p in self.problems]
        return body


def dotted(loc: tuple[str | int, ...] | list[str | int]) -> str:
    """A pydantic location as a field path: ('variants', 0, 'cta', 'url') -> 'variants[0].cta.url'."""
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def problems_of(exc: ValidationError, prefix: str = "") -> list[FieldProblem]:
    """One FieldProblem per pydantic error, its field path under `prefix`."""
    problems = []
    for error in exc.errors():
        loc = [part for part in error["loc"] if part != "[key]"]  # pydantic appends '[key]' to a bad dict key
        path = dotted([*([prefix] if prefix else []), *loc])
        message = error["msg"][:1].lower() + error["msg"][1:]
        if error["type"] == "extra_forbidden":
            message = "unknown field"
        elif error["type"] == "literal_error":
            message = f"must be one of: {error['ctx'].get('expected', '')}"
        problems.append(FieldProblem(path or prefix or "body", message.removeprefix("value error, ")))
    return problems
