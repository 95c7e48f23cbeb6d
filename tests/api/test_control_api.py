"""Every API answer that shows something is empty for a visitor of the control group (flows, quiz, strips,
promotions, surveys), and the same request of an exposed visitor shows it; the stored group wins over the hash."""

from __future__ import annotations

import json
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import Session, select

from assistant.app import create_app
from assistant.config import Settings
from assistant.recommend.serving import ModelStore
from assistant.sites.control import in_control_bucket
from assistant.sites.models import Site
from assistant.timeutil import utcnow
from assistant.tracking.models import Event, Visitor
from tests.api.test_surveys_api import NPS
from tests.factories import make_product, make_site
from tests.flows.test_engine import SHOES
from tests.promotions.helpers import CHROME, make_campaign, track
from tests.recommend.test_serving import catalog, trained  # noqa: F401 (fixtures)

SHARE = 0.05  # the product's default


def pick(*, control: bool, prefix: str = "visitor") -> str:
    """A visitor id the hash puts in (or out of) pk_test's control group at 5 %."""
    return next(v for v in (f"{prefix}-{n:04d}" for n in range(10_000))
                if in_control_bucket(site_key="pk_test", key=v, share=SHARE) == control)


HELD, SHOWN = pick(control=True), pick(control=False)


@pytest.fixture
def site(session: Session) -> Site:
    """The test shop holding out the product's default share."""
    return make_site(session, control_share=SHARE)


@pytest.fixture
def app(database_url: str, session: Session, flows_dir: Path, tmp_path: Path) -> Iterator[Flask]:
    """The app with a flow on every page, and a survey after a purchase."""
    (flows_dir / "shoes.yaml").write_text(SHOES)
    surveys = tmp_path / "surveys"
    surveys.mkdir()
    (surveys / "nps.yaml").write_text(textwrap.dedent(NPS))
    app = create_app(Settings(database_url=database_url, flows_dir=flows_dir, surveys_dir=surveys, testing=True,
                              flows_catalog_check=False))
    yield app
    app.extensions["assistant"]["engine"].dispose()


def get(client: FlaskClient, path: str) -> Any:
    response = client.get(f"/api/v1{path}&site=pk_test", headers={"User-Agent": CHROME})
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_the_flows_list_is_empty_so_the_widget_shows_no_launcher(client: FlaskClient, site: Site) -> None:
    assert get(client, f"/flows?page=/&visitor={HELD}") == {"flows": [], "control": True}
    assert [f["id"] for f in get(client, f"/flows?page=/&visitor={SHOWN}")["flows"]] == ["shoes"]
    assert [f["id"] for f in get(client, "/flows?page=/")["flows"]] == ["shoes"]  # no id: not tracked, not held out


@pytest.mark.parametrize("visitor", ["short", "x" * 65, "bad id!"])
def test_a_bad_visitor_id_on_the_flows_list_names_the_field(client: FlaskClient, site: Site, visitor: str) -> None:
    response = client.get(f"/api/v1/flows?site=pk_test&visitor={visitor}")
    assert (response.status_code, response.get_json()["error"]["field"]) == (400, "visitor")


def test_a_quiz_does_not_start_for_the_control_group(client: FlaskClient, session: Session, site: Site) -> None:
    make_product(session, site, sku="r1", title="r1", price="90", attributes={"terrain": "road"})

    def start(visitor: str | None) -> Any:
        body = {"flow": "shoes", **({"visitor": visitor} if visitor else {})}
        return client.post("/api/v1/quiz?site=pk_test", data=json.dumps(body), content_type="text/plain")

    refused = start(HELD)
    assert refused.status_code == 403
    assert refused.get_json()["error"] == {"code": "control", "field": "visitor",
                                           "message": "is in the site's control group, which is shown no quiz"}
    assert start(SHOWN).status_code == 201 and start(None).status_code == 201


def test_strips_are_empty(app: Flask, client: FlaskClient, site: Site, trained: ModelStore) -> None:  # noqa: F811
    app.extensions["assistant"]["models"] = trained
    query = "/recommendations?placement=cart&cart=shoe-a&n=2"
    assert get(client, f"{query}&visitor={HELD}") == {"items": [], "placement": "cart", "rec": None, "title": "",
                                                      "control": True}
    assert len(get(client, f"{query}&visitor={SHOWN}")["items"]) == 2
    assert len(get(client, query)["items"]) == 2


def test_no_promotion(client: FlaskClient, session: Session, site: Site) -> None:
    make_campaign(session, site, variants=[{"key": "a", "message": "Free socks today"}])
    query = "/promotions?placement=cart&cart=x:1&cart_value=10"
    assert get(client, f"{query}&visitor={HELD}") == {"messages": [], "control": True}
    assert [m["text"] for m in get(client, f"{query}&visitor={SHOWN}")["messages"]] == ["Free socks today"]
    anonymous = next(v for v in (f"anonymous-{n}" for n in range(10_000))  # promos.js's id without consent
                     if in_control_bucket(site_key="pk_test", key=v, share=SHARE))
    assert len(get(client, f"{query}&visitor={anonymous}")["messages"]) == 1  # never stored, never held out


def test_no_survey(client: FlaskClient, site: Site) -> None:
    query = "/surveys?placement=purchase&page=https://shop.example/thanks"
    assert get(client, f"{query}&visitor={HELD}") == {"survey": None, "control": True}
    assert get(client, f"{query}&visitor={SHOWN}")["survey"]["id"] == "nps"


def test_the_stored_group_wins_over_the_hash(client: FlaskClient, session: Session, site: Site) -> None:
    """A second device takes its person's group on identify; the API then answers by the stored row."""
    laptop, phone = pick(control=True, prefix="laptop"), pick(control=False, prefix="phone")
    now = utcnow()
    track(session, site, laptop, now, {"type": "identify", "customer_id": "c-1"})
    assert get(client, f"/flows?page=/&visitor={phone}")["flows"]  # anonymous phone: its hash, exposed
    track(session, site, phone, now, {"type": "page_view", "page": "/"}, {"type": "identify", "customer_id": "c-1"})
    assert get(client, f"/flows?page=/&visitor={phone}") == {"flows": [], "control": True}
    assert get(client, f"/surveys?placement=purchase&page=/thanks&visitor={phone}")["survey"] is None


def test_the_control_groups_events_are_stored_as_usual(client: FlaskClient, session: Session, site: Site) -> None:
    stamp = utcnow().timestamp() * 1000
    batch = {"visitor": HELD, "events": [
        {"id": "evt-00001", "type": "page_view", "page": "/", "ts": stamp},
        {"id": "evt-00002", "type": "purchase", "order_id": "o-1", "value": 90, "ts": stamp,
         "items": [{"sku": "r1", "price": 90, "quantity": 1}]}]}
    response = client.post("/api/v1/events?site=pk_test", data=json.dumps(batch), content_type="text/plain",
                           headers={"User-Agent": CHROME})
    assert response.status_code == 200 and response.get_json()["accepted"] == 2
    visitor = session.exec(select(Visitor).where(Visitor.anon_id == HELD)).one()
    assert visitor.in_control is True
    assert sorted(e.type for e in session.exec(select(Event).where(Event.visitor_id == visitor.id))) == [
        "page_view", "purchase"]


def test_a_share_of_zero_shows_everybody_everything(client: FlaskClient, session: Session) -> None:
    make_site(session, key="pk_none", control_share=0.0)
    body = client.get(f"/api/v1/flows?site=pk_none&page=/&visitor={HELD}").get_json()
    assert [f["id"] for f in body["flows"]] == ["shoes"] and "control" not in body
