"""A flow with `remember:` pre-answers what the same person answered in their last run, and says which."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlmodel import Session

from assistant.flows.models import QuizSession
from assistant.flows.quiz_store import EARLIER_ANSWERS
from assistant.sites.models import Site
from assistant.timeutil import utcnow
from assistant.tracking.service import record_events
from tests.api.test_quiz_api import error_of, get, post
from tests.factories import make_product, make_site
from tests.flows.test_engine import SHOES
from tests.tracking.test_events_api import CHROME

REMEMBERING = SHOES.replace("id: shoes", "id: shoes\nremember: true").replace(
    "    field: price\n", "    field: price\n    remember: false\n")
assert "remember: false" in REMEMBERING


@pytest.fixture(autouse=True)
def catalog(session: Session, site: Site, flows_dir: Path) -> None:
    (flows_dir / "shoes.yaml").write_text(REMEMBERING)
    (flows_dir / "plain.yaml").write_text(SHOES.replace("id: shoes", "id: plain"))
    (flows_dir / "all.yaml").write_text(SHOES.replace("id: shoes", "id: all\nremember: true"))
    for sku, terrain, price in [("r1", "road", "90"), ("t1", "trail", "140"), ("t2", "trail", "120")]:
        make_product(session, site, sku=sku, title=sku, price=price, categories="Shoes",
                     attributes={"terrain": terrain, "grip": "high", "cushioning": "medium"})


def run(client: FlaskClient, flow: str, visitor: str, *answers: tuple[str, Any]) -> dict[str, Any]:
    """Start `flow` as `visitor`, give `answers`; the start's state."""
    started = post(client, "/quiz", {"flow": flow, "visitor": visitor})
    assert started.status_code == 201, started.get_json()
    state: dict[str, Any] = started.get_json()
    for question, value in answers:
        response = post(client, f"/quiz/{state['quiz']}/answers", {"question": question, "value": value})
        assert response.status_code == 200, response.get_json()
    return state


def identify(session: Session, site: Site, anon: str, customer: str) -> None:
    result = record_events(session=session, site=site, batch={"visitor": anon, "events": [
        {"id": f"{anon}-id", "type": "identify", "customer_id": customer}]}, user_agent=CHROME, now=utcnow())
    assert not result.rejected
    session.commit()


def test_the_same_visitor_starts_at_the_first_question_not_answered_before(client: FlaskClient) -> None:
    first = run(client, "shoes", "v1", ("terrain", "trail"), ("budget", [100, 130]))
    assert first["carried"] == [] and first["question"]["id"] == "terrain"
    again = run(client, "shoes", "v1")
    assert again["carried"] == ["terrain"]  # the budget is not remembered
    assert again["answers"] == [{"question": "terrain", "value": "trail"}]
    assert (again["question"]["id"], again["progress"]) == ("budget", {"answered": 1, "total": 2})
    back = post(client, f"/quiz/{again['quiz']}/back").get_json()  # a carried answer is changed as any other
    assert (back["question"]["id"], back["answers"]) == ("terrain", [])
    assert get(client, f"/quiz/{again['quiz']}").get_json()["answers"] == []


def test_an_identified_customer_is_remembered_on_another_browser(client: FlaskClient, session: Session,
                                                                  site: Site) -> None:
    identify(session, site, "laptop-0001", "c-42")
    identify(session, site, "phone-0001", "c-42")
    run(client, "shoes", "laptop-0001", ("terrain", "road"), ("distance", "long"))
    assert run(client, "shoes", "phone-0001")["carried"] == ["terrain", "distance"]
    assert run(client, "shoes", "stranger-01")["carried"] == []


def test_the_newest_run_with_answers_wins_and_a_fresh_start_carries_nothing(client: FlaskClient) -> None:
    run(client, "shoes", "v1", ("terrain", "road"))
    run(client, "shoes", "v1", ("terrain", "trail"))
    run(client, "shoes", "v1")  # opened, nothing answered (its carried answer is stored, so it counts)
    assert run(client, "shoes", "v1")["answers"] == [{"question": "terrain", "value": "trail"}]
    fresh = post(client, "/quiz", {"flow": "shoes", "visitor": "v1", "fresh": True}).get_json()
    assert (fresh["carried"], fresh["answers"], fresh["question"]["id"]) == ([], [], "terrain")
    assert run(client, "shoes", "v1")["carried"] == ["terrain"]  # a newer run with no answers is passed over
    assert error_of(post(client, "/quiz", {"flow": "shoes", "visitor": "v1", "fresh": "yes"})) == (
        400, "invalid", "fresh")


def test_a_flow_without_remember_and_another_site_carry_nothing(client: FlaskClient, session: Session) -> None:
    run(client, "plain", "v1", ("terrain", "trail"))
    assert run(client, "plain", "v1")["carried"] == []
    run(client, "shoes", "v1", ("terrain", "trail"))
    make_site(session, key="pk_other", name="Other shop")
    other = post(client, "/quiz?site=pk_other", {"flow": "shoes", "visitor": "v1"}).get_json()
    assert other["carried"] == [] and other["question"]["id"] == "terrain"


def test_only_answers_the_live_flow_still_takes_are_carried(client: FlaskClient, session: Session,
                                                           site: Site) -> None:
    def stored(answers: list[Any], visitor: str) -> None:
        session.add(QuizSession(site_id=site.pk, flow_id="shoes", visitor_id=visitor, answers=answers))
        session.commit()

    stored([["terrain", "gravel"], ["budget", [50, 90]]], "v1")  # an answer this version of the flow has not
    assert run(client, "shoes", "v1")["carried"] == []
    stored([["terrain", "road"], ["distance", "medium"]], "v2")  # the second no longer valid
    assert run(client, "shoes", "v2")["carried"] == ["terrain"]


def test_all_answers_carried_over_finish_the_quiz(client: FlaskClient) -> None:
    run(client, "all", "v1", ("terrain", "trail"), ("budget", [100, 130]))
    again = run(client, "all", "v1")
    assert (again["carried"], again["done"]) == (["terrain", "budget"], True)
    assert [i["product"]["sku"] for i in get(client, f"/quiz/{again['quiz']}/results").get_json()["items"]] == ["t2"]


def test_earlier_answers_are_read_on_an_index(session: Session, site: Site) -> None:
    connection = session.connection()
    params = (site.pk, "shoes", "v1", site.pk, "v1", 3)
    if connection.dialect.name == "sqlite":
        plan = "\n".join(r[-1] for r in connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {EARLIER_ANSWERS}",
                                                                   params).all())
        assert "ix_quiz_session_site_visitor_flow" in plan and "SCAN quiz_session" not in plan, plan
    else:
        connection.exec_driver_sql("SET LOCAL enable_seqscan = off")
        sql = EARLIER_ANSWERS.replace("?", "%s")
        plan = "\n".join(r[0] for r in connection.exec_driver_sql(f"EXPLAIN {sql}", params).all())
        assert "Seq Scan on quiz_session" not in plan, plan
