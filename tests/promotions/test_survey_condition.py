"""The `survey` targeting condition: "a detractor in the last 90 days", its checks and the snapshot it reads."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlmodel import Session, select

from assistant.promotions.rules import evaluate, validate_conditions
from assistant.promotions.snapshot import SurveyScore, VisitorSnapshot, snapshot_for
from assistant.sites.models import Site
from assistant.surveys.models import SurveyResponse
from assistant.tracking.models import Visitor
from tests.promotions.helpers import track

T0 = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)
DETRACTOR_90 = {"survey": {"kind": "nps", "group": "detractor", "days": 90}}


def person(*answers: tuple[str, str, int, float]) -> VisitorSnapshot:
    """A snapshot with scored answers given newest first as (survey, kind, score, days ago)."""
    return VisitorSnapshot(surveys=tuple(SurveyScore(*a) for a in answers))


@pytest.mark.parametrize(("answers", "tree", "expected"), [
    ([("nps", "nps", 3, 10)], DETRACTOR_90, True),
    ([("nps", "nps", 6, 89.9)], DETRACTOR_90, True),
    ([("nps", "nps", 7, 10)], DETRACTOR_90, False),                    # a passive
    ([("nps", "nps", 3, 120)], DETRACTOR_90, False),                   # too long ago
    ([("nps", "nps", 10, 5), ("nps", "nps", 2, 60)], DETRACTOR_90, False),   # the latest answer counts
    ([("nps", "nps", 2, 5), ("nps", "nps", 10, 60)], DETRACTOR_90, True),
    ([("quiz", "csat", 1, 5)], DETRACTOR_90, False),                   # another kind
    ([], DETRACTOR_90, False),
    ([("nps", "nps", 2, 500)], {"survey": {"kind": "nps", "group": "detractor"}}, True),   # no days: any time
    ([("quiz", "csat", 4, 1)], {"survey": {"kind": "csat", "group": ["high"]}}, True),
    ([("quiz", "csat", 3, 1)], {"survey": {"kind": "csat", "score": {"max": 3}}}, True),
    ([("quiz", "csat", 3, 1)], {"survey": {"kind": "csat", "score": {"min": 4}}}, False),
    ([("a", "nps", 0, 1), ("b", "nps", 10, 2)], {"survey": {"kind": "nps", "group": "promoter", "survey": "b"}},
     True),
    ([("a", "nps", 0, 1)], {"survey": {"kind": "nps", "group": "promoter", "survey": ["b", "c"]}}, False),
    ([("nps", "nps", 3, 10)], {"not": DETRACTOR_90}, False),
    ([("checkout", "ces", 2, 3)], {"survey": {"kind": "ces", "group": "low", "days": 7}}, True),
])
def test_the_latest_answer_of_the_kind_decides(answers: list[tuple[str, str, int, float]], tree: dict[str, Any],
                                              expected: bool) -> None:
    assert validate_conditions(tree) == []
    assert evaluate(tree, person(*answers)) is expected


@pytest.mark.parametrize(("value", "field", "words"), [
    ({"group": "detractor"}, "conditions.survey.kind", "is required"),
    ({"kind": "stars"}, "conditions.survey.kind", "one of: nps, csat, ces"),
    ({"kind": "nps", "group": "low"}, "conditions.survey.group", "detractor, passive, promoter"),
    ({"kind": "csat", "group": "detractor"}, "conditions.survey.group", "low, neutral, high"),
    ({"kind": "nps", "group": "detractor", "score": {"max": 6}}, "conditions.survey", "not both"),
    ({"kind": "nps", "score": {"max": 11}}, "conditions.survey.score.max", "between 0 and 10"),
    ({"kind": "csat", "score": {"min": 0}}, "conditions.survey.score.min", "between 1 and 5"),
    ({"kind": "nps", "days": 0}, "conditions.survey.days", "between 1 and 3650"),
    ({"kind": "nps", "days": 2.5}, "conditions.survey.days", "whole number"),
    ({"kind": "nps", "when": 3}, "conditions.survey.when", "unknown key"),
    ({"kind": "nps", "survey": ""}, "conditions.survey.survey", "non-empty text"),
    ("detractor", "conditions.survey", "must be a mapping"),
])
def test_bad_values_name_the_field(value: Any, field: str, words: str) -> None:
    problems = validate_conditions({"survey": value})
    assert any(p.field == field and words in p.message for p in problems), problems


def test_the_snapshot_reads_the_persons_answers_newest_first(session: Session, site: Site) -> None:
    track(session, site, "visitor-s1", T0, {"type": "page_view", "page": "https://shop.example/"})
    visitor_id = session.exec(select(Visitor.id).where(Visitor.anon_id == "visitor-s1")).one()
    for n, (score, days) in enumerate([(9, 100), (2, 30), (None, 1)]):
        at = T0 - timedelta(days=days)
        session.add(SurveyResponse(site_id=site.pk, survey_id="after-order", response_id=f"s{n}", kind="nps",
                                   score=score, visitor_id=visitor_id, created_at=at, updated_at=at))
    session.add(SurveyResponse(site_id=site.pk, survey_id="after-order", response_id="other", kind="nps", score=0,
                               visitor_id=(visitor_id or 0) + 999, created_at=T0, updated_at=T0))
    session.commit()
    snapshot = snapshot_for(session=session, site=site, anon_id="visitor-s1", now=T0)
    assert [(a.score, round(a.days_ago)) for a in snapshot.surveys] == [(2, 30), (9, 100)]
    assert evaluate(DETRACTOR_90, snapshot)
    assert not evaluate({"survey": {"kind": "nps", "group": "detractor", "days": 14}}, snapshot)
