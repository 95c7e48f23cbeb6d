"""A flow experiment end to end: the widget asks for the flow, the API serves the visitor's variant and records
it on the quiz session; the results compare the variants; the admin page shows them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner
from flask.testing import FlaskClient
from sqlmodel import Session, select

from assistant.analytics.flow_experiments import flow_experiment_results
from assistant.cli.flow_experiments import experiment
from assistant.flows.experiments import assign
from assistant.flows.models import QuizSession
from assistant.flows.registry import get_registry
from assistant.flows.schema import Flow
from assistant.sites.models import Site
from assistant.timeutil import utcnow
from assistant.tracking.service import record_events
from tests.admin.test_auth import log_in
from tests.api.test_quiz_api import get, post
from tests.factories import make_product, make_user
from tests.flows.test_engine import SHOES
from tests.tracking.test_events_api import CHROME

CONTROL = SHOES + ("experiment:\n  id: shorter\n  variants:\n    - {flow: shoes, share: 50}\n"
                   "    - {flow: quick, share: 50}\n")
QUICK = """id: quick
variant_of: shoes
title: Quick shoe finder
scope: {category: Shoes}
questions:
  - id: terrain
    text: Road or trail?
    type: single
    answers:
      - {id: road, text: Road, filter: {terrain: [road, mixed]}}
      - {id: trail, text: Trail, filter: {terrain: [trail, mixed]}}
