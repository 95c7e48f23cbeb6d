"""The public JSON API the widget calls: /api/v1/..."""

from __future__ import annotations

import logging

import psycopg
from flask import Blueprint, Response, jsonify, request
from sqlalchemy.exc import DBAPIError
from werkzeug.exceptions import HTTPException

from assistant.db import busy_answer
from assistant.errors import AssistantError
from assistant.logs import request_id

bp = Blueprint("api", __name__, url_prefix="/api/v1")
log = logging.getLogger(__name__)


@bp.errorhandler(AssistantError)
def _assistant_error(exc: AssistantError) -> tuple[Response, int]:
    return jsonify(exc.to_json()), exc.status


@bp.errorhandler(HTTPException)
def _http_error(exc: HTTPException) -> tuple[Response, int, list[tuple[str, str]]]:
    return _http_json(exc)


@bp.app_errorhandler(404)
@bp.app_errorhandler(405)
def _unrouted(exc: HTTPException) -> tuple[Response, int, list[tuple[str, str]]] | HTTPException:
    """Routing errors happen before a blueprint is chosen: answer JSON under /api/ only."""
    return _http_json(exc) if request.path.startswith(bp.url_prefix or "/api") else exc


def _http_json(exc: HTTPException) -> tuple[Response, int, list[tuple[str, str]]]:
    code = (exc.name or "error").lower().replace(" ", "_")
    body = {"error": {"code": code, "field": None, "message": exc.description}}
    headers = [(k, v) for k, v in exc.get_headers() if k.lower() != "content-type"]  # Retry-After, Allow
    return jsonify(body), exc.code or 500, headers


@bp.errorhandler(DBAPIError)
@bp.errorhandler(psycopg.OperationalError)  # code on a raw connection sees the driver's errors unwrapped
@bp.errorhandler(psycopg.InterfaceError)
def _database_error(exc: Exception) -> tuple[Response, int, list[tuple[str, str]]] | tuple[Response, int]:
    """SQLite locked by another writer past the wait, PostgreSQL down or unreachable: 503 with Retry-After."""
    busy = busy_answer(exc)
    return _http_json(busy) if busy is not None else _unexpected(exc)


@bp.errorhandler(Exception)
def _unexpected(exc: Exception) -> tuple[Response, int]:
    log.exception("unexpected error, request id %s", request_id())  # the id of the answer and of the access line
    body = {"error": {"code": "internal", "field": None,
                      "message": f"something went wrong on our side (request id {request_id()})"}}
    return jsonify(body), 500


from assistant.api import (  # noqa: E402,F401  (routes register on bp)
    baskets,
    events,
    flows,
    locale,
    openapi,
    orders,
    origins,
    promotions,
    quiz,
    recommendations,
    surveys,
)
