"""The OpenAPI 3.1 document of /api/v1, built once per process from the routes Flask has and what each declares.

apispec assembles the document; the schemas are the pydantic models of api/documents.py (and the
tracking models that validate events and orders) as pydantic writes them; the paths and methods
come from Flask's URL map, so a route shows up even if nobody documented it (tests/ops/test_openapi.py
fails then). GET /api/v1/openapi.json serves the document, GET /api/v1/docs a reference page
rendered from it on the server (no script, no CDN).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any, Literal

from apispec import APISpec
from flask import Flask, Response, current_app, render_template
from pydantic import BaseModel, TypeAdapter
from pydantic.json_schema import models_json_schema
from werkzeug.routing import Rule

from assistant import __version__
from assistant.api import bp
from assistant.api.contract import Answer, Operation, Shape, operations_of
from assistant.api.documents import ErrorBody
from assistant.api.reference import endpoints_by_tag, inline, schema_tables

OWN = frozenset({"api.openapi_json", "api.reference"})
"""This module's own routes: the document does not describe itself."""
REF = "#/components/schemas/{model}"
HIDDEN_METHODS = frozenset({"HEAD"})
ERRORS: dict[int, tuple[str, str]] = {
    400: ("A missing or bad field: `field` names it, `message` says why", "invalid"),
    401: ("No secret key, or a wrong one (Authorization: Bearer sk_...)", "unauthorized"),
    403: ("The Origin is not one of the site's, or the visitor is held out (code `control`)", "forbidden"),
    404: ("No such site, flow, quiz or survey for this site", "not_found"),
    409: ("The request clashes with what is stored", "conflict"),
    413: ("The body is larger than 512 KiB", "request_entity_too_large"),
    429: ("Too many requests from this address or for this site: wait `Retry-After` seconds", "too_many_requests"),
    503: ("The database is busy or unreachable: try again after `Retry-After` seconds", "service_unavailable"),
}
RETRY = {"Retry-After": "Seconds to wait before trying again"}
TOO_LONG = Answer("The URL is longer than the server reads (gunicorn's request line limit, 4,094 bytes): "
                  "answered by the server, not the API, as an HTML page", None, media="text/html")
DESCRIPTION = """\
The JSON API the widget calls from a shop's pages, and the shop's server calls for orders.

Every call from a page names its site with `?site=<public key>`; a browser's `Origin` must be one of the
site's origins (else 403). Bodies are JSON, sent as `application/json` or as `text/plain` (which needs no
CORS preflight). Every error answers `{"error": {"code", "field", "message"}}`, with `Retry-After` on 429
and 503. Every answer carries `X-Request-Id` (the caller's, when well formed, else a new one): quote it when
reporting a problem.
"""


def document(app: Flask) -> dict[str, Any]:
    """The OpenAPI document of `app`'s /api/v1 routes."""
    spec = APISpec(title="Guided-selling assistant API", version=__version__, openapi_version="3.1.0",
                   info={"description": DESCRIPTION})
    spec.components.security_scheme("secretKey", {"type": "http", "scheme": "bearer",
                                                  "description": "The site's secret key (sk_...), server to server"})
    routes = api_routes(app)
    schemas = _schemas(op for _, ops in routes for op in ops)
    for name, schema in sorted(schemas.items()):
        spec.components.schema(name, schema)
    for rule, ops in routes:
        spec.path(path=_openapi_path(rule.rule), operations=_operations(rule, ops))
    return spec.to_dict()


def api_routes(app: Flask) -> list[tuple[Rule, tuple[Operation, ...]]]:
    """Every /api/v1 route of `app` but this module's, with what its view declares (empty: undocumented)."""
    prefix = bp.url_prefix or "/api/v1"
    return [(rule, operations_of(app.view_functions[rule.endpoint])) for rule in app.url_map.iter_rules()
            if rule.rule.startswith(prefix) and rule.endpoint not in OWN]


def route_methods(rule: Rule) -> list[str]:
    """The methods a route answers that the document lists (HEAD and Flask's automatic OPTIONS are left out)."""
    methods = set(rule.methods or ()) - HIDDEN_METHODS
    if getattr(rule, "provide_automatic_options", False):
        methods.discard("OPTIONS")
    return sorted(methods)


def _operations(rule: Rule, ops: tuple[Operation, ...]) -> dict[str, Any]:
    methods = route_methods(rule)
    found: dict[str, Any] = {}
    for method in methods:
        op = next((o for o in ops if not o.methods or method in o.methods), None)
        if op is not None:
            name = rule.endpoint.split(".")[-1] + (f"_{method.lower()}" if len(methods) > 1 else "")
            found[method.lower()] = _operation(op, rule, name)
    return found


