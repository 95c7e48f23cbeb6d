"""Answers to a survey: checked against its questions, merged into one row per response id, idempotently.

The widget saves the score the moment it is tapped and the comment after, under the same response id:
each post adds its answers to the stored ones (a later score replaces an earlier one), `complete` stays
true once sent, and a post that changes nothing writes nothing. The first post also records a
`survey_answered` event through the tracking path, so recontact and the response rate count it.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from assistant.errors import Conflict, Invalid
from assistant.insight.serving import customer_keys, figures_for
from assistant.promotions.snapshot import page_path
from assistant.sites.models import Site
from assistant.surveys.eligibility import PLACEMENTS
from assistant.surveys.models import SurveyResponse
from assistant.surveys.schema import Question, Survey
from assistant.tracking.identity import person_visitor_ids
from assistant.tracking.reads import find_visitor
from assistant.tracking.service import record_events

CLIENT_ID = re.compile(r"^[A-Za-z0-9_.:-]{8,64}$")
DEVICES = ("desktop", "mobile", "tablet")


@dataclass(frozen=True)
class ResponseIn:
    """One post of answers, its fields already checked (see `read_post`)."""

    response_id: str
    visitor: str
    answers: dict[str, Any]
    complete: bool = False
    page: str = ""
    placement: str = "page"
    device: str = "desktop"
    lang: str | None = None


@dataclass
class Saved:
    """What a post did: the response, whether it created it, and the follow-ups its scores ask."""

    response: SurveyResponse
    created: bool
    follow_ups: list[str] = field(default_factory=list)


def read_post(survey: Survey, body: dict[str, Any]) -> ResponseIn:
    """The post's fields, each checked; Invalid names the first bad one (answers as `answers.<question id>`)."""
    response_id = _client_id(body.get("response_id"), "response_id")
    visitor = _client_id(body.get("visitor"), "visitor")
    complete = body.get("complete", False)
    if not isinstance(complete, bool):
        raise Invalid("must be true or false", field="complete")
    placement = _choice(body.get("placement", "page"), PLACEMENTS, "placement")
    device = _choice(body.get("device", "desktop"), DEVICES, "device")
    page, lang = _text(body.get("page", ""), 2000, "page"), _text(body.get("lang", ""), 35, "lang")
    return ResponseIn(response_id, visitor, check_answers(survey, body.get("answers", {})), complete,
                      page_path(page)[:500], placement, device, lang or None)


def check_answers(survey: Survey, answers: Any) -> dict[str, Any]:
    """`answers` (question id -> value) checked against the survey's questions; Invalid for the first bad one."""
    if not isinstance(answers, dict):
        raise Invalid("must be an object: question id -> answer", field="answers")
    for question_id, value in answers.items():
        question = survey.question(question_id)
        if question is None:
            raise Invalid(f"the survey '{survey.id}' has no question '{question_id[:64]}'",
                          field=f"answers.{question_id[:64]}")
        reason = answer_problem(question, value)
        if reason:
            raise Invalid(reason, field=f"answers.{question_id}")
    return dict(answers)


def answer_problem(question: Question, value: Any) -> str | None:
    """Why `value` is not an answer to `question`, or None when it is."""
    if question.scale is not None:
        scale = question.scale
        if not isinstance(value, int) or isinstance(value, bool) or value not in scale:
            return f"must be a whole score from {scale.start} to {scale.stop - 1}"
    elif question.type == "single":
        if not isinstance(value, str) or question.choice(value) is None:
            return f"must be one of the choice ids: {', '.join(c.id for c in question.choices)}"
    elif question.type == "multi":
        if not isinstance(value, list) or not all(isinstance(v, str) and question.choice(v) for v in value) \
                or len(set(value)) != len(value):
            return f"must be a list of distinct choice ids among: {', '.join(c.id for c in question.choices)}"
    elif not isinstance(value, str) or len(value) > question.max_length:
        return f"must be a text of at most {question.max_length} characters"
    return None


def follow_ups(survey: Survey, answers: dict[str, Any]) -> list[str]:
    """The ids of the follow-up questions the scores in `answers` ask, in file order."""
    scores = scores_of(survey, answers)
    return [q.id for q in survey.questions if q.show_if is not None and survey.shows(q, scores)]


def scores_of(survey: Survey, answers: dict[str, Any]) -> dict[str, int]:
    """The answers to the survey's scored questions."""
    return {q.id: answers[q.id] for q in survey.questions if q.scored and isinstance(answers.get(q.id), int)}


