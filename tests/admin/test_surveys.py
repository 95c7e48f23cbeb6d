"""The admin's survey results: roles, the list and one survey's page, filters, bad input, themes and the CSV."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import Session

from assistant.admin import surveys as admin_surveys
from assistant.app import create_app
from assistant.config import Settings
from assistant.sites.models import Site
from assistant.surveys.models import SurveyResponse
from assistant.surveys.registry import get_registry
from assistant.timeutil import utcnow
from assistant.tracking.models import Customer, Event, Visitor
from tests.admin.test_auth import csrf
from tests.admin.test_catalog import as_role, html
from tests.factories import make_site

NPS_SURVEY = """\
id: after-order
title: Would you recommend us?
questions:
  - {id: recommend, type: nps, text: How likely are you to recommend us?}
  - {id: better, type: text, text: What could we do better?}
"""
CSAT_SURVEY = """\
id: quiz-help
title: Did the quiz help?
sites: [pk_test]
questions:
  - {id: helped, type: csat, text: How satisfied are you with the quiz?}
"""
OTHER_SITE = """\
id: elsewhere
title: Another shop's survey
sites: [pk_other]
questions:
  - {id: q, type: nps, text: Recommend?}
"""
COMMENTS = {0: "delivery was late and the parcel was damaged", 3: "late delivery, nobody answered the phone",
            6: "the delivery took two weeks", 9: "great fit and lovely fabric", 10: "lovely fabric, fits perfectly"}


@pytest.fixture
def app(database_url: str, session: Session, flows_dir: Path, tmp_path: Path) -> Iterator[Flask]:
    folder = tmp_path / "surveys"
    folder.mkdir()
    for name, text in (("a.yaml", NPS_SURVEY), ("b.yaml", CSAT_SURVEY), ("c.yaml", OTHER_SITE)):
        (folder / name).write_text(text)
    app = create_app(Settings(database_url=database_url, flows_dir=flows_dir, surveys_dir=folder, testing=True,
                              flows_catalog_check=False))
    yield app
    app.extensions["assistant"]["engine"].dispose()


@pytest.fixture
def answers(session: Session, site: Site) -> None:
    """20 NPS responses over the last 3 weeks (8 promoters, 12 detractors: NPS -20), shown 40 times; one older."""
    now = utcnow()
    scores = [0, 3, 6, 9, 10] * 4
    for n, score in enumerate(scores):
        at = now - timedelta(days=n % 3 * 7, hours=1)
        session.add(SurveyResponse(site_id=site.pk, survey_id="after-order", response_id=f"r{n}", kind="nps",
                                   score=score, comment=COMMENTS[score] if n < 15 else None, created_at=at,
                                   updated_at=at, segment="champions" if n % 2 else "at_risk",
                                   device="mobile" if n % 4 == 0 else "desktop", page="/checkout/done",
                                   customer_id="c1" if n == 0 else None))
    session.add(SurveyResponse(site_id=site.pk, survey_id="after-order", response_id="old", kind="nps", score=10,
                               created_at=now - timedelta(days=200), updated_at=now - timedelta(days=200)))
    for n in range(40):
        session.add(Event(site_id=site.pk, client_id=f"s{n}", visitor_id=1, type="survey_shown", ref="after-order",
                          occurred_at=now - timedelta(hours=2)))
    session.commit()


def test_marketers_and_admins_see_the_results_merchandisers_do_not(client: FlaskClient, session: Session,
                                                                   site: Site, answers: None) -> None:
    assert client.get("/admin/surveys").status_code == 302   # to the login page
    for role in ("marketer", "admin"):
        as_role(client, session, role)
        listing = html(client.get("/admin/surveys"))
        assert "Would you recommend us?" in listing and "Did the quiz help?" in listing
        assert "Another shop" not in listing                     # offered to another site only
        assert "Would you recommend us?" in html(client.get("/admin/surveys/after-order"))
        download = client.get("/admin/surveys/after-order.csv")
        assert download.status_code == 200
        download.close()
    as_role(client, session, "merchandiser")
    for url in ("/admin/surveys", "/admin/surveys/after-order", "/admin/surveys/after-order.csv"):
        assert client.get(url).status_code == 403


def test_the_list_shows_the_rate_and_headline_of_the_range(client: FlaskClient, session: Session, site: Site,
                                                           answers: None) -> None:
    as_role(client, session, "marketer")
    page = html(client.get("/admin/surveys"))                  # the last 90 days: the 200-day-old answer is out
    row = re.search(r"Would you recommend us\?.*?</tr>", page, re.S)
    assert row is not None
    cells = re.sub(r"<[^>]+>", " ", row.group(0))
    assert re.search(r"\b20\b.*\b40\b.*\b50 %", cells, re.S)   # 20 responses of 40 shown: 50 %
    assert re.search(r"NPS\s+-20\s+-63 to \+23", cells)      # se = sqrt((.4 + .6 - .2^2) / 20), 1.96 se = 42.9
    everything = html(client.get("/admin/surveys?from=&to="))
    assert re.search(r">21<", everything)                        # all time: 21 responses


def test_one_survey_by_segment_week_and_with_comments(client: FlaskClient, session: Session, site: Site,
                                                      answers: None) -> None:
    as_role(client, session, "marketer")
    page = html(client.get("/admin/surveys/after-order"))
    for section in ("by-segment", "by-page", "by-device", "trend", "themes", "comments"):
        assert f'id="{section}"' in page
    assert "/checkout/done" in page and "survey-data-trend" in page
    assert page.count('<td class="comment">') == 15
    late = html(client.get("/admin/surveys/after-order?q=LATE"))
    assert late.count('<td class="comment">') == 6             # scores 0 and 3, three times each
    promoters = html(client.get("/admin/surveys/after-order?group=promoter"))
    assert promoters.count('<td class="comment">') == 6
    assert "delivery" not in re.sub(r'id="themes".*?</section>', "", promoters, flags=re.S).split('id="comments"')[1]


def test_themes_are_found_once_per_newest_response(client: FlaskClient, app: Flask, session: Session, site: Site,
                                                   answers: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(admin_surveys, "FIGURES_SECONDS", 0.0)   # figures not reused: each view looks again
    as_role(client, session, "marketer")
    page = html(client.get("/admin/surveys/after-order"))
    themes = re.search(r'id="themes".*?</section>', page, re.S)
    assert themes is not None and "delivery" in themes.group(0) and "fabric" in themes.group(0)
    cache = app.extensions["assistant"]["survey_themes"]
    assert len(cache) == 1
    client.get("/admin/surveys/after-order")
    assert len(cache) == 1                                        # nothing changed: the same themes
    session.add(SurveyResponse(site_id=site.pk, survey_id="after-order", response_id="new", kind="nps", score=2,
                               comment="late again"))
    session.commit()
    client.get("/admin/surveys/after-order")
    assert len(cache) == 2


def test_csv_export_of_the_range(client: FlaskClient, session: Session, site: Site, answers: None) -> None:
    as_role(client, session, "marketer")
    response = client.get("/admin/surveys/after-order.csv")
    assert response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    response.close()
    assert len(rows) == 20 and {r["kind"] for r in rows} == {"nps"}
    assert sorted(int(r["score"]) for r in rows) == sorted([0, 3, 6, 9, 10] * 4)
    everything = client.get("/admin/surveys/after-order.csv?from=&to=")
    assert everything.get_data(as_text=True).count("\n") == 22   # header and 21 rows
    everything.close()


@pytest.mark.parametrize("query", ["from=2026-13-01", "from=yesterday", "from=2026-11-10&to=2026-11-01",
                                   "group=promoters", "page=0", "page=x", "q=%00"])
def test_bad_input_is_a_400(client: FlaskClient, session: Session, site: Site, query: str) -> None:
    as_role(client, session, "marketer")
    assert client.get(f"/admin/surveys/after-order?{query}").status_code == 400


def test_unknown_and_other_sites_surveys_are_404(client: FlaskClient, session: Session, site: Site) -> None:
    as_role(client, session, "marketer")
    assert client.get("/admin/surveys/nope").status_code == 404
    assert client.get("/admin/surveys/elsewhere").status_code == 404
    assert client.get("/admin/surveys/elsewhere.csv").status_code == 404


def test_a_survey_without_answers_and_another_sites_list(client: FlaskClient, session: Session,
                                                             site: Site) -> None:
    as_role(client, session, "marketer")
    page = html(client.get("/admin/surveys/quiz-help"))
    assert "No response in this range." in page and "Too few comments" in page
    make_site(session, key="pk_two", name="Second shop")
    second = html(client.get("/admin/surveys?site=pk_two"))
    assert "Would you recommend us?" in second and "Did the quiz help?" not in second   # quiz-help: pk_test only


def test_figures_are_reused_for_a_minute(client: FlaskClient, session: Session, site: Site, answers: None,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    as_role(client, session, "marketer")
    assert "20" in html(client.get("/admin/surveys/after-order"))
    session.add(SurveyResponse(site_id=site.pk, survey_id="after-order", response_id="late", kind="nps", score=1))
    session.commit()
    tile = r'<span class="num">(\d+)</span><span>responses</span>'
    assert re.findall(tile, html(client.get("/admin/surveys/after-order"))) == ["20"]
    monkeypatch.setattr(admin_surveys, "FIGURES_SECONDS", 0.0)
    assert re.findall(tile, html(client.get("/admin/surveys/after-order"))) == ["21"]


def test_the_customers_page_lists_their_survey_answers(client: FlaskClient, session: Session, site: Site,
                                                       answers: None) -> None:
    visitor = Visitor(site_id=site.pk, anon_id="a-c1", customer_id="c1")
    session.add(visitor)
    session.add(Customer(site_id=site.pk, customer_id="c1", traits={}))
    session.commit()
    session.add(SurveyResponse(site_id=site.pk, survey_id="quiz-help", response_id="v1", kind="csat", score=4,
                               visitor_id=visitor.id, comment="the quiz was quick"))   # before they identified
    session.commit()
    as_role(client, session, "marketer")
    page = html(client.get("/admin/customers/c1"))
    answers_card = re.search(r'id="surveys".*?</section>', page, re.S)
    assert answers_card is not None
    card = answers_card.group(0)
    assert "Would you recommend us?" in card and COMMENTS[0] in card     # by customer id
    assert "Did the quiz help?" in card and "the quiz was quick" in card  # by their visitor
    assert card.index("the quiz was quick") < card.index(COMMENTS[0])     # newest first
    session.add(Customer(site_id=site.pk, customer_id="c2", traits={}))
    session.commit()
    assert "No survey answered." in html(client.get("/admin/customers/c2"))


def edit(client: FlaskClient, text: str, token: str | None = None) -> Any:
    token = token if token is not None else csrf(client, "/admin/surveys/quiz-help/edit")
    return client.post("/admin/surveys/quiz-help/edit", data={"text": text, "csrf_token": token})


def test_the_editor_saves_only_a_file_without_errors(client: FlaskClient, app: Flask, session: Session,
                                                     site: Site) -> None:
    as_role(client, session, "marketer")
    registry = get_registry(app)
    path = registry.path_of("quiz-help")
    assert path is not None
    page = html(client.get("/admin/surveys/quiz-help/edit"))
    assert "How satisfied are you with the quiz?" in page and 'name="csrf_token"' in page
    broken = CSAT_SURVEY.replace("type: csat", "type: csta")
    response = edit(client, broken)
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    assert "Not saved: 1 error" in text and "line 5:" in text and "csat" in text   # where, and a did-you-mean
    assert path.read_text() == CSAT_SURVEY and registry.get("quiz-help").title == "Did the quiz help?"
    renamed = edit(client, CSAT_SURVEY.replace("id: quiz-help", "id: quiz-help-2"))
    assert renamed.status_code == 422 and "keeps its id" in renamed.get_data(as_text=True)
    saved = edit(client, CSAT_SURVEY.replace("Did the quiz help?", "Was the quiz useful?"))
    assert saved.status_code == 302
    assert "Was the quiz useful?" in path.read_text() and registry.get("quiz-help").title == "Was the quiz useful?"
    assert not [p for p in path.parent.iterdir() if p.name.startswith(".")]      # no temporary file left


def test_the_editor_needs_the_role_and_the_csrf_token(client: FlaskClient, app: Flask, session: Session,
                                                      site: Site) -> None:
    as_role(client, session, "marketer")
    assert edit(client, CSAT_SURVEY, token="forged").status_code == 400
    assert client.get("/admin/surveys/elsewhere/edit").status_code == 404
    as_role(client, session, "merchandiser")
    assert client.get("/admin/surveys/quiz-help/edit").status_code == 403
    assert client.post("/admin/surveys/quiz-help/edit", data={"text": "x"}).status_code in (400, 403)
