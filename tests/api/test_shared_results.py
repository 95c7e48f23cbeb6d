"""The shared tier of quiz results: a second app (another node) serves what the first ranked, from Redis, under keys
of stable versions: a stock change, an edited flow or edited rules rank afresh; Redis down ranks locally."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import Session

from assistant.api import quiz as quiz_api
from assistant.app import create_app
from assistant.catalog.stock import set_in_stock
from assistant.config import Settings
from assistant.flows.registry import get_registry
from assistant.sites.models import Site
from tests.api.test_results_cache import TRAIL, catalog, quiz_with, results, skus  # noqa: F401 (fixture)
from tests.flows.test_engine import SHOES
from tests.ops.redis_server import free_port, redis_url


@pytest.fixture
def nodes(database_url: str, flows_dir: Path, tmp_path: Path, session: Session) -> Iterator[list[Flask]]:
    """Two apps on one database, one flows folder and one Redis server."""
    with redis_url(tmp_path / "redis") as url:
        apps = [create_app(Settings(database_url=database_url, flows_dir=flows_dir, testing=True,
                                    flows_catalog_check=False, redis_url=url)) for _ in range(2)]
        yield apps
        for app in apps:
            app.extensions["assistant"]["engine"].dispose()


@pytest.fixture
def ranked(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts the rankings done (by either app)."""
    done: list[int] = []
    real = quiz_api.quizzes.quiz_results

    def counting(**kwargs: Any) -> Any:
        done.append(1)
        return real(**kwargs)

    monkeypatch.setattr(quiz_api.quizzes, "quiz_results", counting)
    return done


def test_a_second_node_serves_what_the_first_ranked(nodes: list[Flask], ranked: list[int], session: Session,
                                                    site: Site, flows_dir: Path) -> None:
    a, b = (app.test_client() for app in nodes)
    quiz = quiz_with(a, *TRAIL)
    first = results(a, quiz)
    assert len(ranked) == 1 and skus(first) == ["t1", "t2", "t3"]
    assert results(b, quiz) == first and len(ranked) == 1  # node B ranked nothing

    set_in_stock(session=session, site=site, sku="t1", in_stock=False)
    session.commit()
    assert skus(results(b, quiz)) == ["t2", "t3"] and len(ranked) == 2  # new stock version: a new key
    assert skus(results(a, quiz)) == ["t2", "t3"] and len(ranked) == 2

    (flows_dir / "shoes.yaml").write_text(SHOES.replace("boost: {grip: high}", "boost: {grip: low}"))
    for app in nodes:
        get_registry(app).refresh(force=True)
    assert skus(results(a, quiz)) == ["t3", "t2"] and len(ranked) == 3  # edited flow: a new key
    assert skus(results(b, quiz)) == ["t3", "t2"] and len(ranked) == 3


def test_redis_down_ranks_locally(database_url: str, flows_dir: Path, session: Session, site: Site,
                                  ranked: list[int]) -> None:
    app = create_app(Settings(database_url=database_url, flows_dir=flows_dir, testing=True, flows_catalog_check=False,
                              redis_url=f"redis://127.0.0.1:{free_port()}/0"))
    try:
        client: FlaskClient = app.test_client()
        quiz = quiz_with(client, *TRAIL)
        assert skus(results(client, quiz)) == ["t1", "t2", "t3"] and len(ranked) == 1
    finally:
        app.extensions["assistant"]["engine"].dispose()


def test_keys_differ_by_every_input(nodes: list[Flask]) -> None:
    from assistant.api.shared_results import shared_key
    from assistant.catalog.indexes import get_indexes
    from assistant.flows.registry import get_registry as registry

    with nodes[0].app_context():
        index, flow = get_indexes().get(1), registry().get("shoes")
        base = shared_key(1, index, flow, [], "[]")
        other_stock = dataclasses.replace(index.versions, stock_version=index.versions.stock_version + 1)
        assert len({base, shared_key(2, index, flow, [], "[]"), shared_key(1, index, flow, ["rule"], "[]"),
                    shared_key(1, index, flow, [], '[["terrain","road"]]'),
                    shared_key(1, dataclasses.replace(index, versions=other_stock), flow, [], "[]")}) == 5