"""


@pytest.fixture(autouse=True)
def shop(session: Session, site: Site, flows_dir: Path) -> None:
    (flows_dir / "shoes.yaml").write_text(CONTROL)
    (flows_dir / "quick.yaml").write_text(QUICK)
    for sku, terrain in [("r1", "road"), ("t1", "trail")]:
        make_product(session, site, sku=sku, title=sku, price="90", categories="Shoes",
                     attributes={"terrain": terrain, "grip": "high", "cushioning": "medium"})


def visitor_in(arm: str, start: int = 0) -> str:
    """The first visitor id (from `start`) the experiment puts in `arm`."""
    experiment = Flow.model_validate(yaml.safe_load(CONTROL)).experiment
    assert experiment is not None
    return next(v for i in range(start, start + 1000) if assign(experiment, "pk_test", v := f"visitor-{i}") == arm)


def start(client: FlaskClient, visitor: str | None) -> dict[str, Any]:
    body = {"flow": "shoes", **({"visitor": visitor} if visitor else {})}
    response = post(client, "/quiz", body)
    assert response.status_code == 201, response.get_json()
    return response.get_json()  # type: ignore[no-any-return]


def test_the_listing_offers_the_flow_once_in_the_visitors_variant_words(client: FlaskClient) -> None:
    quick, control = visitor_in("quick"), visitor_in("shoes")
    listed = get(client, f"/flows?visitor={quick}").get_json()["flows"]
    assert [(f["id"], f["title"], f["questions"]) for f in listed] == [("shoes", "Quick shoe finder", 1)]
    listed = get(client, f"/flows?visitor={control}").get_json()["flows"]
    assert [(f["id"], f["title"], f["questions"]) for f in listed] == [("shoes", "Find your shoe", 3)]
    assert [f["id"] for f in get(client, "/flows").get_json()["flows"]] == ["shoes"]  # no id: the control


def test_the_variant_is_served_through_every_step_and_recorded(client: FlaskClient, session: Session) -> None:
    quick = visitor_in("quick")
    state = start(client, quick)
    assert state["flow"] == {"id": "shoes", "title": "Quick shoe finder"}
    assert state["question"]["text"] == "Road or trail?" and state["progress"]["total"] == 1
    answered = post(client, f"/quiz/{state['quiz']}/answers", {"question": "terrain", "value": "trail"}).get_json()
    assert answered["done"] is True  # one question: the variant, not the control's three
    results = get(client, f"/quiz/{state['quiz']}/results").get_json()
    assert [i["product"]["sku"] for i in results["items"]] == ["t1"]
    again = start(client, quick)  # sticky
    assert again["question"]["text"] == "Road or trail?"
    rows = session.exec(select(QuizSession.flow_id, QuizSession.experiment, QuizSession.variant,
                               QuizSession.finished)).all()
    assert sorted(rows, key=lambda r: r[3]) == [("shoes", "shorter", "quick", False),
                                                ("shoes", "shorter", "quick", True)]


def test_the_control_arm_and_a_visitor_without_id_get_the_flow_itself(client: FlaskClient, session: Session) -> None:
    control = start(client, visitor_in("shoes"))
    anonymous = start(client, None)
    for state in (control, anonymous):
        assert state["question"]["text"] == "Where do you run?" and state["progress"]["total"] >= 2
    rows = {r[0]: r[1:] for r in session.exec(select(QuizSession.id, QuizSession.experiment, QuizSession.variant))}
    assert rows[control["quiz"]] == ("shorter", None)
    assert rows[anonymous["quiz"]] == (None, None)  # not measured: in no experiment


def _events(session: Session, site: Site, visitor: str, events: list[dict[str, Any]]) -> None:
    result = record_events(session=session, site=site, batch={"visitor": visitor, "events": events},
                           user_agent=CHROME, now=utcnow())
    assert not result.rejected, result.rejected
    session.commit()


def test_results_count_completion_click_and_purchase_per_variant(client: FlaskClient, session: Session, site: Site,
                                                                 database_url: str, flows_dir: Path) -> None:
    # worked example: 3 control visitors (2 complete, 1 clicks, 1 buys); 2 quick visitors (2 complete, 2 click)
    plan = {visitor_in("shoes", 0): (True, True, True), visitor_in("shoes", 1000): (True, False, False),
            visitor_in("shoes", 2000): (False, False, False), visitor_in("quick", 0): (True, True, False),
            visitor_in("quick", 1000): (True, True, False)}
    for n, (visitor, (complete, click, buy)) in enumerate(plan.items()):
        state = start(client, visitor)
        if complete:
            values = [("terrain", "trail"), ("budget", [40, 250])] if state["flow"]["title"] == "Find your shoe" \
                else [("terrain", "trail")]
            for question, value in values:
                post(client, f"/quiz/{state['quiz']}/answers", {"question": question, "value": value})
        events: list[dict[str, Any]] = []
        if click:
            events.append({"id": f"click-{n:04d}", "type": "quiz_result_click", "flow": "shoes", "quiz": state["quiz"],
                           "sku": "t1"})
        if buy:
            events.append({"id": f"purchase-{n:04d}", "type": "purchase", "order_id": f"o{n}", "value": 90})
        if events:
            _events(session, site, visitor, events)
    result = flow_experiment_results(session=session, site=site, flow=get_registry(client.application).get("shoes"))
    arms = {a.flow: (a.visitors, a.completed, a.clicked, a.purchased, a.share) for a in result.arms}
    assert arms == {"shoes": (3, 2, 1, 1, 50), "quick": (2, 2, 2, 0, 50)}
    cli = CliRunner().invoke(experiment, ["results", "shoes"],
                             env={"DATABASE_URL": database_url, "ASSISTANT_FLOWS": str(flows_dir)})
    assert cli.exit_code == 0, cli.output
    table = [line.split() for line in cli.output.splitlines()]
    assert ["shoes", "(control)", "50%", "3", "66.7%", "33.3%", "33.3%"] in table, cli.output
    assert ["quick", "50%", "2", "100.0%", "100.0%", "0.0%"] in table, cli.output
    assert cli.output.index("Always-valid") < cli.output.index("quick completion: +33.3 pp") \
        < cli.output.index("Fixed-horizon")
    quick = next(a for a in result.arms if a.flow == "quick")
    completion = quick.sequential["completion"]
    assert completion.difference == pytest.approx(1 - 2 / 3) and completion.verdict == "too small to tell"
    assert set(quick.fixed) == {"completion", "click", "purchase"}


def test_the_admin_page_shows_the_variants_and_both_tests(client: FlaskClient, session: Session, site: Site) -> None:
    start(client, visitor_in("quick"))
    start(client, visitor_in("shoes"))
    make_user(session, role="merchandiser", email="merch@shop.example")
    log_in(client, "merch@shop.example")
    flows_page = client.get("/admin/flows").get_data(as_text=True)
    assert 'href="/admin/flows/shoes/experiment"' in flows_page
    response = client.get("/admin/flows/shoes/experiment")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "experiment <code>shorter</code>" in page and "<code>quick</code>" in page
    assert page.index("Valid at any time you look") < page.index("Fixed-horizon test")
    assert "Completion (reached the results)" in page and "too small to tell" in page
    variant = client.get("/admin/flows/quick/experiment")  # a variant runs none itself: says whose it is
    assert variant.status_code == 200 and "runs no experiment" in variant.get_data(as_text=True)
    assert 'href="/admin/flows/shoes/experiment"' in variant.get_data(as_text=True)
    assert client.get("/admin/flows/nope/experiment").status_code == 404
