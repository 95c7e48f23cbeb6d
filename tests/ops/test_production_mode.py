"""Production mode: no demo shop, nothing at `/`; development (and `assistant demo`) keep both."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask

from assistant.app import create_app
from assistant.config import Settings


def app_with(tmp_path: Path, environ: dict[str, str]) -> Iterator[Flask]:
    (tmp_path / "flows").mkdir(exist_ok=True)
    settings = Settings.from_env({"DATABASE_URL": f"sqlite:///{tmp_path / 'mode.db'}", "SECRET_KEY": "a-real-secret",
                                  "ASSISTANT_FLOWS": str(tmp_path / "flows"), **environ})
    app = create_app(settings)
    yield app
    app.extensions["assistant"]["engine"].dispose()


@pytest.fixture
def production(tmp_path: Path) -> Iterator[Flask]:
    yield from app_with(tmp_path, {"ASSISTANT_ENV": "production"})


@pytest.fixture
def development(tmp_path: Path) -> Iterator[Flask]:
    yield from app_with(tmp_path, {})


def test_production_serves_no_demo_and_nothing_at_the_root(production: Flask) -> None:
    client = production.test_client()
    for path in ["/", "/demo/", "/demo/cart", "/demo/product/rj-002"]:
        assert client.get(path).status_code == 404, path
    assert not [rule.rule for rule in production.url_map.iter_rules() if rule.endpoint.startswith("shop.")]
    assert client.get("/healthz").status_code == 200  # what a load balancer asks instead


def test_production_can_turn_the_demo_on(tmp_path: Path) -> None:
    for app in app_with(tmp_path, {"ASSISTANT_ENV": "production", "ASSISTANT_DEMO_SHOP": "1"}):
        assert app.test_client().get("/").headers["Location"].endswith("/demo/")


def test_development_redirects_the_root_to_the_demo(development: Flask) -> None:
    answer = development.test_client().get("/")
    assert answer.status_code == 302 and answer.headers["Location"].endswith("/demo/")


def test_the_demo_command_serves_the_demo_whatever_the_environment(monkeypatch: pytest.MonkeyPatch,
                                                                   tmp_path: Path) -> None:
    """`assistant demo` with ASSISTANT_ENV=production left in the shell still serves its shop."""
    from click.testing import CliRunner

    from assistant import cli, server

    served: list[Flask] = []
    monkeypatch.setattr(server, "run", lambda factory, **_options: served.append(factory()))
    (tmp_path / "models").mkdir()
    monkeypatch.setenv("ASSISTANT_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "a-real-secret")
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'demo.db'}")
    monkeypatch.setenv("ASSISTANT_MODELS", str(tmp_path / "models"))
    result = CliRunner().invoke(cli.main, ["demo", "--port", "5999"])
    assert result.exit_code == 0, result.output
    assert served and served[0].test_client().get("/demo/").status_code == 200
    served[0].extensions["assistant"]["engine"].dispose()
