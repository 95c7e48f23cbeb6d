"""Security headers on every kind of answer; the admin's strict policy; HSTS only in production over https as the
trusted proxy reports it; the widget's API still answers cross-origin calls."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask

from assistant.admin import ADMIN_CSP
from assistant.app import create_app
from assistant.config import Settings
from assistant.db import get_engine
from assistant.security_headers import DEFAULTS, HSTS
from tests.ops.test_production_mode import app_with

ORIGIN = "https://shop.example"


@pytest.fixture
def app(database_url: str, site: object, tmp_path: Path) -> Iterator[Flask]:
    (tmp_path / "flows").mkdir()
    served = create_app(Settings(database_url=database_url, flows_dir=tmp_path / "flows", testing=True))
    yield served
    get_engine(served).dispose()


@pytest.mark.parametrize("path", ["/admin/login", "/api/v1/flows?site=pk_test&page=/", "/static/widget/widget.js",
                                  "/healthz", "/nowhere", "/demo/"])
def test_every_answer_has_the_defaults(app: Flask, path: str) -> None:
    answer = app.test_client().get(path, headers={"Origin": ORIGIN})
    answer.close()  # a static file's handle
    headers = answer.headers
    for name in DEFAULTS:
        assert len(headers.getlist(name)) == 1, (path, name)  # once: a page's own value is not doubled
    assert headers["X-Content-Type-Options"] == "nosniff" and headers["X-Frame-Options"] == "DENY"
    assert "Strict-Transport-Security" not in headers  # development, plain http


def test_the_admin_policy_allows_no_inline_script_nor_framing(app: Flask) -> None:
    headers = app.test_client().get("/admin/login").headers
    policy = dict(part.strip().split(" ", 1) for part in headers["Content-Security-Policy"].split(";"))
    assert headers["Content-Security-Policy"] == ADMIN_CSP
    assert policy["script-src"] == "'self'" and policy["object-src"] == "'none'"
    assert policy["frame-ancestors"] == "'none'"
    assert "unsafe" not in ADMIN_CSP and "data:" not in ADMIN_CSP
    assert headers.getlist("Referrer-Policy") == ["same-origin"] and headers["Cache-Control"] == "no-store"


def test_the_api_still_answers_the_shops_origin(app: Flask) -> None:
    answer = app.test_client().get("/api/v1/flows?site=pk_test&page=/", headers={"Origin": ORIGIN})
    assert answer.status_code == 200 and answer.headers["Access-Control-Allow-Origin"] == ORIGIN
    assert "Content-Security-Policy" not in answer.headers and "Cross-Origin-Resource-Policy" not in answer.headers


@pytest.mark.parametrize(("environ", "forwarded", "expected"), [
    ({"ASSISTANT_TRUSTED_PROXIES": "1"}, "https", HSTS),  # nginx terminates TLS and says so
    ({"ASSISTANT_TRUSTED_PROXIES": "1"}, "http", None),
    ({}, "https", None),  # nobody trusted: a client's X-Forwarded-Proto is ignored
])
def test_hsts_in_production_over_https_as_the_trusted_proxy_reports_it(
        tmp_path: Path, environ: dict[str, str], forwarded: str, expected: str | None) -> None:
    for app in app_with(tmp_path, {"ASSISTANT_ENV": "production", **environ}):
        headers = app.test_client().get("/healthz", headers={"X-Forwarded-Proto": forwarded,
                                                             "X-Forwarded-For": "203.0.113.9"}).headers
        assert headers.get("Strict-Transport-Security") == expected


def test_no_hsts_in_development_even_over_https(tmp_path: Path) -> None:
    for app in app_with(tmp_path, {}):
        answer = app.test_client().get("/healthz", base_url="https://localhost")
        assert "Strict-Transport-Security" not in answer.headers
    for app in app_with(tmp_path, {"ASSISTANT_ENV": "production"}):  # gunicorn serving TLS itself
        answer = app.test_client().get("/healthz", base_url="https://localhost")
        assert answer.headers["Strict-Transport-Security"] == HSTS
