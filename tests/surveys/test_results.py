"""surveys.results against figures computed by hand on rows inserted here, on SQLite and PostgreSQL."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from itertools import count

import pytest
from sqlmodel import Session

from assistant.sites.models import Site
from assistant.surveys import results
from assistant.surveys.models import SurveyResponse
from assistant.surveys.results import Window
from assistant.tracking.models import Event

_ids = count(1)
WED = datetime(2026, 11, 4, 12, tzinfo=UTC)    # the week of Monday 2026-11-02
SUN = datetime(2026, 11, 8, 23, 30, tzinfo=UTC)  # still that week
MON = datetime(2026, 11, 9, 0, 30, tzinfo=UTC)   # the next one


def answer(session: Session, site: Site, score: int | None, *, survey: str = "nps-survey", kind: str = "nps",
           segment: str | None = None, at: datetime = WED, comment: str | None = None, device: str = "desktop",
           visitor_id: int | None = None, customer_id: str | None = None) -> None:
    session.add(SurveyResponse(site_id=site.pk, survey_id=survey, response_id=f"r{next(_ids)}", kind=kind,
                               score=score, segment=segment, created_at=at, updated_at=at, comment=comment,
                               device=device, page="/checkout", visitor_id=visitor_id, customer_id=customer_id))


def shown(session: Session, site: Site, survey: str, times: int, at: datetime = WED) -> None:
    for _ in range(times):
        session.add(Event(site_id=site.pk, client_id=f"e{next(_ids)}", visitor_id=1, type="survey_shown", ref=survey,
                          occurred_at=at, received_at=at))


@pytest.fixture
def nps_rows(session: Session, site: Site) -> None:
    """Champions 10, 10, 9, 5 (NPS 50); at risk 0, 7, 8, 10 (NPS 0); together 4 promoters, 2 detractors of 8."""
    for score in (10, 10, 9, 5):
        answer(session, site, score, segment="champions", at=WED)
    for score, at in ((0, SUN), (7, MON), (8, MON), (10, MON)):
        answer(session, site, score, segment="at_risk", at=at, device="mobile")
    answer(session, site, 3, survey="other", segment="champions")  # another survey: never counted here
    session.commit()


def test_nps_of_the_whole_range_and_its_interval_by_hand(session: Session, site: Site, nps_rows: None) -> None:
    counts = results.score_counts(session=session, site_id=site.pk, survey_id="nps-survey", kind="nps",
                                  window=Window())
    assert counts == {"": {10: 3, 9: 1, 5: 1, 0: 1, 7: 1, 8: 1}}
    figures = results.figures_of("", "nps", counts[""])
    assert figures.nps is not None and figures.nps.value == 25.0
    half = 1.959964 * math.sqrt((0.5 + 0.25 - 0.25 ** 2) / 8) * 100   # var of the +1/0/-1 score: p + q - (p - q)^2
    assert figures.nps.low == pytest.approx(25 - half, abs=1e-3)
    assert figures.nps.high == pytest.approx(25 + half, abs=1e-3)


def test_by_segment_with_the_difference_to_the_rest(session: Session, site: Site, nps_rows: None) -> None:
    rows = results.breakdown(session=session, site_id=site.pk, survey_id="nps-survey", kind="nps", window=Window(),
                             by="segment")
    by_key = {r.key: r for r in rows}
    assert set(by_key) == {"champions", "at_risk"}
    assert by_key["champions"].nps is not None and by_key["champions"].nps.value == 50.0
    assert by_key["at_risk"].nps is not None and by_key["at_risk"].nps.value == 0.0
    versus = by_key["champions"].versus_rest
    assert versus is not None and versus.value == 50.0   # 50 - 0: the rest is exactly the at_risk group here
    # se = sqrt(var_a / 4 + var_b / 4): champions p=.75 q=.25 var=1-.25=.75; at risk p=q=.25 var=.5
    half = 1.959964 * math.sqrt(0.75 / 4 + 0.5 / 4) * 100
    assert versus.low == pytest.approx(50 - half, abs=1e-3) and versus.high == pytest.approx(50 + half, abs=1e-3)


def test_by_week_starts_on_monday_utc(session: Session, site: Site, nps_rows: None) -> None:
    rows = results.breakdown(session=session, site_id=site.pk, survey_id="nps-survey", kind="nps", window=Window(),
                             by="week")
    assert [(r.key, r.n) for r in rows] == [("2026-11-02", 5), ("2026-11-09", 3)]
    assert rows[1].nps is not None and rows[1].nps.value == pytest.approx(100 / 3)  # 7, 8, 10: one promoter of 3


def test_by_device_and_the_window(session: Session, site: Site, nps_rows: None) -> None:
    window = Window(start=SUN, end=MON + timedelta(hours=1))
    rows = results.breakdown(session=session, site_id=site.pk, survey_id="nps-survey", kind="nps", window=window,
                             by="device")
    assert [(r.key, r.n) for r in rows] == [("mobile", 4)]
    before = Window(end=MON)
    rows = results.breakdown(session=session, site_id=site.pk, survey_id="nps-survey", kind="nps", window=before,
                             by="device")
    assert sorted((r.key, r.n) for r in rows) == [("desktop", 4), ("mobile", 1)]


def test_csat_and_ces_headlines_and_the_response_rate(session: Session, site: Site) -> None:
    for score in (5, 4, 4, 2, 1):   # 3 of 5 satisfied
        answer(session, site, score, survey="quiz", kind="csat")
    for score in (7, 5, 3, 1):      # mean 4, 2 of 4 agreeing
        answer(session, site, score, survey="checkout", kind="ces")
    shown(session, site, "quiz", 10)
    shown(session, site, "checkout", 2)   # fewer shown than answered: no rate rather than a wrong one
    session.commit()
    lines = results.overview(session=session, site_id=site.pk, window=Window(),
                             surveys=[("quiz", "csat"), ("checkout", "ces"), ("silent", "nps")])
    quiz, checkout, silent = lines
    assert (quiz.responses, quiz.shown) == (5, 10)
    assert quiz.rate is not None and quiz.rate.value == 0.5
    assert quiz.figures.csat is not None and quiz.figures.csat.value == 0.6
    assert checkout.rate is None and checkout.shown == 2
    assert checkout.figures.ces is not None and checkout.figures.ces.mean.value == 4.0
    assert checkout.figures.ces.agreeing.value == 0.5
    assert silent.responses == 0 and silent.rate is None and silent.figures.nps is not None
    assert silent.figures.nps.value is None


def test_comments_filtered_by_group_and_text_and_paged(session: Session, site: Site) -> None:
    answer(session, site, 2, comment="Delivery was 100% late", at=WED)
    answer(session, site, 10, comment="Fast delivery, thanks", at=SUN)
    answer(session, site, 9, comment="great sizes", at=MON)
    answer(session, site, 4, comment="", at=MON)       # an empty comment is no comment
    answer(session, site, 6, comment=None, at=MON)
    session.commit()
    args = {"session": session, "site_id": site.pk, "survey_id": "nps-survey", "window": Window()}
    page = results.comments(**args, size=2)
    assert page.total == 3 and page.pages == 2 and [r["score"] for r in page.rows] == [9, 10]
    assert [r["score"] for r in results.comments(**args, size=2, number=2).rows] == [2]
    assert [r["score"] for r in results.comments(**args, search="DELIVERY").rows] == [10, 2]
    assert [r["score"] for r in results.comments(**args, search="100%").rows] == [2]
    assert results.comments(**args, search="0_").total == 0         # _ and % are literal, not wildcards
    detractors = results.score_group("nps", "detractor")
    assert [r["score"] for r in results.comments(**args, scores=detractors).rows] == [2]
    with pytest.raises(ValueError, match="not a score group"):
        results.score_group("nps", "low")


def test_export_rows_and_a_persons_answers(session: Session, site: Site) -> None:
    answer(session, site, 9, comment="=cmd", at=WED, visitor_id=7)
    answer(session, site, 3, at=MON, customer_id="c1")
    answer(session, site, 5, at=SUN, visitor_id=8)
    session.commit()
    rows = list(results.export_rows(session=session, site_id=site.pk, survey_id="nps-survey", window=Window()))
    assert [r["score"] for r in rows] == [9, 5, 3] and rows[0]["comment"] == "=cmd"
    mine = results.person_answers(session=session, site_id=site.pk, visitor_ids=[7], customer_id="c1")
    assert [(r["survey_id"], r["score"]) for r in mine] == [("nps-survey", 3), ("nps-survey", 9)]


def test_the_report_of_one_scan_equals_the_separate_queries(session: Session, site: Site, nps_rows: None) -> None:
    answer(session, site, None, comment="no score yet")   # counted as a response, not in the figures
    session.commit()
    shown(session, site, "nps-survey", 12)
    session.commit()
    args = {"session": session, "site_id": site.pk, "survey_id": "nps-survey", "kind": "nps", "window": Window()}
    report = results.report(**args)
    for by in results.DIMENSIONS:
        assert report.tables[by] == results.breakdown(**args, by=by), by
    line = results.overview(session=session, site_id=site.pk, surveys=[("nps-survey", "nps")], window=Window())[0]
    assert report.line == line
    assert (line.responses, line.shown, line.figures.n) == (9, 12, 8)
