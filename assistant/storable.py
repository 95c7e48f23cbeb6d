"""What the databases can store: the one rule every edge applies to text and numbers it is sent.

PostgreSQL text cannot hold a NUL character, a lone surrogate (half of an emoji, cut by shop code)
is not UTF-8 on either database, and JSON has no NaN or Infinity. Such a value is refused where it
comes in, with the field it was in; nothing is silently changed.
"""

from __future__ import annotations

import math
import re
from typing import Any

from pydantic_core import PydanticCustomError

MAX_DEPTH = 32
"""How deeply lists and objects may nest in what a caller sends (an event, a quiz answer, a body)."""

NUL = "must not contain a NUL character (\\u0000)"
SURROGATE = "must not contain a lone surrogate (half of a character, like \\ud83d)"
NOT_FINITE = "must be a finite number"
TOO_DEEP = f"must not nest lists and objects more than {MAX_DEPTH} deep"


def text_problem(value: str) -> str | None:
    """Why the string `value` cannot be stored, or None when it can."""
    if "\x00" in value:
        return NUL
    if not value.isascii():
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return SURROGATE
    return None


def first_problem(value: Any) -> tuple[str, str] | None:
    """The path (like `.props.name` or `[2]`) and reason of the first unstorable part of a JSON-like value, or None.

    Walks strings, keys, floats, lists, tuples and dicts without recursion; deeper than MAX_DEPTH is a problem.
    """
    kind = value.__class__
    if kind is str:  # the common cases first: this runs for every field of every event
        problem = text_problem(value)
        return ("", problem) if problem else None
    if kind is int or kind is bool or value is None:
        return None
    if kind is float:
        return None if math.isfinite(value) else ("", NOT_FINITE)
    stack: list[tuple[Any, str, int]] = [(value, "", 0)]
    while stack:
        item, path, depth = stack.pop()
        if isinstance(item, str):
            problem = text_problem(item)
        elif isinstance(item, float):
            problem = None if math.isfinite(item) else NOT_FINITE
        elif isinstance(item, dict | list | tuple):
            if depth >= MAX_DEPTH:
                return path, TOO_DEEP
            problem = None
            if isinstance(item, dict):
                for key, inner in item.items():
                    key_problem = text_problem(key) if isinstance(key, str) else None
                    if key_problem:
                        return path, f"key {key!r} {key_problem}"
                    stack.append((inner, f"{path}.{key}", depth + 1))
            else:
                stack.extend((inner, f"{path}[{index}]", depth + 1) for index, inner in enumerate(item))
        else:
            problem = None
        if problem:
            return path, problem
    return None


CLEAN_TEXT = "clean_text"
"""Validation context key (pydantic): the values come from JSON text that clean_json_text passed."""


def clean_json_text(raw: bytes) -> bool:
    """Whether every string parsed from the JSON text `raw` (UTF-8) is storable, read off the text in two scans.

    In UTF-8 JSON a NUL can only be written as a \\u escape (a NUL byte means another encoding, UTF-16 or 32, where
    escapes look different), and a lone surrogate as an escape or as its three UTF-8 bytes (ED A0-BF xx), which
    Python's json reads back as the surrogate (it decodes bytes with "surrogatepass"). Conservative: a title with
    "\\u00e9" in it is merely not clean, and gets the full check. Says nothing of numbers or nesting.
    """
    return b"\\u" not in raw and b"\x00" not in raw and (b"\xed" not in raw or not _ENCODED_SURROGATE.search(raw))


_ENCODED_SURROGATE = re.compile(rb"\xed[\xa0-\xbf]")
"""The UTF-8 bytes of U+D800-U+DFFF (strict decoders refuse them; json.loads of bytes does not)."""


def unstorable_error(path: str, reason: str) -> PydanticCustomError:
    """The validation error of a shape for an unstorable value at `path`: its context keeps the path and reason."""
    where = path.lstrip(".")
    return PydanticCustomError("unstorable", "{message}", {"message": f"{where}: {reason}" if where else reason,
                                                          "path": path, "reason": reason})


def check_storable(value: Any) -> Any:
    """`value` itself, or the unstorable_error of its first unstorable part (a validator for pydantic shapes)."""
    found = first_problem(value)
    if found:
        raise unstorable_error(*found)
    return value
