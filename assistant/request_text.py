"""Every request's path, query, headers and form fields, checked once before any view of any blueprint.

Text no database can store (assistant.storable) is a 400 naming the field, whatever the route: the API
answers it as JSON (its own handler), the demo as a shop page, everything else as plain text.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask import Flask, Request, request
from werkzeug.exceptions import BadRequest

from assistant.errors import AssistantError, Invalid
from assistant.storable import text_problem

FORMS = ("application/x-www-form-urlencoded", "multipart/form-data")


def init_app(app: Flask) -> None:
    """Check every request's text before its views; answer an AssistantError no blueprint handled."""
    app.before_request(check_request_text)
    app.register_error_handler(AssistantError, _plain_answer)


def check_request_text() -> None:
    """Raise Invalid for the first path part, query parameter, header or form field that cannot be stored."""
    req: Request = request._get_current_object()  # type: ignore[attr-defined]
    _check_pairs((req.view_args or {}).items(), "path")
    _check_pairs(req.args.items(multi=True), "query")
    headers = [(k, v) for k, v in req.environ.items() if k[:5] == "HTTP_" and isinstance(v, str)]
    if not _plain("".join([k + v for k, v in headers])):  # one scan of them all, named one by one only if needed
        _check_pairs(((k[5:].replace("_", "-").title(), v) for k, v in headers), "header")
    if req.method == "POST" and req.mimetype in FORMS:
        try:
            form = req.form
        except OSError as exc:  # a malformed chunked body
            raise BadRequest(f"the request body could not be read: {exc}") from None
        _check_pairs(form.items(multi=True), "form")


def _plain(text: str) -> bool:
    """Whether `text` is ASCII without a NUL character: storable, whatever it is cut into."""
    return text.isascii() and "\x00" not in text


def _check_pairs(pairs: Iterable[tuple[str, Any]], where: str) -> None:
    for name, value in pairs:
        problem = text_problem(name)
        if problem:
            raise Invalid(f"a {where} parameter's name {problem}", field=where)
        problem = text_problem(value) if isinstance(value, str) else None
        if problem:
            raise Invalid(problem, field=name)


def _plain_answer(exc: AssistantError) -> tuple[str, int, dict[str, str]]:
    return f"{exc.field}: {exc.message}\n" if exc.field else f"{exc.message}\n", exc.status, {
        "Content-Type": "text/plain; charset=utf-8"}
