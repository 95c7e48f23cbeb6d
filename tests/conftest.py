"""Fixtures: a migrated database per backend (SQLite file, PostgreSQL), sessions, app, client, site."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import text
from sqlalchemy.engine import Engine, make_url
from sqlmodel import Session

from assistant import migrate
from assistant.app import create_app
from assistant.config import Settings
from assistant.db import make_engine
from assistant.models import metadata
from assistant.sites.models import Site
from tests.ci_skips import IN_CI, pytest_make_collect_report, pytest_runtest_makereport  # noqa: F401 (hooks)
from tests.factories import make_site

POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
SHARED_DATA = Path(os.environ.get("ASSISTANT_SHARED_DATA", Path(__file__).resolve().parents[2] / "shared" / "data"))


def need(condition: bool, reason: str) -> None:
    """Skip when `condition` fails, except under CI, where a missing dependency is a failure."""
    if not condition:
        if IN_CI:
            pytest.fail(f"required under CI=true: {reason}")
        pytest.skip(reason)


def shared_data(*parts: str) -> Path:
    """A path inside ../shared/data, skipping (failing under CI) when it is absent."""
    path = SHARED_DATA.joinpath(*parts)
    need(path.exists(), f"shared data not found: {path}")
    return path


def _postgres_database() -> Iterator[str]:
    admin = make_engine(POSTGRES_URL)
    try:
        with admin.connect() as connection:
            connection.execute(text("select 1"))
    except Exception as exc:  # noqa: BLE001  (any connection failure means: no server here)
        admin.dispose()
        need(False, f"PostgreSQL not reachable at {make_url(POSTGRES_URL).render_as_string()}: {exc}")
    name = f"assistant_test_{uuid.uuid4().hex[:8]}"
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    yield make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A migrated, empty database: a SQLite file, then a fresh PostgreSQL database."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"
        migrate.upgrade(url)
        yield url
        return
    for url in _postgres_database():
        migrate.upgrade(url)
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database, not migrated: a SQLite file, then a fresh PostgreSQL database."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.db'}"
        return
    yield from _postgres_database()


@pytest.fixture(scope="session")
def engine(database_url: str) -> Iterator[Engine]:
    """The engine of the test database."""
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    """A session; every table is emptied after the test."""
    with Session(engine, expire_on_commit=False) as session:
        yield session
    with engine.begin() as connection:
        for table in reversed(metadata.sorted_tables):
            connection.execute(table.delete())


@pytest.fixture
def flows_dir(tmp_path: Path) -> Path:
    """An empty flows folder for the app."""
    folder = tmp_path / "flows"
    folder.mkdir()
    return folder


@pytest.fixture
def app(database_url: str, session: Session, flows_dir: Path) -> Iterator[Flask]:
    """The app on the test database and the test flows folder."""
    # unit tests serve flows over a handful of products: the catalog check on (re)load is tested where it is on
    # (tests/flows/test_live_catalog_check.py, the production smoke test and the two-worker test)
    app = create_app(Settings(database_url=database_url, flows_dir=flows_dir, testing=True,
                              flows_catalog_check=False))
    yield app
    app.extensions["assistant"]["engine"].dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """A test client."""
    return app.test_client()


@pytest.fixture
def site(session: Session) -> Site:
    """A site allowed to be called from https://shop.example."""
    return make_site(session)
