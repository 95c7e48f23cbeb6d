"""The quiz: start, state, answer, back, results.

A step that writes does its whole work on one pooled connection in one transaction (`rawsql.writing`):
read the quiz row, write it back, commit, without a SQLAlchemy session; a step that only reads takes a
pooled connection for its one read.
"""

from __future__ import annotations

from json.encoder import encode_basestring_ascii as _quoted

from flask import Response, current_app, jsonify
from sqlalchemy.engine import Engine

from assistant.api import bp
from assistant.api.body import json_body, text_field
from assistant.api.contract import SITE_ERRORS, Answer, Operation, documented
from assistant.api.documents import QuizAnswer, QuizResults, QuizStart, QuizState, SiteQuery
from assistant.api.locale import in_page_language, localized_state
from assistant.api.origins import current_site
from assistant.api.results_cache import answers_key, get_results_cache, get_shared_results
from assistant.api.shapes import results_parts, state_public
from assistant.api.shared_results import shared_key
from assistant.catalog.indexes import get_indexes
from assistant.db import get_engine
from assistant.errors import Invalid, NotFound
from assistant.flows import quiz as quizzes
from assistant.flows.experiments import serve
from assistant.flows.quiz_store import StoredQuiz
from assistant.flows.registry import get_registry
from assistant.flows.schema import Flow
from assistant.flows.site_flows import site_flow
from assistant.merchandising.rules import rules_for_site
from assistant.rawsql import RawSQL, writing
from assistant.sites.control import InControlGroup, visitor_in_control

QUIZ = {"quiz_id": "The quiz id `POST /quiz` answered"}
STATE = {200: Answer("Where the quiz stands: the next question (null when done), answers so far, progress", QuizState)}
LINKS = {name: {"operationId": op, "parameters": {"quiz_id": "$response.body#/quiz", "site": "$request.query.site"}}
         for name, op in (("state", "show"), ("answer", "answer"), ("back", "back"), ("results", "results"))}


@bp.post("/quiz")
@documented(Operation(
    "Start a quiz", tag="quiz", query=SiteQuery, body=QuizStart, body_example={"flow": "running-shoes"},
    answers={201: Answer("Started: its first question", QuizState)}, errors=(*SITE_ERRORS, 413), links={201: LINKS}))
def start() -> tuple[Response, int]:
    """Start a quiz session: body {flow, visitor?, page?, fresh?} (fresh: carry no answers over from an earlier run);
    403 (code "control") for a visitor in the site's control group."""
    site = current_site()
    data = json_body()
    registry = get_registry()
    flow = site_flow(registry, site.key, text_field(data, "flow", max_length=64) or "")
    visitor = text_field(data, "visitor", required=False, max_length=64)
    page = text_field(data, "page", required=False, max_length=2000) or ""
    fresh = data.get("fresh", False)
    if not isinstance(fresh, bool):
        raise Invalid("must be true or false", field="fresh")
    with writing(get_engine()) as sql:
        if visitor_in_control(session=sql, site=site, anon_id=visitor):  # its /flows listed none: no launcher to press
            raise InControlGroup("is in the site's control group, which is shown no quiz", field="visitor")
        served = serve(registry, site.key, flow, visitor)  # in memory: the flow's experiment, if it runs one
        state = quizzes.start_quiz(db=sql, site=site, flow=flow, visitor_id=visitor, page=page, fresh=fresh,
                                   served=served)
    return jsonify(state_public(localized_state(state))), 201


@bp.get("/quiz/<quiz_id>")
@documented(Operation("Where the quiz stands", tag="quiz", query=SiteQuery, path=QUIZ, answers=STATE))
def show(quiz_id: str) -> Response:
    """The current question and progress."""
    quiz, flow = _load(quiz_id, get_engine())
    return jsonify(state_public(localized_state(quizzes.state_of(quiz, flow))))


@bp.post("/quiz/<quiz_id>/answers")
@documented(Operation("Answer the current question, or change an earlier one", tag="quiz", query=SiteQuery, path=QUIZ,
                      body=QuizAnswer, body_example={"question": "terrain", "value": "road"}, answers=STATE,
                      errors=(*SITE_ERRORS, 413)))
def answer(quiz_id: str) -> Response:
    """Answer the current question (or change an earlier one): body {question, value}."""
    data = json_body()
    if "value" not in data:
        raise Invalid("is required (null skips an optional question)", field="value")
    with writing(get_engine()) as sql:
        quiz, flow = _load(quiz_id, sql)
        state = quizzes.answer_quiz(db=sql, quiz=quiz, flow=flow, question_id=data.get("question"), value=data["value"])
    return jsonify(state_public(localized_state(state)))


@bp.post("/quiz/<quiz_id>/back")
@documented(Operation("Go back one question", tag="quiz", query=SiteQuery, path=QUIZ, answers=STATE))
def back(quiz_id: str) -> Response:
    """Go back one question."""
    with writing(get_engine()) as sql:
        quiz, flow = _load(quiz_id, sql)
        state = quizzes.go_back(db=sql, quiz=quiz, flow=flow)
    return jsonify(state_public(localized_state(state)))


@bp.get("/quiz/<quiz_id>/results")
@documented(Operation("Ranked products for the answers so far, with reasons", tag="quiz", query=SiteQuery, path=QUIZ,
                      answers={200: Answer("The products, best first; which answers were relaxed", QuizResults)}))
def results(quiz_id: str) -> Response:
    """Ranked products for the answers so far, with reasons (in the page's language)."""
    quiz, flow = _load(quiz_id, get_engine())
    flow = in_page_language(flow)  # the same object per locale, so the results cache below stays warm
    rules = rules_for_site(current_app.extensions["assistant"]["settings"].merch_rules, current_site().key)
    index = get_indexes().get(quiz.site_id)
    cache, key, inputs = get_results_cache(), (quiz.site_id, flow.id, answers_key(quiz.answers)), (index, flow, rules)
    parts = cache.find(key, inputs)
    if parts is None:
        def compute() -> tuple[str, str]:
            result = quizzes.quiz_results(index=index, quiz=quiz, flow=flow, rules=rules)
            return results_parts(result, explain=flow.results.explain)

        shared = get_shared_results()
        parts = cache.keep(key, inputs, compute() if shared is None else
                           shared.get_or_compute(shared_key(quiz.site_id, index, flow, rules, key[2]), compute))
    return Response(parts[0] + _quoted(quiz.id) + parts[1], content_type="application/json")


def _load(quiz_id: str, source: RawSQL | Engine) -> tuple[StoredQuiz, Flow]:
    """The quiz and its flow: read in the write's transaction for a step that writes, else (an engine) on a
    pooled connection of its own."""
    site = current_site()
    quiz = quizzes.get_quiz(db=source, site=site, quiz_id=quiz_id)
    if quiz.variant is not None:  # an experiment's variant; if it has ended since, the flow itself carries on
        try:
            return quiz, site_flow(get_registry(), site.key, quiz.variant)
        except NotFound:
            pass
    return quiz, site_flow(get_registry(), site.key, quiz.flow_id)
