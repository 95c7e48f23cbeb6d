"""The app's Flask subclass: views and hooks asked once whether they are coroutines, not on every request."""

from __future__ import annotations

import flask.app
import pytest
from flask import Flask
from flask.testing import FlaskClient

from assistant.app import KNOWN_SYNC_LIMIT, AssistantFlask
from assistant.sites.models import Site


def test_a_request_asks_inspect_nothing_once_its_functions_are_known(app: Flask, client: FlaskClient, site: Site,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    asked: list[object] = []
    real = flask.app.iscoroutinefunction
    monkeypatch.setattr(flask.app, "iscoroutinefunction", lambda func: asked.append(func) or real(func))
    assert client.get("/api/v1/flows?site=pk_test").status_code == 200
    assert len(asked) >= 3  # the view and the before and after hooks, the first time
    asked.clear()
    assert client.get("/api/v1/flows?site=pk_test").status_code == 200
    assert asked == []


def test_the_functions_remembered_are_bounded() -> None:
    app = AssistantFlask(__name__)
    made = [app.ensure_sync(eval("lambda: None")) for _ in range(KNOWN_SYNC_LIMIT + 10)]  # a closure per call
    assert all(callable(f) for f in made) and len(app._known_sync) == KNOWN_SYNC_LIMIT