def save_answers(*, session: Session, site: Site, survey: Survey, post: ResponseIn, user_agent: str,
                 now: datetime) -> Saved:
    """Create or merge the response `post.response_id` (Conflict if it answers another survey); the caller commits."""
    row = _stored(session, site, post.response_id)
    if row is not None and row.survey_id != survey.id:
        raise Conflict(f"response '{post.response_id}' answers another survey", field="response_id")
    _check_shown(survey, post.answers, row.answers if row else {})
    created = row is None
    if row is None:
        _record_answered(session, site, survey, post, user_agent, now)
        row = _new_row(session, site, survey, post, now)
        try:
            with session.begin_nested():
                session.add(row)
        except IntegrityError:  # the same response id posted at the same moment by a retry: merge into it
            row, created = _stored(session, site, post.response_id), False
            if row is None or row.survey_id != survey.id:
                raise Conflict(f"response '{post.response_id}' answers another survey", field="response_id") from None
    if not created:
        _merge(row, survey, post, now)
        session.add(row)
    session.flush()
    return Saved(row, created, follow_ups(survey, row.answers))


def _stored(session: Session, site: Site, response_id: str) -> SurveyResponse | None:
    query = select(SurveyResponse).where(SurveyResponse.site_id == site.id, SurveyResponse.response_id == response_id)
    return session.exec(query).first()


def _check_shown(survey: Survey, answers: dict[str, Any], stored: dict[str, Any]) -> None:
    """A follow-up may be answered only when the scores (this post's over the stored ones) ask it."""
    scores = scores_of(survey, {**stored, **answers})
    for question_id in answers:
        question = survey.question(question_id)
        if question is not None and not survey.shows(question, scores):
            raise Invalid(f"is asked only after a score that shows it (show_if on '{question.show_if.question}')"
                          if question.show_if else "is not asked", field=f"answers.{question_id}")


def _new_row(session: Session, site: Site, survey: Survey, post: ResponseIn, now: datetime) -> SurveyResponse:
    visitor = find_visitor(session=session, site=site, anon_id=post.visitor)
    customer_id = visitor.customer_id if visitor else None
    segment = None
    if visitor is not None:
        ids = person_visitor_ids(session=session, visitor=visitor)
        found = figures_for(session=session, site_id=site.pk, keys=customer_keys(customer_id=customer_id,
                                                                                   visitor_ids=ids))
        segment = found.segment[:40] if found and found.segment else None
    row = SurveyResponse(site_id=site.pk, survey_id=survey.id, response_id=post.response_id,
                         visitor_id=visitor.id if visitor else None, customer_id=customer_id, segment=segment,
                         page=post.page, placement=post.placement, device=post.device, locale=post.lang,
                         answers={}, created_at=now, updated_at=now)
    _apply(row, survey, post.answers, post.complete)
    return row


def _merge(row: SurveyResponse, survey: Survey, post: ResponseIn, now: datetime) -> None:
    merged = {**row.answers, **post.answers}
    complete = row.complete or post.complete
    if merged != row.answers or complete != row.complete:
        _apply(row, survey, merged, complete)
        row.updated_at = now


def _apply(row: SurveyResponse, survey: Survey, answers: dict[str, Any], complete: bool) -> None:
    """Set the answers and what the results count them by: the first scored question's kind and score, the
    first text answer as the comment."""
    row.answers = dict(answers)  # a new object: the JSON column is not tracked for changes in place
    row.complete = complete
    scored = next((q for q in survey.questions if q.scored), None)
    row.kind = scored.type if scored else None
    row.score = answers.get(scored.id) if scored else None
    texts = [answers[q.id] for q in survey.questions if q.type == "text" and answers.get(q.id)]
    row.comment = texts[0] if texts else None


def _record_answered(session: Session, site: Site, survey: Survey, post: ResponseIn, user_agent: str,
                     now: datetime) -> None:
    """The `survey_answered` event, once per response (its event id is made from the response id)."""
    event_id = "sa:" + hashlib.sha256(post.response_id.encode()).hexdigest()[:32]
    event = {"id": event_id, "type": "survey_answered", "survey_id": survey.id, "response_id": post.response_id,
             "placement": post.placement, "page": post.page}
    record_events(session=session, site=site, batch={"visitor": post.visitor, "events": [event]},
                  user_agent=user_agent, now=now)


def _client_id(value: Any, name: str) -> str:
    if not isinstance(value, str) or not CLIENT_ID.match(value):
        raise Invalid("must be 8-64 letters, digits or _.:-", field=name)
    return value


def _choice(value: Any, allowed: tuple[str, ...], name: str) -> str:
    if value not in allowed:
        raise Invalid(f"must be one of: {', '.join(allowed)}", field=name)
    return str(value)


def _text(value: Any, longest: int, name: str) -> str:
    if not isinstance(value, str) or len(value) > longest:
        raise Invalid(f"must be a text of at most {longest} characters", field=name)
    return value