def _operation(op: Operation, rule: Rule, operation_id: str) -> dict[str, Any]:
    out: dict[str, Any] = {"operationId": operation_id, "summary": op.summary, "tags": [op.tag or "api"],
                           "parameters": [*_path_parameters(rule, op), *_query_parameters(op.query)],
                           "responses": _responses(op)}
    if op.body is not None:
        content: dict[str, Any] = {"schema": {"$ref": REF.format(model=_name(op.body))}}
        if op.body_example is not None:
            content["example"] = op.body_example
        out["requestBody"] = {"required": True, "content": {"application/json": content}}
    if op.secret:
        out["security"] = [{"secretKey": []}]
    return out


def _path_parameters(rule: Rule, op: Operation) -> list[dict[str, Any]]:
    return [{"name": name, "in": "path", "required": True, "description": op.path.get(name, ""),
             "schema": {"type": "string", "minLength": 1, "pattern": r"^[^/]+$"}} for name in rule.arguments]


def _query_parameters(model: type[BaseModel] | None) -> list[dict[str, Any]]:
    if model is None:
        return []
    schema = model.model_json_schema(ref_template=REF)
    required = set(schema.get("required", ()))
    params = []
    for name, prop in schema["properties"].items():
        prop = _not_null(prop)
        param = {"name": name, "in": "query", "required": name in required, "schema": prop}
        description = prop.pop("description", None)
        if description:
            param["description"] = description
        params.append(param)
    return params


def _not_null(prop: dict[str, Any]) -> dict[str, Any]:
    """A query parameter is absent, never null: drop the null branch pydantic writes for an optional field."""
    prop = {k: v for k, v in prop.items() if k != "title" and not (k == "default" and v is None)}
    options = [o for o in prop.pop("anyOf", []) if o.get("type") != "null"]
    if len(options) == 1:
        prop.update(options[0])
    elif options:
        prop["anyOf"] = options
    return prop


def _responses(op: Operation) -> dict[str, Any]:
    responses = {str(status): _answer(answer) for status, answer in op.answers.items()}
    for status in op.errors:
        description, code = ERRORS[status]
        error = Answer(description, ErrorBody, headers=RETRY if status in (429, 503) else {},
                       example={"error": {"code": code, "field": None, "message": description}})
        responses.setdefault(str(status), _answer(error))
    responses["414"] = _answer(TOO_LONG)
    for status, links in op.links.items():
        responses[str(status)]["links"] = dict(links)
    return responses


def _answer(answer: Answer) -> dict[str, Any]:
    out: dict[str, Any] = {"description": answer.description}
    if answer.shape is not None:
        content: dict[str, Any] = {"schema": {"$ref": REF.format(model=_name(answer.shape))}}
        if answer.example is not None:
            content["example"] = answer.example
        out["content"] = {answer.media: content}
    elif answer.media and answer.media != "application/json":
        out["content"] = {answer.media: {"schema": {"type": "string"}}}
    if answer.headers:
        out["headers"] = {name: {"description": text, "required": True, "schema": _header(name)}
                          for name, text in answer.headers.items()}
    return out


def _header(name: str) -> dict[str, Any]:
    return {"type": "integer", "minimum": 0} if name == "Retry-After" else {"type": "string"}


def _schemas(ops: Iterable[Operation]) -> dict[str, Any]:
    """The components: every body and answer shape with what they reference, as pydantic writes them."""
    shapes: dict[str, Any] = {}
    for op in ops:
        for shape in [op.body, ErrorBody, *(a.shape for a in op.answers.values())]:
            if shape is not None:
                shapes[_name(shape)] = shape
    models: list[tuple[type[BaseModel], Literal["validation"]]] = [
        (s, "validation") for s in shapes.values() if isinstance(s, type)]
    _, top = models_json_schema(models, ref_template=REF)
    found = dict(top.get("$defs", {}))
    for name, shape in shapes.items():
        if isinstance(shape, TypeAdapter):
            schema = shape.json_schema(ref_template=REF)
            found.update(schema.pop("$defs", {}))
            found[name] = schema
    return found


def _name(shape: Shape) -> str:
    if isinstance(shape, TypeAdapter):
        return str(getattr(shape, "openapi_name", "Body"))
    return shape.__name__


def _openapi_path(rule: str) -> str:
    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule)


def cached_document() -> str:
    """The document as JSON text, built on the first call of this process."""
    state = current_app.extensions["assistant"]
    if "openapi" not in state:
        state["openapi"] = json.dumps(document(current_app), indent=1, sort_keys=False)
    return state["openapi"]


@bp.get("/openapi.json")
def openapi_json() -> Response:
    """The OpenAPI 3.1 document of this API."""
    return Response(cached_document(), content_type="application/json",
                    headers={"Cache-Control": "public, max-age=300", "Access-Control-Allow-Origin": "*"})


@bp.get("/docs")
def reference() -> str:
    """The API reference, rendered from the document on the server."""
    doc = json.loads(cached_document())
    return render_template("api/reference.html", doc=doc, groups=endpoints_by_tag(doc), schemas=schema_tables(doc),
                           inline=inline)
