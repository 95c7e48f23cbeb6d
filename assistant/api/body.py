"""Reading request bodies: JSON sent as application/json or text/plain (no CORS preflight)."""

from __future__ import annotations

import json
from typing import Any

from flask import request
from werkzeug.exceptions import BadRequest

from assistant.errors import Invalid
from assistant.storable import TOO_DEEP, first_problem, text_problem


def json_body(*, whole: bool = True) -> dict[str, Any]:
    """The request body as a JSON object; an empty body is an empty object.

    Nesting that would exhaust the parser's recursion, and numbers Python cannot read (more than 4,300
    digits), are refused for every caller. With `whole`, so is any unstorable value anywhere in the
    body (NUL, lone surrogate, NaN, Infinity, 1e309, deep nesting: see assistant.storable), naming
    its path. The events endpoint passes False: its shapes refuse such an event alone, not its batch.
    """
    raw = _raw_body()
    if not raw.strip():
        return {}
    try:
        data = json.loads(raw)  # NaN and Infinity parse, so that `whole` names where they are (below)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise Invalid(f"the body is not valid JSON: {exc}", field="body") from None
    except RecursionError:
        raise Invalid(TOO_DEEP, field="body") from None
    except ValueError as exc:  # an integer of more than 4,300 digits
        raise Invalid(f"the body holds an unusable number: {exc}", field="body") from None
    if not isinstance(data, dict):
        raise Invalid("the body must be a JSON object", field="body")
    if whole:
        found = first_problem(data)
        if found:
            raise Invalid(found[1], field=found[0].lstrip(".") or "body")
    return data


def text_field(data: dict[str, Any], name: str, *, required: bool = True, max_length: int = 200) -> str | None:
    """A string field of `data`, checked for type and length."""
    value = data.get(name)
    if value is None:
        if required:
            raise Invalid("is required", field=name)
        return None
    if not isinstance(value, str) or not value.strip():
        raise Invalid("must be a non-empty string", field=name)
    if len(value) > max_length:
        raise Invalid(f"must be at most {max_length} characters", field=name)
    problem = text_problem(value)
    if problem:
        raise Invalid(problem, field=name)
    return value


def _raw_body() -> bytes:
    """The body's bytes; a body the server cannot read (a malformed chunked encoding) is a 400."""
    try:
        return request.get_data(cache=True)
    except OSError as exc:  # gunicorn's and werkzeug's chunk readers raise IOError subclasses
        raise BadRequest(f"the request body could not be read: {exc}") from None

