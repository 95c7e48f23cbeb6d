"""The public API: flows, quiz start/answer/back/results, JSON errors, per-site CORS."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import Session

from assistant.sites.models import Site
from tests.factories import make_product, make_site
from tests.flows.test_engine import SHOES

ORIGIN = "https://shop.example"


@pytest.fixture(autouse=True)
def catalog(session: Session, site: Site, flows_dir: Path) -> None:
    (flows_dir / "shoes.yaml").write_text(SHOES.replace("id: shoes", "id: shoes\nentry: {pages: ['/running/*']}"))
    for sku, terrain, price in [("r1", "road", "90"), ("t1", "trail", "140"), ("t2", "trail", "120")]:
        make_product(session, site, sku=sku, title=sku, price=price, categories="Shoes",
                     attributes={"terrain": terrain, "grip": "high"})


def post(client: FlaskClient, url: str, body: Any = None, **kwargs: Any) -> Any:
    sep = "&" if "?" in url else "?"
    return client.post(f"/api/v1{url}{sep}site=pk_test", data=json.dumps(body) if body is not None else None,
                       content_type="text/plain", **kwargs)


def get(client: FlaskClient, url: str, **kwargs: Any) -> Any:
    sep = "&" if "?" in url else "?"
    return client.get(f"/api/v1{url}{sep}site=pk_test", **kwargs)


def error_of(response: Any) -> tuple[int, str, str | None]:
    body = response.get_json()["error"]
    return response.status_code, body["code"], body["field"]


def test_flows_offered_on_a_page(client: FlaskClient) -> None:
    assert [f["id"] for f in get(client, "/flows?page=/running/trail").get_json()["flows"]] == ["shoes"]
    assert get(client, "/flows?page=/cart").get_json() == {"flows": []}
    flow = get(client, "/flows/shoes").get_json()["flow"]
    assert [q["id"] for q in flow["items"]] == ["terrain", "distance", "budget"]
    assert "filter" not in json.dumps(flow)


def test_a_whole_quiz(client: FlaskClient) -> None:
    started = post(client, "/quiz", {"flow": "shoes", "visitor": "v1", "page": "/running/"})
    assert started.status_code == 201
    state = started.get_json()
    quiz = state["quiz"]
    assert (state["question"]["id"], state["done"]) == ("terrain", False)
    assert state["progress"] == {"answered": 0, "total": 3}
    assert [a["id"] for a in state["question"]["answers"]] == ["road", "trail"]
    state = post(client, f"/quiz/{quiz}/answers", {"question": "terrain", "value": "trail"}).get_json()
    assert (state["question"]["id"], state["question"]["min"], state["question"]["max"]) == ("budget", 40, 250)
    state = post(client, f"/quiz/{quiz}/answers", {"question": "budget", "value": [100, 130]}).get_json()
    assert (state["done"], state["question"]) == (True, None)
    assert get(client, f"/quiz/{quiz}").get_json()["answers"] == [
        {"question": "terrain", "value": "trail"}, {"question": "budget", "value": [100.0, 130.0]}]
    found = get(client, f"/quiz/{quiz}/results").get_json()
    assert [i["product"]["sku"] for i in found["items"]] == ["t2"]
    assert found["items"][0]["reasons"] == [{"kind": "answer", "text": "trail grip"},
                                            {"kind": "answer", "text": "in your budget"}]
    assert found["items"][0]["product"] == {"sku": "t2", "title": "t2", "url": "", "image": "", "price": 120.0,
                                            "currency": "EUR", "categories": ["Shoes"], "rating": None}


def test_back_and_change_an_answer(client: FlaskClient) -> None:
    quiz = post(client, "/quiz", {"flow": "shoes"}).get_json()["quiz"]
    post(client, f"/quiz/{quiz}/answers", {"question": "terrain", "value": "road"})
    state = post(client, f"/quiz/{quiz}/back").get_json()
    assert (state["question"]["id"], state["answers"]) == ("terrain", [])
    assert error_of(post(client, f"/quiz/{quiz}/back")) == (400, "invalid", "quiz")
    state = post(client, f"/quiz/{quiz}/answers", {"question": "terrain", "value": "trail"}).get_json()
    assert state["question"]["id"] == "budget"


def test_relaxed_results_say_what_was_relaxed(client: FlaskClient) -> None:
    quiz = post(client, "/quiz", {"flow": "shoes"}).get_json()["quiz"]
    post(client, f"/quiz/{quiz}/answers", {"question": "terrain", "value": "trail"})
    post(client, f"/quiz/{quiz}/answers", {"question": "budget", "value": [40, 60]})
    found = get(client, f"/quiz/{quiz}/results").get_json()
    assert found["relaxed"] == [{"question": "budget", "text": "Your budget?", "label": "in your budget"}]
    assert [i["product"]["sku"] for i in found["items"]] == ["t2", "t1"]
    assert found["items"][0]["misses"] == ["in your budget"]


@pytest.mark.parametrize(("method", "url", "body", "expected"), [
    ("get", "/flows/nope", None, (404, "not_found", "flow")),
    ("post", "/quiz", {}, (400, "invalid", "flow")),
    ("post", "/quiz", {"flow": 7}, (400, "invalid", "flow")),
    ("post", "/quiz", {"flow": "nope"}, (404, "not_found", "flow")),
    ("post", "/quiz", {"flow": "shoes", "visitor": "x" * 65}, (400, "invalid", "visitor")),
    ("get", "/quiz/unknown", None, (404, "not_found", "quiz")),
    ("get", "/quiz/" + "x" * 500, None, (404, "not_found", "quiz")),
    ("get", "/quiz/" + "a%00b" * 6 + "ab/results", None, (400, "invalid", "quiz_id")),  # a NUL: refused before any view
    ("post", "/quiz/%ED%A0%BD/back", None, (404, "not_found", "quiz")),
    ("get", "/flows?page=nopath", None, (400, "invalid", "page")),
])
def test_bad_requests_name_the_field(client: FlaskClient, method: str, url: str, body: Any,
                                     expected: tuple[int, str, str]) -> None:
    response = post(client, url, body) if method == "post" else get(client, url)
    assert error_of(response) == expected


@pytest.mark.parametrize(("body", "expected"), [
    ({"question": "terrain", "value": "gravel"}, (400, "invalid", "value")),
    ({"question": "budget", "value": [1, 2]}, (400, "invalid", "question")),
    ({"question": ["terrain"], "value": "road"}, (400, "invalid", "question")),
    ({"question": "terrain"}, (400, "invalid", "value")),
])
def test_bad_answers_name_the_field(client: FlaskClient, body: Any, expected: tuple[int, str, str]) -> None:
    quiz = post(client, "/quiz", {"flow": "shoes"}).get_json()["quiz"]
    assert error_of(post(client, f"/quiz/{quiz}/answers", body)) == expected


def test_bodies_that_are_not_json_objects(client: FlaskClient) -> None:
    broken = client.post("/api/v1/quiz?site=pk_test", data="{flow", content_type="text/plain")
    assert error_of(broken) == (400, "invalid", "body")
    listed = client.post("/api/v1/quiz?site=pk_test", data="[1]", content_type="application/json")
    assert error_of(listed) == (400, "invalid", "body")
    huge = client.post("/api/v1/quiz?site=pk_test", data="x" * 600_000, content_type="text/plain")
    assert error_of(huge)[0] == 413


def test_site_key_is_required_and_checked(client: FlaskClient) -> None:
    assert error_of(client.get("/api/v1/flows")) == (400, "invalid", "site")
    assert error_of(client.get("/api/v1/flows?site=pk_nope")) == (404, "not_found", "site")
    assert error_of(client.get("/api/v1/nothing-here")) == (404, "not_found", None)
    assert error_of(client.delete("/api/v1/flows?site=pk_test")) == (405, "method_not_allowed", None)


def test_a_quiz_belongs_to_its_site(client: FlaskClient, session: Session) -> None:
    make_site(session, key="pk_other", origins=["https://other.example"])
    quiz = post(client, "/quiz", {"flow": "shoes"}).get_json()["quiz"]
    assert error_of(client.get(f"/api/v1/quiz/{quiz}?site=pk_other")) == (404, "not_found", "quiz")


def test_cors_answers_allowed_origins_only(client: FlaskClient) -> None:
    allowed = get(client, "/flows", headers={"Origin": ORIGIN})
    assert allowed.status_code == 200
    assert allowed.headers["Access-Control-Allow-Origin"] == ORIGIN
    assert "Origin" in allowed.headers["Vary"]
    preflight = client.options("/api/v1/quiz?site=pk_test", headers={
        "Origin": ORIGIN, "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type"})
    assert preflight.status_code == 200
    assert preflight.headers["Access-Control-Allow-Origin"] == ORIGIN
    assert "POST" in preflight.headers["Access-Control-Allow-Methods"]
    refused = get(client, "/flows", headers={"Origin": "https://evil.example"})
    assert error_of(refused) == (403, "forbidden", "origin")
    assert "Access-Control-Allow-Origin" not in refused.headers
    refused_preflight = client.options("/api/v1/quiz?site=pk_test", headers={
        "Origin": "https://evil.example", "Access-Control-Request-Method": "POST"})
    assert "Access-Control-Allow-Origin" not in refused_preflight.headers


JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
                    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
                    max_leaves=12)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=st.dictionaries(st.sampled_from(["question", "value", "flow", "visitor", "page"]), JSON) | JSON)
def test_no_answer_body_causes_a_server_error(client: FlaskClient, body: Any) -> None:
    quiz = post(client, "/quiz", {"flow": "shoes"}).get_json()["quiz"]
    for url in ("/quiz", f"/quiz/{quiz}/answers"):
        response = client.post(f"/api/v1{url}?site=pk_test", data=json.dumps(body), content_type="text/plain")
        assert response.status_code < 500, response.get_json()


@pytest.mark.parametrize(("before", "after"), [(None, "Origin"), ("Accept-Encoding", "Accept-Encoding, Origin"),
                                               ("accept-encoding, origin", "accept-encoding, origin")])
def test_vary_gains_origin_once(before: str | None, after: str) -> None:
    from flask import Response

    from assistant.api.origins import _vary_on_origin

    response = Response()
    if before:
        response.headers["Vary"] = before
    _vary_on_origin(response)
    assert response.headers["Vary"] == after


def test_quiz_results_follow_the_merchandising_rules(app: Any, client: FlaskClient, tmp_path: Path) -> None:
    from dataclasses import replace

    rules = tmp_path / "rules.yaml"
    rules.write_text("rules:\n"
                     "  - exclude: {price: {max: 100}}\n"             # every placement, the quiz's too
                     "  - boost: {terrain: trail}\n    factor: 3\n    placements: [quiz_results]\n"
                     "  - pin: r1\n")                                  # pins are for strips: answers decide here
    state = app.extensions["assistant"]
    quiz = post(client, "/quiz", {"flow": "shoes"}).get_json()["quiz"]
    post(client, f"/quiz/{quiz}/answers", {"question": "terrain", "value": "road"})
    before = [i["product"]["sku"] for i in get(client, f"/quiz/{quiz}/results").get_json()["items"]]
    state["settings"] = replace(state["settings"], merch_rules=rules)
    after = [i["product"]["sku"] for i in get(client, f"/quiz/{quiz}/results").get_json()["items"]]
    assert before == ["r1"] and sorted(after) == ["t1", "t2"]  # r1 (90) is excluded: relaxed to the trail shoes
    state["settings"] = replace(state["settings"], merch_rules=tmp_path / "none.yaml")
    post(client, f"/quiz/{quiz}/back")
    post(client, f"/quiz/{quiz}/answers", {"question": "terrain", "value": "trail"})
    post(client, f"/quiz/{quiz}/answers", {"question": "budget", "value": [40, 250]})
    plain = [i["product"]["sku"] for i in get(client, f"/quiz/{quiz}/results").get_json()["items"]]
    bury = tmp_path / "bury.yaml"  # a new file: the rules of a path are re-read at most once a second
    bury.write_text("rules:\n  - bury: {price: {min: 130}}\n    factor: 0.1\n")
    state["settings"] = replace(state["settings"], merch_rules=bury)
    buried = [i["product"]["sku"] for i in get(client, f"/quiz/{quiz}/results").get_json()["items"]]
    assert plain == ["t1", "t2"] and buried == ["t2", "t1"]  # t1 (140) buried below t2 (120)
