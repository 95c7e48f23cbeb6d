"""Quiz results are encoded once per answer set, and never outlive the catalog, stock, flow or rules they came from."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import Session

from assistant.api.results_cache import ResultsCache, get_results_cache
from assistant.catalog.stock import set_in_stock
from assistant.flows.registry import get_registry
from assistant.merchandising import rules as merch_rules
from assistant.sites.models import Site
from tests.factories import make_product
from tests.flows.test_engine import SHOES


@pytest.fixture(autouse=True)
def catalog(session: Session, site: Site, flows_dir: Path) -> None:
    (flows_dir / "shoes.yaml").write_text(SHOES)
    for sku, terrain, price, grip in [("r1", "road", "90", "low"), ("t1", "trail", "140", "high"),
                                      ("t2", "trail", "120", "medium"), ("t3", "trail", "100", "low")]:
        make_product(session, site, sku=sku, title=sku, price=price, categories="Shoes",
                     attributes={"terrain": terrain, "grip": grip})


def quiz_with(client: FlaskClient, *answers: tuple[str, Any]) -> str:
    quiz = client.post("/api/v1/quiz?site=pk_test", data=json.dumps({"flow": "shoes"}),
                       content_type="text/plain").get_json()["quiz"]
    for question, value in answers:
        answered = client.post(f"/api/v1/quiz/{quiz}/answers?site=pk_test", content_type="text/plain",
                               data=json.dumps({"question": question, "value": value}))
        assert answered.status_code == 200, answered.get_json()
    return quiz


def results(client: FlaskClient, quiz: str) -> dict[str, Any]:
    response = client.get(f"/api/v1/quiz/{quiz}/results?site=pk_test")
    assert response.status_code == 200 and response.content_type == "application/json"
    return response.get_json()


def skus(body: dict[str, Any]) -> list[str]:
    return [item["product"]["sku"] for item in body["items"]]


TRAIL = (("terrain", "trail"), ("budget", [40, 250]))


def test_the_same_answers_share_one_encoding_but_keep_their_own_quiz_id(app: Flask, client: FlaskClient) -> None:
    first, second = quiz_with(client, *TRAIL), quiz_with(client, *TRAIL)
    a, b = results(client, first), results(client, second)
    assert (a["quiz"], b["quiz"]) == (first, second)
    assert {**a, "quiz": ""} == {**b, "quiz": ""} and skus(a) == ["t1", "t2", "t3"]
    with app.app_context():
        assert len(get_results_cache()._kept) == 1


def test_a_product_sold_out_leaves_results_at_once(client: FlaskClient, session: Session, site: Site) -> None:
    quiz = quiz_with(client, *TRAIL)
    assert skus(results(client, quiz)) == ["t1", "t2", "t3"]
    set_in_stock(session=session, site=site, sku="t1", in_stock=False)
    session.commit()
    assert skus(results(client, quiz)) == ["t2", "t3"]


def test_an_edited_flow_is_ranked_afresh(app: Flask, client: FlaskClient, flows_dir: Path) -> None:
    quiz = quiz_with(client, *TRAIL)
    assert skus(results(client, quiz)) == ["t1", "t2", "t3"]
    edited = SHOES.replace("boost: {grip: high}", "boost: {grip: low}").replace("title: Find your shoe", "title: Shoes")
    (flows_dir / "shoes.yaml").write_text(edited)
    get_registry(app).refresh(force=True)  # the folder is looked at once a second; a test does not wait for that
    assert skus(results(client, quiz)) == ["t3", "t1", "t2"]


def test_edited_merchandising_rules_apply_at_once(app: Flask, client: FlaskClient, tmp_path: Path) -> None:
    rules = tmp_path / "rules.yaml"
    settings = app.extensions["assistant"]["settings"]
    app.extensions["assistant"]["settings"] = dataclasses.replace(settings, merch_rules=rules)
    quiz = quiz_with(client, *TRAIL)
    assert skus(results(client, quiz)) == ["t1", "t2", "t3"]
    rules.write_text("rules:\n  - exclude: {grip: high}\n")
    merch_rules._loaded.clear()  # the file is looked at once a second; a test does not wait for that
    merch_rules._for_site.clear()
    assert skus(results(client, quiz)) == ["t2", "t3"]


def test_the_cache_holds_at_most_its_bytes() -> None:
    cache, inputs = ResultsCache(limit_bytes=100), (object(),)
    cache.keep("a", inputs, ("x" * 30, "y" * 30))
    cache.keep("b", inputs, ("x" * 30, "y" * 30))  # 120 bytes would not fit: starts again
    assert cache.find("a", inputs) is None and cache.find("b", inputs) == ("x" * 30, "y" * 30)
    assert cache.find("b", (object(),)) is None  # kept for other inputs
    cache.keep("huge", inputs, ("x" * 200, ""))
    assert cache.find("huge", inputs) is None
