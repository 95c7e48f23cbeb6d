"""GET /api/v1/surveys and POST /api/v1/surveys/<id>/responses: the shapes the widget codes against, the 400s
naming their field, idempotent answers (partial, then complete), follow-ups, and the events they record."""

from __future__ import annotations

import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import Session, select

from assistant.app import create_app
from assistant.config import Settings
from assistant.insight.models import InsightState
from assistant.privacy.delete import delete_customer
from assistant.privacy.export import export_customer
from assistant.sites.models import Site
from assistant.surveys.models import SurveyResponse
from assistant.timeutil import utcnow
from assistant.tracking.models import Event
from tests.promotions.helpers import CHROME, track
from tests.recommend.test_segment_rules import figure

VISITOR = "visitor-0001"
NPS = """\
    id: nps
    title: Would you recommend us?
    placement: {after: purchase}
    questions:
      - {id: recommend, type: nps, text: How likely?, labels: [Never, Surely]}
      - {id: better, type: text, text: What could we do better?, max_length: 20, placeholder: A few words,
         show_if: {question: recommend, scores: detractor}}
      - id: loved
        type: multi
        text: What did you like?
        show_if: {question: recommend, scores: [9, 10]}
        choices: [{id: range, text: The range}, {id: prices, text: The prices}]
    thanks: Thanks!
"""
CSAT = """\
    id: csat
    title: Quiz
    locale: ja
    placement: {after: quiz_finished}
    questions:
      - {id: found, type: csat, style: faces, text: 見つかりましたか？, labels: [a, b, c, d, e]}
      - id: why
        type: single
        text: Why?
        choices: [{id: price, text: Price}, {id: other, text: Other}]
    thanks: ありがとう
"""


@pytest.fixture
def app(database_url: str, session: Session, flows_dir: Path, tmp_path: Path) -> Iterator[Flask]:
    """The app with two test surveys, loaded with reload off (as in production)."""
    folder = tmp_path / "surveys"
    folder.mkdir()
    (folder / "nps.yaml").write_text(textwrap.dedent(NPS))
    (folder / "csat.yaml").write_text(textwrap.dedent(CSAT))
    app = create_app(Settings(database_url=database_url, flows_dir=flows_dir, surveys_dir=folder, testing=True,
                              flows_catalog_check=False, reload_flows=False))
    yield app
    app.extensions["assistant"]["engine"].dispose()


def get(client: FlaskClient, query: str) -> Any:
    return client.get(f"/api/v1/surveys?site=pk_test&visitor={VISITOR}&{query}", headers={"User-Agent": CHROME})


def post(client: FlaskClient, body: dict[str, Any], survey: str = "nps") -> Any:
    data = {"response_id": "resp-0001", "visitor": VISITOR, "placement": "purchase", "page": "/thanks", **body}
    return client.post(f"/api/v1/surveys/{survey}/responses?site=pk_test", json=data, headers={"User-Agent": CHROME})


def test_the_survey_after_a_purchase_in_the_widgets_shape(client: FlaskClient, site: Site) -> None:
    response = get(client, "placement=purchase&page=https://shop.example/thanks&device=mobile&lang=en")
    assert response.status_code == 200
    survey = response.get_json()["survey"]
    assert {k: survey[k] for k in ("id", "title", "locale", "placement", "thanks")} == {
        "id": "nps", "title": "Would you recommend us?", "locale": None, "placement": "purchase", "thanks": "Thanks!"}
    recommend, better, loved = survey["questions"]
    assert recommend == {"id": "recommend", "type": "nps", "text": "How likely?", "show_if": None, "points": [
        {"value": 0, "label": "Never"}, *({"value": v, "label": ""} for v in range(1, 10)),
        {"value": 10, "label": "Surely"}]}
    assert better == {"id": "better", "type": "text", "text": "What could we do better?", "max_length": 20,
                      "placeholder": "A few words", "show_if": {"question": "recommend", "scores": list(range(7))}}
    assert loved["choices"] == [{"id": "range", "text": "The range"}, {"id": "prices", "text": "The prices"}]
    assert loved["show_if"] == {"question": "recommend", "scores": [9, 10]}


