"""/healthz and /readyz on both databases: ready with the current schema and loaded bundles, else 503 with the cause."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import text
from sqlalchemy.exc import OperationalError
from sqlmodel import Session

from assistant.app import create_app
from assistant.config import Settings
from assistant.migrate import revision_files
from assistant.sites.models import Site


@pytest.fixture
def served(database_url: str, session: Session, site: Site, flows_dir: Path, tmp_path: Path) -> Iterator[Flask]:
    app = create_app(Settings(database_url=database_url, flows_dir=flows_dir, testing=True, flows_catalog_check=False,
                              models_dir=tmp_path / "models"))
    yield app
    app.extensions["assistant"]["engine"].dispose()


def ready(app: Flask) -> tuple[int, dict[str, Any], str | None]:
    answer = app.test_client().get("/readyz")
    return answer.status_code, answer.get_json()["checks"], answer.headers.get("Retry-After")


def test_healthz_asks_nothing_of_the_database(served: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    engine = served.extensions["assistant"]["engine"]
    monkeypatch.setattr(engine, "connect", _refuse)
    answer = served.test_client().get("/healthz")
    assert (answer.status_code, answer.get_json()) == (200, {"status": "ok"})


def test_ready_with_the_current_schema_and_no_bundle_trained(served: Flask) -> None:
    assert ready(served) == (200, {"database": "ok", "schema": "ok", "bundles": "ok"}, None)


def test_a_database_that_does_not_answer_is_not_ready(served: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(served.extensions["assistant"]["engine"], "connect", _refuse)
    status, checks, retry = ready(served)
    assert (status, retry) == (503, "5")
    assert checks["database"].startswith("unreachable: OperationalError")


def test_a_schema_behind_is_not_ready_and_says_to_upgrade(served: Flask, session: Session) -> None:
    (head,) = revision_files()[1]
    session.execute(text("UPDATE alembic_version SET version_num = '0001'"))
    session.commit()
    try:
        status, checks, _ = ready(served)
    finally:
        session.execute(text("UPDATE alembic_version SET version_num = :v"), {"v": head})
        session.commit()
    assert status == 503
    assert checks["schema"] == f"the database is at revision 0001, this version needs {head}: run `db upgrade`"


def test_a_schema_ahead_of_this_version_is_ready(served: Flask, session: Session) -> None:
    """An upgrade migrates first (additive migrations), then rolls the nodes: the old ones still serve."""
    (head,) = revision_files()[1]
    session.execute(text("UPDATE alembic_version SET version_num = '9999_from_a_newer_version'"))
    session.commit()
    try:
        assert ready(served) == (200, {"database": "ok", "schema": "ok", "bundles": "ok"}, None)
    finally:
        session.execute(text("UPDATE alembic_version SET version_num = :v"), {"v": head})
        session.commit()


def _refuse(*_args: Any, **_kwargs: Any) -> Any:
    raise OperationalError("SELECT 1", {}, Exception("connection refused"))


def test_a_newer_bundle_not_swapped_in_yet_leaves_the_node_ready(served: Flask, site: Site, tmp_path: Path) -> None:
    """After a training each worker serves its loaded bundle until its next recommendation request swaps:
    readiness must not drop every node of the load balancer meanwhile."""
    folder = tmp_path / "models" / site.key
    folder.mkdir(parents=True)
    (folder / "CURRENT").write_text("v2\n")
    store = served.extensions["assistant"]["models"]
    store._bundles[site.key] = _Loaded("v1")
    answer = served.test_client().get("/readyz")
    assert answer.status_code == 200 and answer.get_json()["bundles"] == {site.key: "v1"}


class _Loaded:
    def __init__(self, version: str) -> None:
        self.version = version
