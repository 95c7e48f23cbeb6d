"""End to end with the production settings (ASSISTANT_ENV=production, flow reload off): the shipped flows,
the demo catalog, every question of every flow answered through the API, and results."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import Session

from assistant.app import create_app
from assistant.config import Settings
from assistant.demo.build import DEMO_KEY, build_demo
from assistant.flows.answers import is_asked
from assistant.flows.registry import get_registry, read_flow
from assistant.paths import resource_dir
from tests.quiz_walk import Call, take_quiz

ORIGIN = "https://www.myshop.example"
SHIPPED = [flow.id for path in sorted(resource_dir("flows").glob("*.y*ml")) if (flow := read_flow(path)[0].flow)]


@pytest.fixture
def production_app(database_url: str, session: Session, tmp_path: Path) -> Iterator[Flask]:
    """The app as `gunicorn "assistant.app:create_app()"` builds it in production, over the demo catalog."""
    build_demo(session=session, origins=[ORIGIN])
    session.commit()
    settings = Settings.from_env({"ASSISTANT_ENV": "production", "SECRET_KEY": "a-production-secret",
                                  "DATABASE_URL": database_url, "ASSISTANT_MODELS": str(tmp_path / "models")})
    app = create_app(settings)
    yield app
    app.extensions["assistant"]["engine"].dispose()


@pytest.fixture
def call(production_app: Flask) -> Call:
    """Calls to the API from the shop's page: its site key and Origin."""
    client: FlaskClient = production_app.test_client()

    def send(method: str, path: str, body: Any) -> tuple[int, Any]:
        sep = "&" if "?" in path else "?"
        response = client.open(f"/api/v1{path}{sep}site={DEMO_KEY}", method=method, headers={"Origin": ORIGIN},
                               data=None if body is None else json.dumps(body), content_type="text/plain")
        assert response.headers.get("Access-Control-Allow-Origin") == ORIGIN
        return response.status_code, response.get_json()
    return send


def test_settings_are_production_ones(production_app: Flask) -> None:
    settings = production_app.extensions["assistant"]["settings"]
    assert (settings.env, settings.reload_flows, settings.flows_dir) == ("production", False, resource_dir("flows"))
    assert get_registry(production_app).reload is False
    assert len(SHIPPED) >= 3


def test_lists_every_shipped_flow(call: Call) -> None:
    status, listed = call("GET", "/flows", None)
    assert status == 200
    assert [f["id"] for f in listed["flows"]] == SHIPPED
    status, offered = call("GET", "/flows?page=/demo/", None)
    assert status == 200 and offered["flows"]


@pytest.mark.parametrize("flow_id", SHIPPED)
def test_a_quiz_from_start_to_results(call: Call, production_app: Flask, flow_id: str) -> None:
    status, shown = call("GET", f"/flows/{flow_id}", None)
    assert status == 200
    asked, results = take_quiz(call, flow_id)
    flow = get_registry(production_app).get(flow_id)
    given: dict[str, Any] = {}
    for question in flow.questions:  # every question whose condition held was asked
        if is_asked(question, given):
            given[question.id] = question.answers[0].id if question.answers else None
    assert asked == list(given) and len(asked) >= 3
    assert [q["id"] for q in shown["flow"]["items"]] == [q.id for q in flow.questions]
    items = results["items"]
    assert len(items) == flow.results.count and not results["fallback"]
    assert all(item["product"]["sku"] and item["product"]["price"] > 0 for item in items)
    assert any(item["reasons"] for item in items)