def test_csat_faces_and_a_single_choice_on_a_japanese_page(client: FlaskClient, site: Site) -> None:
    survey = get(client, "placement=quiz_finished&page=/&lang=ja").get_json()["survey"]
    found, why = survey["questions"]
    assert survey["locale"] == "ja" and survey["thanks"] == "ありがとう"
    assert found["style"] == "faces" and found["text"] == "見つかりましたか？"
    assert found["points"] == [{"value": v, "label": label} for v, label in zip(range(1, 6), "abcde", strict=True)]
    assert why == {"id": "why", "type": "single", "text": "Why?", "show_if": None,
                   "choices": [{"id": "price", "text": "Price"}, {"id": "other", "text": "Other"}]}
    assert get(client, "placement=quiz_finished&page=/&lang=en").get_json() == {"survey": None}


def test_nothing_to_show_is_null(client: FlaskClient, site: Site) -> None:
    assert get(client, "placement=page&page=/").get_json() == {"survey": None}
    assert get(client, "placement=product_views&views=3").get_json() == {"survey": None}


@pytest.mark.parametrize(("query", "field"), [
    ("placement=shelf", "placement"), ("placement=", "placement"), ("placement=page&device=toaster", "device"),
    ("placement=product_views", "views"), ("placement=product_views&views=abc", "views"),
    ("placement=page&views=-1", "views"), ("placement=page&page=" + "x" * 2001, "page"),
    ("placement=page&lang=" + "x" * 36, "lang")])
def test_bad_parameters_name_their_field(client: FlaskClient, site: Site, query: str, field: str) -> None:
    response = get(client, query)
    assert response.status_code == 400
    assert response.get_json()["error"]["field"] == field


@pytest.mark.parametrize("visitor", ["", "short", "x" * 65, "bad visitor!"])
def test_a_bad_visitor_id_is_a_400(client: FlaskClient, site: Site, visitor: str) -> None:
    response = client.get(f"/api/v1/surveys?site=pk_test&placement=page&visitor={visitor}")
    assert response.status_code == 400 and response.get_json()["error"]["field"] == "visitor"


def test_a_shown_survey_does_not_come_back_in_the_same_week(client: FlaskClient, session: Session, site: Site) -> None:
    assert get(client, "placement=purchase").get_json()["survey"]["id"] == "nps"
    track(session, site, VISITOR, utcnow(), {"type": "survey_shown", "survey_id": "nps", "placement": "purchase"})
    assert get(client, "placement=purchase").get_json() == {"survey": None}
    assert get(client, "placement=quiz_finished&lang=ja").get_json() == {"survey": None}  # the weekly cap


def test_score_first_then_comment_then_complete(client: FlaskClient, session: Session, site: Site) -> None:
    first = post(client, {"answers": {"recommend": 3}, "device": "mobile", "lang": "en-GB"})
    assert first.status_code == 201
    assert first.get_json() == {"response_id": "resp-0001", "complete": False, "follow_ups": ["better"]}
    second = post(client, {"answers": {"better": "Faster delivery"}, "complete": True})
    assert second.status_code == 200
    assert second.get_json() == {"response_id": "resp-0001", "complete": True, "follow_ups": ["better"]}
    again = post(client, {"answers": {}, "complete": False})
    assert again.status_code == 200 and again.get_json()["complete"] is True  # complete is sticky
    row = session.exec(select(SurveyResponse)).one()
    assert (row.survey_id, row.kind, row.score, row.comment, row.complete) == ("nps", "nps", 3, "Faster delivery", True)
    assert row.answers == {"recommend": 3, "better": "Faster delivery"}
    assert (row.page, row.placement, row.device, row.locale) == ("/thanks", "purchase", "mobile", "en-GB")
    assert row.visitor_id is not None and row.customer_id is None


def test_a_repeated_post_changes_nothing(client: FlaskClient, session: Session, site: Site) -> None:
    body = {"answers": {"recommend": 10, "loved": ["range"]}, "complete": True}
    assert post(client, body).status_code == 201
    stamp = session.exec(select(SurveyResponse.updated_at)).one()
    repeat = post(client, body)
    assert repeat.status_code == 200
    assert repeat.get_json() == {"response_id": "resp-0001", "complete": True, "follow_ups": ["loved"]}
    session.expire_all()
    assert session.exec(select(SurveyResponse.updated_at)).one() == stamp
    answered = session.exec(select(Event).where(Event.type == "survey_answered")).all()
    assert len(answered) == 1 and answered[0].ref == "nps"
    assert answered[0].data["response_id"] == "resp-0001" and answered[0].data["placement"] == "purchase"


