"""The OpenAPI document of /api/v1: valid 3.1, every route in it, its examples valid, served once, a readable page."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask, jsonify
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate

from assistant.api import flows as flows_api
from assistant.api.contract import documented, operations_of
from assistant.api.openapi import api_routes, document, route_methods
from assistant.app import create_app
from assistant.config import Settings
from assistant.db import DatabaseBusy
from assistant.sites.models import Site


@pytest.fixture
def spec(app: Flask) -> dict[str, Any]:
    with app.app_context():
        return document(app)


def test_the_document_is_valid_openapi_3_1(spec: dict[str, Any]) -> None:
    assert spec["openapi"] == "3.1.0"
    validate(spec)  # raises with the path of the first problem


def test_every_api_route_and_method_is_in_the_document(app: Flask, spec: dict[str, Any]) -> None:
    routes = api_routes(app)
    assert len(routes) >= 16
    for rule, operations in routes:
        assert operations, f"{rule.rule} ({rule.endpoint}) is not documented: add @documented(...) to its view"
        path = rule.rule.replace("<", "{").replace(">", "}")
        for method in route_methods(rule):
            assert method.lower() in spec["paths"][path], f"{method} {rule.rule} is missing from the document"


def test_a_route_added_without_documentation_is_found(app: Flask) -> None:
    app.add_url_rule("/api/v1/undocumented", "api.undocumented", lambda: jsonify({}))
    assert ("/api/v1/undocumented", ()) in [(rule.rule, ops) for rule, ops in api_routes(app)]


def test_every_operation_documents_its_errors_in_the_api_error_shape(spec: dict[str, Any]) -> None:
    for path, method, operation in _operations(spec):
        responses = operation["responses"]
        assert any(code.startswith("2") or code == "302" for code in responses), (method, path)
        assert "400" in responses and "503" in responses, (method, path)
        for code in ("429", "503"):
            if code in responses:
                assert "Retry-After" in responses[code]["headers"], (method, path, code)
        for code, response in responses.items():
            if code >= "400" and code != "414":  # the server's own answer to a request line it does not read
                schema = response["content"]["application/json"]["schema"]
                assert schema == {"$ref": "#/components/schemas/ErrorBody"}, (method, path, code)


def test_the_examples_validate_against_their_schemas(spec: dict[str, Any]) -> None:
    found = list(_examples(spec))
    assert len(found) >= 20
    for where, schema, example in found:
        validator = Draft202012Validator({**schema, "components": spec["components"]})
        errors = [e.message for e in validator.iter_errors(example)]
        assert not errors, (where, example, errors)


def test_a_broken_example_is_caught(spec: dict[str, Any]) -> None:
    schema = {"$ref": "#/components/schemas/EventBatch", "components": spec["components"]}
    assert not Draft202012Validator(schema).is_valid({"visitor": "short", "events": []})


def test_served_as_json_once_per_process(app: Flask, spec: dict[str, Any]) -> None:
    client = app.test_client()
    first = client.get("/api/v1/openapi.json")
    assert first.status_code == 200 and first.content_type == "application/json"
    assert first.get_json() == spec
    assert app.extensions["assistant"]["openapi"] is not None
    app.extensions["assistant"]["openapi"] = '{"kept": true}'
    assert client.get("/api/v1/openapi.json").get_json() == {"kept": True}


def test_the_reference_page_lists_every_operation(app: Flask, spec: dict[str, Any]) -> None:
    page = app.test_client().get("/api/v1/docs")
    assert page.status_code == 200 and page.content_type.startswith("text/html")
    text = page.get_data(as_text=True)
    for path, method, operation in _operations(spec):
        assert f'id="{operation["operationId"]}"' in text, (method, path)
        assert operation["summary"].replace("'", "&#39;") in text, (method, path)
    assert "http://" not in text.replace("http://www.w3.org", "") and "https://" not in text  # nothing fetched


def _operations(spec: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            yield path, method, operation


def _examples(spec: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any], Any]]:
    """(where, schema, example) for every example in the document: media types, parameters, schema `examples`."""
    for path, method, operation in _operations(spec):
        for param in operation["parameters"]:
            for example in param["schema"].get("examples", []):
                yield f"{method} {path} {param['name']}", param["schema"], example
        media = [("request", operation.get("requestBody", {}).get("content", {}))]
        media += [(code, r.get("content", {})) for code, r in operation["responses"].items()]
        for where, content in media:
            for kind, body in content.items():
                if "example" in body:
                    yield f"{method} {path} {where} {kind}", body["schema"], body["example"]
    for name, schema in spec["components"]["schemas"].items():
        for prop, sub in schema.get("properties", {}).items():
            for example in sub.get("examples", []):
                yield f"{name}.{prop}", sub, example


def test_documenting_a_view_costs_its_requests_nothing(app: Flask) -> None:
    """`documented` records the operations on the view and returns the view itself: Flask calls the same function."""
    from assistant.api import events, quiz

    assert app.view_functions["api.events"] is events.events and events.events.__wrapped__.__name__ == "events"
    assert app.view_functions["api.answer"] is quiz.answer and not hasattr(quiz.answer, "__wrapped__")
    assert documented(*operations_of(quiz.answer))(quiz.answer) is quiz.answer


def test_the_errors_the_api_gives_are_the_documented_ones(database_url: str, site: Site, flows_dir: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    app = create_app(Settings(database_url=database_url, flows_dir=flows_dir, testing=True, flows_catalog_check=False,
                              event_limit_client="2/minute"))
    with app.app_context():
        spec = document(app)
    client = app.test_client()
    answers = {
        400: client.get("/api/v1/flows?site=pk_test&page=nope"),
        403: client.get("/api/v1/flows?site=pk_test", headers={"Origin": "https://elsewhere.example"}),
        404: client.get("/api/v1/flows?site=pk_unknown"),
        413: client.post("/api/v1/events?site=pk_test", data=b"[" + b" " * 600_000 + b"]", content_type="text/plain"),
    }
    for _ in range(2):
        client.post("/api/v1/events?site=pk_test", json={})
    answers[429] = client.post("/api/v1/events?site=pk_test", json={})
    monkeypatch.setattr(flows_api, "site_flows", _busy)
    answers[503] = client.get("/api/v1/flows?site=pk_test")
    app.extensions["assistant"]["engine"].dispose()
    for status, answer in answers.items():
        path = "/api/v1/events" if status in (413, 429) else "/api/v1/flows"
        operation = spec["paths"][path]["post" if path.endswith("events") else "get"]
        documented_answer = operation["responses"][str(status)]
        assert answer.status_code == status and answer.content_type == "application/json", (status, answer.data)
        schema = {**documented_answer["content"]["application/json"]["schema"], "components": spec["components"]}
        assert Draft202012Validator(schema).is_valid(answer.get_json()), (status, answer.get_json())
        assert answer.get_json()["error"]["message"], status
        for header in documented_answer.get("headers", {}):
            assert int(answer.headers[header]) >= 1, (status, header)
    assert answers[400].get_json()["error"]["field"] == "page"


def _busy(*_args: Any, **_kwargs: Any) -> Any:
    raise DatabaseBusy(1.0)
