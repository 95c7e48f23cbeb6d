"""GET /surveys: the survey (at most one) to offer this visitor now; POST /surveys/<id>/responses: its answers."""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify, request

from assistant.api import bp
from assistant.api.body import json_body
from assistant.api.contract import SITE_ERRORS, Answer, Operation, documented
from assistant.api.control import CONTROL, held_out
from assistant.api.documents import SiteQuery, SurveyOffer, SurveyPost, SurveySaved, SurveysQuery
from assistant.api.limits import limit_events
from assistant.api.locale import survey_in_page_language, widget_words
from assistant.api.origins import current_site
from assistant.db import get_session, write_transaction
from assistant.errors import Invalid, NotFound
from assistant.numbers import MAX_COUNT, NotANumber, whole_number
from assistant.promotions.snapshot import page_path, snapshot_for
from assistant.surveys.eligibility import PLACEMENTS, Ask, choose_survey, may_offer
from assistant.surveys.registry import get_registry
from assistant.surveys.responses import CLIENT_ID, DEVICES, read_post, save_answers
from assistant.surveys.schema import Question, Survey
from assistant.timeutil import utcnow


@bp.get("/surveys")
@documented(Operation("The survey (at most one) to offer this visitor now", tag="surveys", query=SurveysQuery,
                      answers={200: Answer("The survey, or null", SurveyOffer)}, errors=(*SITE_ERRORS, 429)))
@limit_events
def surveys() -> Response:
    """?visitor=&page=URL&placement=&device=&lang=&views=N: {"survey": null} or the survey to show."""
    site = current_site()
    args = request.args
    visitor = args.get("visitor", "")
    if not CLIENT_ID.match(visitor):
        raise Invalid("must be the widget's visitor id (8-64 letters, digits or _.:-)", field="visitor")
    ask = _ask(args.get("placement", ""), args.get("page", ""), args.get("views"), args.get("lang", ""))
    device = args.get("device", "desktop")
    if device not in DEVICES:
        raise Invalid(f"must be one of: {', '.join(DEVICES)}", field="device")
    surveys = get_registry().surveys()
    if not may_offer(surveys, site_key=site.key, ask=ask):
        return jsonify({"survey": None})  # nothing for this page and placement: no query at all
    session, now = get_session(), utcnow()
    if held_out(site, visitor, session):
        return jsonify({"survey": None, **CONTROL})
    snapshot = snapshot_for(session=session, site=site, anon_id=visitor, page=args.get("page", ""), device=device,
                            now=now)
    chosen = choose_survey(session=session, site=site, surveys=surveys, snapshot=snapshot, ask=ask, now=now)
    shown = public_survey(survey_in_page_language(chosen), ask.placement) if chosen else None
    return jsonify({"survey": shown and {**shown, "i18n": widget_words()}})


@bp.post("/surveys/<survey_id>/responses")
@documented(Operation(
    "Answers to a survey (posted again with the same response_id, merged)", tag="surveys", query=SiteQuery,
    path={"survey_id": "The survey's id"}, body=SurveyPost,
    body_example={"response_id": "r-0123456789", "visitor": "v-0123456789", "answers": {"nps": 9}, "complete": True},
    answers={201: Answer("Created", SurveySaved), 200: Answer("Merged into the earlier post", SurveySaved)},
    errors=(*SITE_ERRORS, 409, 413, 429)))
@limit_events
def responses(survey_id: str) -> tuple[Response, int]:
    """{response_id, visitor, answers, complete, page, placement, device, lang}: 201 created, 200 merged."""
    site = current_site()
    survey = get_registry().get(survey_id[:64])
    if not survey.offered_to(site.key):
        raise NotFound(f"no survey has the id '{survey.id}'", field="survey")  # as an unknown one
    post = read_post(survey, json_body())
    session = get_session()
    with write_transaction(session):
        saved = save_answers(session=session, site=site, survey=survey, post=post,
                             user_agent=request.headers.get("User-Agent", ""), now=utcnow())
    body = {"response_id": saved.response.response_id, "complete": saved.response.complete,
            "follow_ups": saved.follow_ups}
    return jsonify(body), 201 if saved.created else 200


def _ask(placement: str, page: str, views: str | None, lang: str) -> Ask:
    if placement not in PLACEMENTS:
        raise Invalid(f"must be one of: {', '.join(PLACEMENTS)}", field="placement")
    if len(page) > 2000:
        raise Invalid("must be a URL of at most 2000 characters", field="page")
    if len(lang) > 35:
        raise Invalid("must be a language tag (at most 35 characters)", field="lang")
    count = 0
    if views is not None and views != "":
        try:
            count = whole_number(views, high=MAX_COUNT)
        except NotANumber as exc:
            raise Invalid(f"must be the number of product views in the visit: {exc}", field="views") from None
    elif placement == "product_views":
        raise Invalid("is required with placement=product_views", field="views")
    return Ask(placement, page_path(page), count, lang)


def public_survey(survey: Survey, placement: str) -> dict[str, Any]:
    """What the widget needs to show `survey`: texts, points with labels, choices, follow-up conditions."""
    return {"id": survey.id, "title": survey.title, "locale": survey.locale, "placement": placement,
            "thanks": survey.thanks, "questions": [public_question(survey, q) for q in survey.questions]}


def public_question(survey: Survey, question: Question) -> dict[str, Any]:
    """One question's public shape; the fields of other kinds are left out."""
    shape: dict[str, Any] = {"id": question.id, "type": question.type, "text": question.text}
    if question.type == "csat":
        shape["style"] = question.style
    if question.scale is not None:
        shape["points"] = points(question)
    if question.type in ("single", "multi"):
        shape["choices"] = [{"id": c.id, "text": c.text} for c in question.choices]
    if question.type == "text":
        shape["max_length"], shape["placeholder"] = question.max_length, question.placeholder
    show_if = question.show_if
    target = survey.question(show_if.question) if show_if else None
    shape["show_if"] = ({"question": show_if.question, "scores": sorted(show_if.score_set(target.type))}
                        if show_if and target else None)
    return shape


def points(question: Question) -> list[dict[str, Any]]:
    """Every score of a scored question with its label: NPS labels its two ends only, CSAT and CES every point."""
    scale, labels = question.scale or range(0), question.point_labels
    if question.type == "nps":
        ends = {scale.start: labels[0], scale.stop - 1: labels[-1]} if labels else {}
        return [{"value": v, "label": ends.get(v, "")} for v in scale]
    return [{"value": v, "label": labels[i] if i < len(labels) else ""} for i, v in enumerate(scale)]