def test_a_later_score_replaces_the_earlier_one(client: FlaskClient, session: Session, site: Site) -> None:
    post(client, {"answers": {"recommend": 2}})
    assert post(client, {"answers": {"recommend": 9}}).get_json()["follow_ups"] == ["loved"]
    assert session.exec(select(SurveyResponse.score)).one() == 9


@pytest.mark.parametrize(("body", "field"), [
    ({"answers": {"recommend": 11}}, "answers.recommend"), ({"answers": {"recommend": -1}}, "answers.recommend"),
    ({"answers": {"recommend": True}}, "answers.recommend"), ({"answers": {"recommend": "9"}}, "answers.recommend"),
    ({"answers": {"recommend": 9.5}}, "answers.recommend"), ({"answers": {"nope": 1}}, "answers.nope"),
    ({"answers": {"recommend": 9, "loved": ["gold"]}}, "answers.loved"),
    ({"answers": {"recommend": 9, "loved": ["range", "range"]}}, "answers.loved"),
    ({"answers": {"recommend": 9, "loved": "range"}}, "answers.loved"),
    ({"answers": {"recommend": 1, "better": "x" * 21}}, "answers.better"),
    ({"answers": {"recommend": 1, "better": 5}}, "answers.better"),
    ({"answers": {"recommend": 9, "better": "asked only of detractors"}}, "answers.better"),
    ({"answers": {"better": "no score yet"}}, "answers.better"),
    ({"answers": []}, "answers"), ({"answers": {"recommend": 1}, "response_id": "short"}, "response_id"),
    ({"answers": {"recommend": 1}, "response_id": 12345678}, "response_id"),
    ({"answers": {"recommend": 1}, "visitor": "a b c d e f g"}, "visitor"),
    ({"answers": {"recommend": 1}, "complete": "yes"}, "complete"),
    ({"answers": {"recommend": 1}, "placement": "shelf"}, "placement"),
    ({"answers": {"recommend": 1}, "device": "toaster"}, "device"),
    ({"answers": {"recommend": 1}, "page": "x" * 2001}, "page"),
    ({"answers": {"recommend": 1}, "lang": 5}, "lang")])
def test_bad_answers_name_their_field(client: FlaskClient, session: Session, site: Site, body: dict[str, Any],
                                      field: str) -> None:
    response = post(client, body)
    assert response.status_code == 400, response.get_json()
    assert response.get_json()["error"]["field"] == field
    assert session.exec(select(SurveyResponse)).all() == []


def test_a_choice_answer_to_the_csat(client: FlaskClient, session: Session, site: Site) -> None:
    response = post(client, {"answers": {"found": 4, "why": "price"}, "placement": "quiz_finished"}, survey="csat")
    assert response.status_code == 201 and response.get_json()["follow_ups"] == []
    assert post(client, {"response_id": "resp-0002", "answers": {"why": "gold"}}, survey="csat").status_code == 400


def test_unknown_survey_and_a_response_id_of_another_survey(client: FlaskClient, site: Site) -> None:
    unknown = post(client, {"answers": {}}, survey="nope")
    assert unknown.status_code == 404 and unknown.get_json()["error"]["field"] == "survey"
    assert post(client, {"answers": {"recommend": 1}}).status_code == 201
    clash = post(client, {"answers": {"found": 1}}, survey="csat")
    assert clash.status_code == 409 and clash.get_json()["error"]["field"] == "response_id"


def test_a_survey_of_other_sites_is_unknown_here(client: FlaskClient, app: Flask, site: Site) -> None:
    folder = app.extensions["assistant"]["surveys"].folder
    (folder / "other.yaml").write_text(textwrap.dedent(NPS).replace("id: nps", "id: other\nsites: [pk_other]", 1))
    app.extensions["assistant"]["surveys"].refresh(force=True)
    assert post(client, {"answers": {"recommend": 1}}, survey="other").status_code == 404


