"""Which texts of a flow, survey or campaign file a person reads, and so are translated: found by key."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

Path = tuple[str | int, ...]

TEXT_KEYS = frozenset({"title", "description", "label", "text", "help", "reason", "placeholder", "thanks",
                       "message"})
"""Keys whose string value is read by a shopper (a flow's questions and answers, a survey's, a message's)."""
LIST_KEYS = frozenset({"labels"})
"""Keys whose list of strings is read by a shopper (a scale's end labels)."""
NESTED_KEYS = frozenset({"entry", "questions", "answers", "choices", "campaigns", "variants", "cta"})
"""Keys under which more translatable texts live."""


def texts(data: Any, path: Path = ()) -> Iterator[tuple[Path, str]]:
    """Every translatable text in a file's parsed YAML, with its path (for its line), in file order."""
    if isinstance(data, list):
        for i, item in enumerate(data):
            yield from texts(item, (*path, i))
        return
    if not isinstance(data, dict):
        return
    for key, value in data.items():
        if key in TEXT_KEYS and isinstance(value, str) and value.strip():
            yield (*path, key), value
        elif key in LIST_KEYS and isinstance(value, list):
            yield from (((*path, key, i), v) for i, v in enumerate(value) if isinstance(v, str) and v.strip())
        elif key in NESTED_KEYS:
            yield from texts(value, (*path, key))

