"""Reading request bodies: JSON sent as application/json or text/plain (no CORS preflight)."""

from __future__ import annotations

import json
from typing import Any

from flask import request

from assistant.errors import Invalid


def json_body() -> dict[str, Any]:
    """The request body as a JSON object; an empty body is an empty object."""
    raw = request.get_data(cache=True)
    if not raw.strip():
        return {}
    try:
        data = json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise Invalid(f"the body is not valid JSON: {exc}", field="body") from None
    if not isinstance(data, dict):
        raise Invalid("the body must be a JSON object", field="body")
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
    return value