def test_the_segment_and_customer_of_an_identified_visitor(client: FlaskClient, session: Session, site: Site) -> None:
    track(session, site, VISITOR, utcnow(), {"type": "identify", "customer_id": "c-champ"})
    session.add(figure(site, "c-champ", "champions"))
    session.add(InsightState(site_id=site.pk, version=1))
    session.commit()
    assert post(client, {"answers": {"recommend": 10}}).status_code == 201
    row = session.exec(select(SurveyResponse)).one()
    assert (row.customer_id, row.segment) == ("c-champ", "champions")


def test_survey_events_through_the_events_api(client: FlaskClient, session: Session, site: Site) -> None:
    events = [{"id": "evt-000001", "type": "survey_shown", "survey_id": "nps", "placement": "purchase"},
              {"id": "evt-000002", "type": "survey_dismissed", "survey_id": "nps", "response_id": "resp-0001"},
              {"id": "evt-000003", "type": "survey_shown"}]
    response = client.post("/api/v1/events?site=pk_test", json={"visitor": VISITOR, "events": events},
                           headers={"User-Agent": CHROME})
    body = response.get_json()
    assert body["accepted"] == 2 and [r["field"] for r in body["rejected"]] == ["events[2].survey_id"]
    stored = session.exec(select(Event.type, Event.ref).where(Event.type.startswith("survey_"))).all()  # type: ignore[attr-defined]
    assert sorted(stored) == [("survey_dismissed", "nps"), ("survey_shown", "nps")]


def test_responses_are_exported_and_deleted_with_the_person(client: FlaskClient, session: Session,
                                                           site: Site) -> None:
    track(session, site, VISITOR, utcnow(), {"type": "identify", "customer_id": "ada"})
    assert post(client, {"answers": {"recommend": 2, "better": "Cheaper"}}).status_code == 201
    other = {"response_id": "resp-0002", "visitor": "visitor-0002", "answers": {"recommend": 9}}
    assert post(client, other).status_code == 201
    data = export_customer(session=session, site=site, customer_id="ada")
    assert [(r["response_id"], r["comment"]) for r in data["survey_responses"]] == [("resp-0001", "Cheaper")]
    report = delete_customer(session=session, site=site, customer_id="ada")
    session.commit()
    assert report.counts["survey_responses"] == 1
    assert session.exec(select(SurveyResponse.response_id)).all() == ["resp-0002"]


HOSTILE = st.one_of(st.none(), st.booleans(), st.integers(-2**70, 2**70), st.floats(allow_nan=True),
                    st.text(max_size=30), st.lists(st.text(max_size=8), max_size=3),
                    st.dictionaries(st.text(max_size=4), st.integers(), max_size=2))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(answers=st.dictionaries(st.sampled_from(["recommend", "better", "loved", "found", "why", "x"]), HOSTILE,
                               max_size=3),
       complete=st.one_of(st.booleans(), st.none(), st.integers()))
def test_any_answers_are_saved_or_refused_by_field(client: FlaskClient, site: Site, answers: dict[str, Any],
                                                   complete: Any) -> None:
    response = post(client, {"response_id": "resp-fuzz", "answers": answers, "complete": complete})
    assert response.status_code in (200, 201, 400), response.get_data(as_text=True)
    if response.status_code == 400:
        field = response.get_json()["error"]["field"]
        assert field == "complete" or field.startswith("answers."), field


def test_after_a_search_with_no_click_on_the_next_page(client: FlaskClient, app: Flask, site: Site) -> None:
    """No survey is placed on pages at all, so only the visit's events can offer this one: the API must ask them."""
    folder = app.extensions["assistant"]["settings"].surveys_dir
    (folder / "found.yaml").write_text(textwrap.dedent(NPS).replace("id: nps", "id: found", 1)
                                       .replace("{after: purchase}", "{after: search_no_click}"))
    app.extensions["assistant"]["surveys"].refresh(force=True)
    events = [{"id": "evt-search-1", "type": "page_view", "page": "https://shop.example/search?q=boots"},
              {"id": "evt-search-2", "type": "search", "query": "boots"},
              {"id": "evt-search-3", "type": "page_view", "page": "https://shop.example/help"}]
    client.post("/api/v1/events?site=pk_test", json={"visitor": VISITOR, "events": events},
                headers={"User-Agent": CHROME})
    assert get(client, "placement=page&page=/help").get_json()["survey"]["id"] == "found"
