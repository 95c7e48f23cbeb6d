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
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from flask import Flask, has_request_context, request

HEADER = "X-Request-Id"
WELL_FORMED = re.compile(r"[A-Za-z0-9._-]{1,64}")
FIELDS = ("request_id", "method", "path", "status")


ENVIRON_ID = "assistant.request_id"
ENVIRON_STATUS = "assistant.status"


def id_of(environ: dict[str, Any]) -> str:
    """The id of the request of `environ`: the caller's well-formed X-Request-Id, else a new one (made once)."""
    found: str | None = environ.get(ENVIRON_ID)
    if found is None:
        given = environ.get("HTTP_X_REQUEST_ID", "")
        found = environ[ENVIRON_ID] = given if WELL_FORMED.fullmatch(given) else os.urandom(16).hex()
    return found


def request_id() -> str:
    """The current request's id (see id_of)."""
    return id_of(request.environ)


def _with_ids(wsgi_app: Callable[..., Any]) -> Callable[..., Any]:
    """Answer every request with its id, added where the answer starts (to its list of header pairs: no Flask
    hook, no Headers object), and note the status there for the lines logged after it (teardown)."""
    def answered(environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        def start(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            headers.append((HEADER, id_of(environ)))
            environ[ENVIRON_STATUS] = int(status[:3])
            return start_response(status, headers, exc_info)

        return wsgi_app(environ, start)

    return answered


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time (UTC), level, logger, message, and the request's id, method, path and
    status where a request is being served (or the access line's own fields, given as `extra={"fields": ...}`)."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(), "logger": record.name, "message": record.getMessage()}
        if has_request_context():
            environ = request.environ
            line.update(request_id=id_of(environ), method=request.method, path=request.path)
            if ENVIRON_STATUS in environ:
                line["status"] = environ[ENVIRON_STATUS]
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
    app.wsgi_app = _with_ids(app.wsgi_app)  # type: ignore[method-assign]
    if log_format == "json":
        use_json_lines()
