"""Quiz sessions: start, answer, go back, results; answers are stored so a shopper can resume."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session

from assistant.catalog.index import CatalogIndex
from assistant.errors import Invalid, NotFound
from assistant.flows import ranking
from assistant.flows.answers import Answers, give_answer, next_question, progress
from assistant.flows.engine import ResultSet
from assistant.flows.experiments import Served
from assistant.flows.quiz_store import StoredQuiz, earlier_answers, find_quiz, insert_quiz, save_answers
from assistant.flows.schema import Flow, Question
from assistant.merchandising.rules import Rule
from assistant.rawsql import RawSQL
from assistant.sites.models import Site

QUIZ_ID = re.compile(r"[0-9a-f]{32}")
"""What quiz ids look like (uuid4().hex); anything else is no quiz, without a query."""


@dataclass
class QuizState:
    """Where a quiz stands: the next question (None when done) and progress."""

    quiz: StoredQuiz
    flow: Flow
    question: Question | None
    answered: int
    total: int
    carried: tuple[str, ...] = ()
    """The questions whose answers were carried over from the person's earlier run (a new quiz only)."""

    @property
    def done(self) -> bool:
        """Whether every question that applies has been answered."""
        return self.question is None


def start_quiz(*, db: Session | RawSQL, site: Site, flow: Flow, visitor_id: str | None, page: str = "",
               fresh: bool = False, served: Served | None = None) -> QuizState:
    """Open a quiz session for `flow`; for a flow that remembers (and unless `fresh`), pre-answered with what the
    same person (browser, or identified customer) answered in their latest earlier run. `served`: the variant
    the visitor was assigned in the flow's experiment (flows/experiments.py), run and recorded instead."""
    shown = served.flow if served is not None else flow
    experiment = served.experiment if served is not None else None
    carried = [] if fresh else carried_answers(db=db, site=site, flow=shown, visitor_id=visitor_id, flow_id=flow.id)
    quiz = insert_quiz(db, site_id=site.pk, flow_id=flow.id, visitor_id=visitor_id, page=page,
                       answers=[[qid, value] for qid, value in carried],
                       finished=bool(carried) and next_question(shown, carried) is None, experiment=experiment,
                       variant=shown.id if experiment is not None and shown.id != flow.id else None)
    state = _state(quiz, shown, carried)
    state.carried = tuple(qid for qid, _ in carried)
    return state


def carried_answers(*, db: Session | RawSQL, site: Site, flow: Flow, visitor_id: str | None,
                    flow_id: str | None = None) -> Answers:
    """The answers a new run of `flow` starts with: the newest earlier run's that the live flow still takes
    (replayed through give_answer), up to the first question the flow does not remember. `flow_id`: the runs
    recorded under it (an experiment's variant is recorded under its control flow's id)."""
    if not visitor_id or not flow.remembers_any:
        return []
    for stored in earlier_answers(db, site_id=site.pk, flow_id=flow_id or flow.id, visitor_id=visitor_id):
        if kept := _remembered(flow, replay(flow, stored)):
            return kept
    return []


def _remembered(flow: Flow, answers: Answers) -> Answers:
    kept: Answers = []
    for question_id, value in answers:
        question = flow.question(question_id)
        if question is None or not flow.remembers(question):
            break
        kept.append((question_id, value))
    return kept


def get_quiz(*, db: Session | RawSQL | Engine, site: Site, quiz_id: str) -> StoredQuiz:
    """The quiz session `quiz_id` of `site`, or NotFound (`db` an engine: read outside any session)."""
    quiz = find_quiz(db, quiz_id) if QUIZ_ID.fullmatch(quiz_id) else None  # a NUL never reaches PostgreSQL
    if quiz is None or quiz.site_id != site.id:
        raise NotFound(f"no quiz session '{quiz_id}'", field="quiz")
    return quiz


def answer_quiz(*, db: Session | RawSQL, quiz: StoredQuiz, flow: Flow, question_id: Any, value: Any) -> QuizState:
    """Record the answer to `question_id` (changing an earlier answer drops the later ones)."""
    if not isinstance(question_id, str):
        raise Invalid("must be a question id", field="question")
    answers = give_answer(flow, stored_answers(quiz, flow), question_id, value)
    _save(db, quiz, flow, answers)
    return _state(quiz, flow, answers)


def go_back(*, db: Session | RawSQL, quiz: StoredQuiz, flow: Flow) -> QuizState:
    """Forget the last answer, so its question is asked again."""
    answers = stored_answers(quiz, flow)
    if not answers:
        raise Invalid("there is no answer to go back from", field="quiz")
    _save(db, quiz, flow, answers[:-1])
    return _state(quiz, flow, answers[:-1])


def quiz_results(*, index: CatalogIndex, quiz: StoredQuiz, flow: Flow, rules: Sequence[Rule] = ()) -> ResultSet:
    """Ranked products for the answers so far, under the merchandising rules of the quiz_results placement."""
    return ranking.rank(flow, stored_answers(quiz, flow), index, rules)


def state_of(quiz: StoredQuiz, flow: Flow) -> QuizState:
    """The current state of `quiz` under `flow`."""
    return _state(quiz, flow, stored_answers(quiz, flow))


def _state(quiz: StoredQuiz, flow: Flow, answers: Answers) -> QuizState:
    """The state of `quiz` whose answers, replayed against `flow`, are `answers` (no need to replay them again)."""
    answered, total = progress(flow, answers)
    return QuizState(quiz, flow, next_question(flow, answers), answered, total)


def stored_answers(quiz: StoredQuiz, flow: Flow) -> Answers:
    """The stored answers replayed against the live flow; an answer the flow no longer takes ends them."""
    return replay(flow, quiz.answers)


def replay(flow: Flow, stored: list[list[Any]]) -> Answers:
    """`[question id, value]` pairs as stored, given to `flow` in order until one it no longer takes."""
    replayed: Answers = []
    for pair in stored:
        try:
            question_id, value = pair
            replayed = give_answer(flow, replayed, question_id, value)
        except (Invalid, TypeError, ValueError):  # a row written by hand or an older version: stop there
            break
    return replayed


def _save(db: Session | RawSQL, quiz: StoredQuiz, flow: Flow, answers: Answers) -> None:
    quiz.answers = [[qid, value] for qid, value in answers]
    save_answers(db, quiz, finished=next_question(flow, answers) is None)
