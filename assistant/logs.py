"""Request ids and JSON log lines: one id ties a request's app log lines, its access line and its answer together.

Each request gets an id: the incoming `X-Request-Id` when it is well formed (nginx sets one from
$request_id; at most 64 characters of A-Z a-z 0-9 . _ -), else 128 random bits in hex (the shape of
nginx's $request_id and of uuid4().hex, at a third of uuid4's cost), so a forged or oversized header
never reaches a log line. The answer carries it back as `X-Request-Id` (exposed to
the widget by CORS), gunicorn's access log prints it (assistant.gunicorn_conf), and with
ASSISTANT_LOG_FORMAT=json every log line is one JSON object with it. `text` leaves logging as it was.
"""

from __future__ import annotations

import json
import logging
import os
import re
import sys
from datetime import UTC, datetime
from typing import Any

from flask import Flask, Response, g, has_request_context, request

HEADER = "X-Request-Id"
WELL_FORMED = re.compile(r"[A-Za-z0-9._-]{1,64}")
FIELDS = ("request_id", "method", "path", "status")


def request_id() -> str:
    """The current request's id: the caller's well-formed X-Request-Id, else a new one (made once a request)."""
    state = g._get_current_object()  # type: ignore[attr-defined]  # one context lookup, not one per use
    found: str | None = getattr(state, "request_id", None)
    if found is None:
        given = request.environ.get("HTTP_X_REQUEST_ID", "")
        found = state.request_id = given if WELL_FORMED.fullmatch(given) else os.urandom(16).hex()
    return found


def _answer_with_id(response: Response) -> Response:
    response.headers.add(HEADER, request_id())  # the view never sets it: add, without set()'s search
    g.status = response.status_code  # for the lines logged after this point (teardown)
    return response


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time (UTC), level, logger, message, and the request's id, method, path and
    status where a request is being served (or the access line's own fields, given as `extra={"fields": ...}`)."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(), "logger": record.name, "message": record.getMessage()}
        if has_request_context():
            line.update(request_id=request_id(), method=request.method, path=request.path)
            if "status" in g:
                line["status"] = g.status
        line.update(getattr(record, "fields", None) or {})
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        elif record.stack_info:
            line["stack"] = self.formatStack(record.stack_info)
        return json.dumps(line, ensure_ascii=False, default=str)


def use_json_lines() -> None:
    """Send every logger's records to stderr as JSON lines (once per process). Levels stay as they are: the
    server (assistant.gunicorn_conf) lets the app's own INFO lines through, an app built in a test does not."""
    root = logging.getLogger()
    if any(isinstance(handler.formatter, JsonFormatter) for handler in root.handlers):
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    root.addHandler(handler)


def init_app(app: Flask, log_format: str) -> None:
    """Answer every request with its id; log JSON lines when `log_format` is json."""
    app.after_request(_answer_with_id)
    if log_format == "json":
        use_json_lines()
